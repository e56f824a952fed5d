// LookupTableImportV2: fills a table from keys and values of one shape. A
// HashTable is initialized by its first successful import (later imports of
// as many keys are no-ops, as in TF); a MutableHashTable's contents are
// replaced. The converter puts this op in the init subgraph CALL_ONCE runs.
#include "lookup_table.h"

namespace opbridge {
namespace {

Status LookupTableImportV2Shape(ShapeContext&) { return Status::Ok(); }

Status LookupTableImportV2Kernel(KernelContext& ctx) {
  lookup::LookupTable* table = nullptr;
  OPBRIDGE_RETURN_IF_ERROR(lookup::InputTable(ctx, &table));
  OPBRIDGE_RETURN_IF_ERROR(table->CheckPairs(ctx.input(1), ctx.input(2)));
  return table->Import(ctx.input(1), ctx.input(2));
}

OPBRIDGE_REGISTER_OP(OpSpec("LookupTableImportV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Replaces a table's contents with keys -> values (initializes a HashTable).")
                         .Input("table_handle: resource")
                         .Input("keys: Tin")
                         .Input("values: Tout")
                         .Attr("Tin: type")
                         .Attr("Tout: type")
                         .ShapeRule(LookupTableImportV2Shape)
                         .Kernel(LookupTableImportV2Kernel));

}  // namespace
}  // namespace opbridge
