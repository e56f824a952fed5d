// HashTableV2: creates (or finds, by container and shared_name) an
// initializable hash table and outputs its handle. The converter keeps it
// CUSTOM whenever it cannot legalize every table of the model to its builtin
// HASHTABLE (which covers only string->int64 and int64->string). A model's
// init subgraph (run once by CALL_ONCE) holds a HashTableV2 + LookupTableImportV2
// and the main subgraph another HashTableV2 of the same shared_name + the
// lookups: both find the one table in the interpreter's resource store.
#include "lookup_table.h"

namespace opbridge {
namespace {

Status HashTableV2Kernel(KernelContext& ctx, const lookup::TableParams& p) {
  return lookup::CreateTableKernel(ctx, p, /*is_mutable=*/false);
}

OPBRIDGE_REGISTER_OP(OpSpec("HashTableV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Creates or finds an initializable hash table; outputs its handle.")
                         .Output("table_handle: resource")
                         .Params<lookup::TableParams>()
                         .ShapeRule(lookup::ScalarHandleShape)
                         .Kernel(HashTableV2Kernel));

}  // namespace
}  // namespace opbridge
