// Svd: singular values s (descending) and, with compute_uv, U and V with
// A = U diag(s) V^H for each [m, n] matrix in a batch (tf.linalg.svd).
// TFLite has no kernel: the converter emits CUSTOM "Svd" with options
// {T, compute_uv, full_matrices}.
//
// As TF's CPU kernel: Eigen's BDCSVD on a row-major map (it switches to
// JacobiSVD below 16 columns), so U and V carry the same signs as TF's for
// the same input; a singular vector is unique only up to sign (a phase for
// complex T), and within a repeated singular value only its subspace is.
// full_matrices: U [m, m], V [n, n]; otherwise [m, k], [n, k], k = min(m, n).
// Without compute_uv, u and v are [0] tensors, as TF's shape function says.
// s has type T (complex with zero imaginary part for complex T). When BDCSVD
// fails (NaN or inf input) s, U and V are NaN, as in TF. An empty matrix
// gives an identity U (or V) where full_matrices makes it non-empty.
#include <algorithm>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "bdcsvd_secular_eq.h"  // before BDCSVD is instantiated below
#include "linalg_common.h"
#include "opbridge/op.h"
#include "svd_range.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

// BDCSVD's default algoswap: narrower matrices go to JacobiSVD.
constexpr int64_t kBdcSwitchColumns = 16;

struct SvdParams {
  bool compute_uv = true;
  bool full_matrices = false;

  static void Declare(ParamBinder& b, SvdParams& p) {
    b.Attr("compute_uv: bool = true", &p.compute_uv);
    b.Attr("full_matrices: bool = false", &p.full_matrices);
  }
};

Status SvdShape(ShapeContext& ctx, const SvdParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 2));
  const Shape& input = ctx.input(0);
  const int64_t m = DimFromEnd(input, 2), n = DimFromEnd(input, 1);
  const int64_t k = m < 0 || n < 0 ? kUnknownDim : std::min(m, n);
  ctx.set_output(0, WithBatch(input, {k}));
  if (p.compute_uv) {
    const bool full = p.full_matrices;
    ctx.set_output(1, WithBatch(input, {m, full ? m : k}));
    ctx.set_output(2, WithBatch(input, {n, full ? n : k}));
  } else {
    ctx.set_output(1, Shape({0}));
    ctx.set_output(2, Shape({0}));
  }
  return Status::Ok();
}

template <typename T>
Status Decompose(KernelContext& ctx, const SvdParams& p) {
  const ConstTensor& input = ctx.input(0);
  const int64_t m = input.dim(-2), n = input.dim(-1), k = std::min(m, n);
  const int64_t batch = BatchSize(input.shape());
  unsigned int options = 0;
  if (p.compute_uv) {
    options = p.full_matrices ? (Eigen::ComputeFullU | Eigen::ComputeFullV)
                              : (Eigen::ComputeThinU | Eigen::ComputeThinV);
  }
  if (k == 0) {
    if (p.compute_uv && p.full_matrices) {
      for (int64_t b = 0; b < batch; ++b) {
        if (m > 0) MatrixAt<T>(ctx.output(1), b, m, m).setIdentity();
        if (n > 0) MatrixAt<T>(ctx.output(2), b, n, n).setIdentity();
      }
    }
    return Status::Ok();
  }
  const double flops = 12.0 * std::max(m, n) * k * k;
  ctx.ParallelFor(batch, MatrixCost(flops), [&](int64_t begin, int64_t end) {
    // 3x3 real matrices (Kabsch rotations, covariances): the same JacobiSVD
    // steps on a fixed-size matrix, unrolled; the same bits as the dynamic
    // type (compared on 20000 matrices of mixed scales, rank-deficient and
    // zero ones), about 30% fewer instructions (callgrind).
    if constexpr (!Eigen::NumTraits<T>::IsComplex) {
      if (m == 3 && n == 3) {
        svd::DecomposeFixed3<T>(ctx, p.compute_uv, p.full_matrices, options, begin, end);
        return;
      }
    }
    // Below BDCSVD's switch size (16 columns) TF's BDCSVD hands the matrix to
    // JacobiSVD<same matrix type> and copies its results: calling JacobiSVD
    // directly runs the same code without BDCSVD's own buffers and copies.
#if defined(__x86_64__)
    // TF's packet width where the CPU has AVX2 (avx2_entries.h).
    if (math::UseAvx2()) {
      const int64_t u_size = m * (p.full_matrices ? m : k), v_size = n * (p.full_matrices ? n : k);
      const T* in = input.data<T>() + begin * m * n;
      T* s = ctx.output(0).data<T>() + begin * k;
      T* u = p.compute_uv ? ctx.output(1).data<T>() + begin * u_size : nullptr;
      T* v = p.compute_uv ? ctx.output(2).data<T>() + begin * v_size : nullptr;
#define OPBRIDGE_CALL_SVD_AVX2(U, Real, suffix)                                                                \
  if constexpr (std::is_same_v<T, U>) {                                                                        \
    if (n < kBdcSwitchColumns) {                                                                               \
      return opbridge_avx2_svd_jacobi_##suffix(in, end - begin, m, n, p.compute_uv, p.full_matrices, options, \
                                               s, u, v);                                                       \
    }                                                                                                          \
    return opbridge_avx2_svd_bdc_##suffix(in, end - begin, m, n, p.compute_uv, p.full_matrices, options, s, u, \
                                          v);                                                                  \
  }
      OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_CALL_SVD_AVX2)
#undef OPBRIDGE_CALL_SVD_AVX2
    }
#endif
    if (n < kBdcSwitchColumns) {
      svd::DecomposeRange<T, Eigen::JacobiSVD<RowMatrix<T>>>(ctx, p.compute_uv, p.full_matrices, options, begin,
                                                               end);
    } else {
      svd::DecomposeRange<T, Eigen::BDCSVD<RowMatrix<T>>>(ctx, p.compute_uv, p.full_matrices, options, begin, end);
    }
  });
  return Status::Ok();
}

Status SvdKernel(KernelContext& ctx, const SvdParams& p) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return Decompose<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Svd")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Singular value decomposition of each matrix in a batch (tf.linalg.svd): s "
                              "descending and, with compute_uv, U and V (full or reduced).")
                         .Input("input: T")
                         .Output("s: T")
                         .Output("u: T")
                         .Output("v: T")
                         .Params<SvdParams>()
                         .Attr("T: {float, double, complex64, complex128}")
                         .ShapeRule(SvdShape)
                         .Kernel(SvdKernel));

}  // namespace
}  // namespace opbridge
