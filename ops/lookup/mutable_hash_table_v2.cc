// MutableHashTableV2: creates (or finds, by container and shared_name) a
// mutable hash table of scalars and outputs its handle; the converter never
// legalizes mutable tables, so this op is always CUSTOM. The table lives in
// the interpreter's resource store: two interpreters of one model keep
// separate contents, as two TF sessions do.
#include "lookup_table.h"

namespace opbridge {
namespace {

Status MutableHashTableV2Kernel(KernelContext& ctx, const lookup::TableParams& p) {
  return lookup::CreateTableKernel(ctx, p, /*is_mutable=*/true);
}

OPBRIDGE_REGISTER_OP(OpSpec("MutableHashTableV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Creates or finds a mutable hash table; outputs its handle.")
                         .Output("table_handle: resource")
                         .Params<lookup::TableParams>()
                         .ShapeRule(lookup::ScalarHandleShape)
                         .Kernel(MutableHashTableV2Kernel));

}  // namespace
}  // namespace opbridge
