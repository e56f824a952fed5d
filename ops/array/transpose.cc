// Transpose: TF's y = x permuted by `perm` (tf.transpose) for the dtypes the
// builtin TRANSPOSE lacks: the converter emits CUSTOM "Transpose" {T, Tperm}
// for float64, complex64, complex128, string, half, bfloat16, int16, uint16,
// uint32 and uint64 (measured; it also transposes b that way before a custom
// MatMul). T is any type, as TF's. Data moves as raw elements, so the result
// is exact. perm is int32 or int64, constant or computed; TF's checks and texts
// (transpose.h, shared with ConjugateTranspose).
#include <cstdint>
#include <vector>

#include "transpose.h"

namespace opbridge {
namespace {

using array::Permute;
using array::TransposeShape;

Status TransposeKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  std::vector<int64_t> perm;
  OPBRIDGE_RETURN_IF_ERROR(array::ReadPermAndOutput(ctx, &perm));
  const int64_t count = x.num_elements();
  if (count == 0) return Status::Ok();
  // A scalar is one element at offset 0: Permute's rank-0 walk copies it.
  return array::ForElements(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    Permute(ctx, x.data<In>(), ctx.output(0).data<Out>(), x.shape(), perm, count);
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Transpose")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x with its dims permuted by perm (tf.transpose).")
                         .Input("x: T")
                         .Input("perm: Tperm")
                         .Output("y: T")
                         .Attr("T: type")
                         .Attr("Tperm: {int32, int64} = DT_INT32")
                         .ShapeRule(TransposeShape)
                         .Kernel(TransposeKernel));

}  // namespace
}  // namespace opbridge
