// Svd's per-matrix loop (svd.cc), shared with its 3x3 path (svd_fixed3.cc)
// and its AVX2 build (svd_avx2.cc), which are compiled apart: svd.cc is built at -O2 for size, the 3x3 path at
// -O3, where GCC's unrolling of the fixed-size JacobiSVD is worth 5% of its
// time (CMakeLists.txt, docs/size.md).
#pragma once

#include <Eigen/SVD>
#include <algorithm>
#include <limits>

#include "avx2_entries.h"
#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge::linalg::svd {

// One solver per thread's share of the batch, reused from matrix to matrix:
// Eigen's compute() keeps its buffers when the size and options repeat, so
// only the first matrix allocates. A failed decomposition leaves Eigen's
// info() set for the next compute(), so the solver is replaced after one.
template <typename Solver>
Solver MakeSolver(int64_t m, int64_t n, unsigned int options) {
  if constexpr (Solver::MatrixType::RowsAtCompileTime != Eigen::Dynamic) {
    return Solver();  // fixed size: the options are in the type
  } else {
    // The runtime-options form is TF's call (the template-options form is
    // Eigen's newer spelling of the same algorithm).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return Solver(m, n, options);
#pragma GCC diagnostic pop
  }
}

// `count` consecutive [m, n] matrices from `in`: s (k values each), and with
// compute_uv U ([m, m] or [m, k] each) and V ([n, n] or [n, k]).
template <typename T, typename Solver>
void DecomposeMatrices(const T* in, int64_t count, int64_t m, int64_t n, bool compute_uv, bool full_matrices,
                       unsigned int options, T* s_out, T* u_out, T* v_out) {
  using Real = typename Eigen::NumTraits<T>::Real;
  const int64_t k = std::min(m, n);
  const int64_t u_cols = full_matrices ? m : k, v_cols = full_matrices ? n : k;
  Solver solver = MakeSolver<Solver>(m, n, options);
  for (int64_t b = 0; b < count; ++b) {
    Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>> s(s_out + b * k, k);
    solver.compute(ConstMatrixMap<T>(in + b * m * n, m, n));
    if (solver.info() != Eigen::Success) {
      const T nan(std::numeric_limits<Real>::quiet_NaN());
      s.setConstant(nan);
      if (compute_uv) {
        MatrixMap<T>(u_out + b * m * u_cols, m, u_cols).setConstant(nan);
        MatrixMap<T>(v_out + b * n * v_cols, n, v_cols).setConstant(nan);
      }
      solver = MakeSolver<Solver>(m, n, options);
      continue;
    }
    s = solver.singularValues().template cast<T>();
    if (compute_uv) {
      MatrixMap<T>(u_out + b * m * u_cols, m, u_cols) = solver.matrixU();
      MatrixMap<T>(v_out + b * n * v_cols, n, v_cols) = solver.matrixV();
    }
  }
}

// Matrices begin..end of the kernel's input, into its outputs.
template <typename T, typename Solver>
void DecomposeRange(KernelContext& ctx, bool compute_uv, bool full_matrices, unsigned int options, int64_t begin,
                    int64_t end) {
  const ConstTensor& input = ctx.input(0);
  const int64_t m = input.dim(-2), n = input.dim(-1), k = std::min(m, n);
  const int64_t u_size = m * (full_matrices ? m : k), v_size = n * (full_matrices ? n : k);
  T* u = compute_uv ? ctx.output(1).data<T>() + begin * u_size : nullptr;
  T* v = compute_uv ? ctx.output(2).data<T>() + begin * v_size : nullptr;
  DecomposeMatrices<T, Solver>(input.data<T>() + begin * m * n, end - begin, m, n, compute_uv, full_matrices,
                               options, ctx.output(0).data<T>() + begin * k, u, v);
}

// Svd of the 3x3 real matrices begin..end (svd_fixed3.cc: float and double).
template <typename T>
void DecomposeFixed3(KernelContext& ctx, bool compute_uv, bool full_matrices, unsigned int options, int64_t begin,
                     int64_t end);

}  // namespace opbridge::linalg::svd

#if defined(__x86_64__)
// The AVX2 (no FMA) builds of DecomposeMatrices (svd_avx2.cc): JacobiSVD
// (fewer than 16 columns, as BDCSVD hands them over) and BDCSVD.
#define OPBRIDGE_DECLARE_SVD_AVX2(T, Real, suffix)                                                                 \
  void opbridge_avx2_svd_jacobi_##suffix(const T* in, int64_t count, int64_t m, int64_t n, bool compute_uv,      \
                                         bool full_matrices, unsigned int options, T* s, T* u, T* v);             \
  void opbridge_avx2_svd_bdc_##suffix(const T* in, int64_t count, int64_t m, int64_t n, bool compute_uv,         \
                                      bool full_matrices, unsigned int options, T* s, T* u, T* v);
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DECLARE_SVD_AVX2)
}
#undef OPBRIDGE_DECLARE_SVD_AVX2
#endif
