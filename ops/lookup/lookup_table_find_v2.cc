// LookupTableFindV2: values[i] = table[keys[i]], or the default value for
// missing keys (lookup_table.h has TF's rules: uninitialized HashTable,
// default shapes, dtype checks). Output shape = keys' shape.
#include "lookup_table.h"

namespace opbridge {
namespace {

Status LookupTableFindV2Shape(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input(1));
  return Status::Ok();
}

Status LookupTableFindV2Kernel(KernelContext& ctx) {
  lookup::LookupTable* table = nullptr;
  OPBRIDGE_RETURN_IF_ERROR(lookup::InputTable(ctx, &table));
  OPBRIDGE_RETURN_IF_ERROR(table->CheckFind(ctx.input(1), ctx.input(2)));
  return table->Find(ctx.input(1), ctx.input(2), ctx.output(0));
}

OPBRIDGE_REGISTER_OP(OpSpec("LookupTableFindV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Looks up keys in a table; missing keys give the default value.")
                         .Input("table_handle: resource")
                         .Input("keys: Tin")
                         .Input("default_value: Tout")
                         .Output("values: Tout")
                         .Attr("Tin: type")
                         .Attr("Tout: type")
                         .ShapeRule(LookupTableFindV2Shape)
                         .Kernel(LookupTableFindV2Kernel));

}  // namespace
}  // namespace opbridge
