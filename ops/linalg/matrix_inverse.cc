// MatrixInverse: TF's batched matrix inverse (tf.linalg.inv). TFLite has no
// kernel (the converter emits CUSTOM "MatrixInverse" with {T, adjoint}).
//
// Same algorithm as TF's CPU kernel: Eigen's partial-pivot LU on a row-major
// map of each matrix, with TF's invertibility test (no exactly-zero pivot)
// and its error text, in TF's denormals-flushed mode (a 1e-40 pivot is zero).
// An empty matrix's inverse is the empty matrix. half, as TF's kernel for it:
// the LU and the inverse in float (half alone is too coarse to be useful),
// each element rounded to half at the end.
#include <Eigen/Core>
#include <Eigen/LU>
#include <complex>

#include "../math/element_types.h"
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

// T: the tensors' type; Compute: the decomposition's (float for half, else T).
// For Compute == T the casts below are Eigen no-ops: the same code as without.
template <typename T, typename Compute = T>
Status InvertBatch(KernelContext& ctx, const InverseParams& p) {
  using Matrix = Eigen::Matrix<Compute, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Tensors = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Real = typename Eigen::NumTraits<Compute>::Real;
  const ConstTensor& input = ctx.input(0);
  const Tensor& output = ctx.output(0);
  const int64_t n = input.dim(-1);
  if (input.num_elements() == 0) return Status::Ok();
  const int64_t batch = input.num_elements() / (n * n);
  const bool adjoint = p.adjoint;

  std::vector<char> singular(static_cast<size_t>(batch), 0);
  ctx.ParallelFor(batch, n * n * n * 2, [&](int64_t begin, int64_t end) {
    Eigen::PartialPivLU<Matrix> lu;
    for (int64_t b = begin; b < end; ++b) {
      Eigen::Map<const Tensors> a(input.data<T>() + b * n * n, n, n);
      Eigen::Map<Tensors> inv(output.data<T>() + b * n * n, n, n);
      if (adjoint) {
        lu.compute(a.adjoint().template cast<Compute>());
      } else {
        lu.compute(a.template cast<Compute>());
      }
      const Real min_abs_pivot = lu.matrixLU().diagonal().cwiseAbs().minCoeff();
      if (!(min_abs_pivot > Real(0))) {
        singular[static_cast<size_t>(b)] = 1;
        continue;
      }
      inv.noalias() = lu.inverse().template cast<T>();
    }
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
