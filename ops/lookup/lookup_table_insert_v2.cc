// LookupTableInsertV2: inserts or overwrites keys -> values in a mutable
// table (later duplicates of one call win, as TF's InsertOrUpdate loop).
// A HashTable refuses it, as TF's InitializableLookupTable does.
#include "lookup_table.h"

namespace opbridge {
namespace {

Status LookupTableInsertV2Shape(ShapeContext&) { return Status::Ok(); }

Status LookupTableInsertV2Kernel(KernelContext& ctx) {
  lookup::LookupTable* table = nullptr;
  OPBRIDGE_RETURN_IF_ERROR(lookup::InputTable(ctx, &table));
  OPBRIDGE_RETURN_IF_ERROR(table->CheckPairs(ctx.input(1), ctx.input(2)));
  return table->Insert(ctx.input(1), ctx.input(2));
}

OPBRIDGE_REGISTER_OP(OpSpec("LookupTableInsertV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inserts or updates keys -> values in a mutable table.")
                         .Input("table_handle: resource")
                         .Input("keys: Tin")
                         .Input("values: Tout")
                         .Attr("Tin: type")
                         .Attr("Tout: type")
                         .ShapeRule(LookupTableInsertV2Shape)
                         .Kernel(LookupTableInsertV2Kernel));

}  // namespace
}  // namespace opbridge
