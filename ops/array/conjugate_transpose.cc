// ConjugateTranspose: TF's y = conj(x) permuted by `perm`
// (tf.linalg.adjoint, tf.transpose(conjugate=True),
// tf.linalg.matrix_transpose(conjugate=True)). The converter has no builtin
// for it and leaves CUSTOM "ConjugateTranspose" {T, Tperm}. Complex elements
// are conjugated (std::conj: the imaginary part's sign flips, zeros and NaNs
// included, as TF's Eigen conj); every other type TF registers moves as raw
// elements. perm is int32 or int64, constant or computed, negative entries
// counting from the end; TF's checks and texts (transpose.h, shared with
// Transpose). A scalar is its own conjugate (TF's oneDNN kernel aborts the
// process on a 0-d input; TF's Eigen one returns it).
#include <complex>
#include <cstdint>
#include <vector>

#include "transpose.h"

namespace opbridge {
namespace {

struct Conjugate {
  template <typename T>
  std::complex<T> operator()(const std::complex<T>& v) const {
    return std::conj(v);
  }
};

Status ConjugateTransposeKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  std::vector<int64_t> perm;
  OPBRIDGE_RETURN_IF_ERROR(array::ReadPermAndOutput(ctx, &perm));
  const int64_t count = x.num_elements();
  if (count == 0) return Status::Ok();
  if (x.dtype() == DType::kComplex64 || x.dtype() == DType::kComplex128) {
    return Dispatch<std::complex<float>, std::complex<double>>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      array::Permute(ctx, x.data<T>(), ctx.output(0).data<T>(), x.shape(), perm, count, Conjugate());
      return Status::Ok();
    });
  }
  return array::ForElements(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    array::Permute(ctx, x.data<In>(), ctx.output(0).data<Out>(), x.shape(), perm, count);
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ConjugateTranspose")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("conj(x) with its dims permuted by perm (tf.linalg.adjoint, "
                              "tf.transpose(conjugate=True)).")
                         .Input("x: T")
                         .Input("perm: Tperm")
                         .Output("y: T")
                         .Attr("T: type")
                         .Attr("Tperm: {int32, int64} = DT_INT32")
                         .ShapeRule(array::TransposeShape)
                         .Kernel(ConjugateTransposeKernel));

}  // namespace
}  // namespace opbridge
