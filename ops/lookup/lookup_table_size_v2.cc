// LookupTableSizeV2: the number of entries, an int64 scalar (0 for a
// HashTable not yet initialized, as in TF).
#include "lookup_table.h"

namespace opbridge {
namespace {

Status LookupTableSizeV2Shape(ShapeContext& ctx) {
  ctx.set_output(0, Shape());
  return Status::Ok();
}

Status LookupTableSizeV2Kernel(KernelContext& ctx) {
  lookup::LookupTable* table = nullptr;
  OPBRIDGE_RETURN_IF_ERROR(lookup::InputTable(ctx, &table));
  *ctx.output(0).data<int64_t>() = table->Size();
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("LookupTableSizeV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The number of entries of a table (int64 scalar).")
                         .Input("table_handle: resource")
                         .Output("size: int64")
                         .ShapeRule(LookupTableSizeV2Shape)
                         .Kernel(LookupTableSizeV2Kernel));

}  // namespace
}  // namespace opbridge
