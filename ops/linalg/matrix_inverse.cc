// MatrixInverse: TF's batched matrix inverse (tf.linalg.inv). TFLite has no
// kernel (the converter emits CUSTOM "MatrixInverse" with {T, adjoint}).
//
// Same algorithm as TF's CPU kernel: Eigen's partial-pivot LU on a row-major
// map of each matrix, with TF's invertibility test (no exactly-zero pivot)
// and its error text, in TF's denormals-flushed mode (a 1e-40 pivot is zero).
// An empty matrix's inverse is the empty matrix. half, as TF's kernel for it:
// the LU and the inverse in float (half alone is too coarse to be useful),
// each element rounded to half at the end.
#include <complex>
#include <memory>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "../math/element_types.h"
#include "inverse_batch.h"
#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct InverseParams {
  bool adjoint = false;

  static void Declare(ParamBinder& b, InverseParams& p) { b.Attr("adjoint: bool = false", &p.adjoint); }
};

Status MatrixInverseShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(0, -2, 0, -1));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

// T: the tensors' type; Compute: the decomposition's (float for half, else
// T). float, float64 and complex on AVX2 CPUs run the isolated AVX2 build.
template <typename T, typename Compute = T>
Status InvertBatch(KernelContext& ctx, const InverseParams& p) {
  const ConstTensor& input = ctx.input(0);
  const Tensor& output = ctx.output(0);
  const int64_t n = input.dim(-1);
  if (input.num_elements() == 0) return Status::Ok();
  const int64_t batch = input.num_elements() / (n * n);
  const bool adjoint = p.adjoint;
  const T* in = input.data<T>();
  T* out = output.data<T>();

  std::unique_ptr<bool[]> singular(new bool[static_cast<size_t>(batch)]());
  ctx.ParallelFor(batch, n * n * n * 2, [&](int64_t begin, int64_t end) {
    const T* from = in + begin * n * n;
    T* to = out + begin * n * n;
    bool* flags = singular.get() + begin;
#if defined(__x86_64__)
    if (math::UseAvx2()) {
      if constexpr (std::is_same_v<T, float>) {
        return opbridge_avx2_inverse_f32(from, to, end - begin, n, adjoint, flags);
      }
      if constexpr (std::is_same_v<T, double>) {
        return opbridge_avx2_inverse_f64(from, to, end - begin, n, adjoint, flags);
      }
      if constexpr (std::is_same_v<T, std::complex<float>>) {
        return opbridge_avx2_inverse_c64(from, to, end - begin, n, adjoint, flags);
      }
      if constexpr (std::is_same_v<T, std::complex<double>>) {
        return opbridge_avx2_inverse_c128(from, to, end - begin, n, adjoint, flags);
      }
    }
#endif
    linalg::InvertMatrices<T, Compute>(from, to, end - begin, n, adjoint, flags);
  });
  for (int64_t b = 0; b < batch; ++b) {
    OPBRIDGE_REQUIRE(!singular[static_cast<size_t>(b)], "Input is not invertible. (matrix ", b, " of ", batch,
                     " in input '", input.name(), "' has a zero pivot)");
  }
  return Status::Ok();
}

Status MatrixInverseKernel(KernelContext& ctx, const InverseParams& p) {
  return math::DispatchElement<float, double, std::complex<float>, std::complex<double>, Eigen::half>(
      ctx.input(0).dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, Eigen::half>) {
          return InvertBatch<T, float>(ctx, p);
        } else {
          return InvertBatch<T>(ctx, p);
        }
      });
}

OPBRIDGE_REGISTER_OP(OpSpec("MatrixInverse")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse of each square matrix in a batch (tf.linalg.inv); adjoint inverts the "
                              "conjugate transpose.")
                         .Input("input: T")
                         .Output("output: T")
                         .Params<InverseParams>()
                         .Attr("T: {float, double, half, complex64, complex128}")
                         .ShapeRule(MatrixInverseShape)
                         .Kernel(MatrixInverseKernel));

}  // namespace
}  // namespace opbridge
