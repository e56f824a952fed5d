// Svd's per-matrix loop (svd.cc), shared with its 3x3 path (svd_fixed3.cc),
// which is compiled apart: svd.cc is built at -O2 for size, the 3x3 path at
// -O3, where GCC's unrolling of the fixed-size JacobiSVD is worth 5% of its
// time (CMakeLists.txt, docs/size.md).
#pragma once

#include <Eigen/SVD>
#include <algorithm>
#include <limits>

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

template <typename T, typename Solver>
void DecomposeRange(KernelContext& ctx, bool compute_uv, bool full_matrices, unsigned int options, int64_t begin,
                    int64_t end) {
  using Real = typename Eigen::NumTraits<T>::Real;
  const ConstTensor& input = ctx.input(0);
  const int64_t m = input.dim(-2), n = input.dim(-1), k = std::min(m, n);
  const int64_t u_cols = full_matrices ? m : k, v_cols = full_matrices ? n : k;
  T* s_out = ctx.output(0).data<T>();
  Solver solver = MakeSolver<Solver>(m, n, options);
  for (int64_t b = begin; b < end; ++b) {
    Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>> s(s_out + b * k, k);
    solver.compute(MatrixAt<T>(input, b, m, n));
    if (solver.info() != Eigen::Success) {
      const T nan(std::numeric_limits<Real>::quiet_NaN());
      s.setConstant(nan);
      if (compute_uv) {
        MatrixAt<T>(ctx.output(1), b, m, u_cols).setConstant(nan);
        MatrixAt<T>(ctx.output(2), b, n, v_cols).setConstant(nan);
      }
      solver = MakeSolver<Solver>(m, n, options);
      continue;
    }
    s = solver.singularValues().template cast<T>();
    if (compute_uv) {
      MatrixAt<T>(ctx.output(1), b, m, u_cols) = solver.matrixU();
      MatrixAt<T>(ctx.output(2), b, n, v_cols) = solver.matrixV();
    }
  }
}

// Svd of the 3x3 real matrices begin..end (svd_fixed3.cc: float and double).
template <typename T>
void DecomposeFixed3(KernelContext& ctx, bool compute_uv, bool full_matrices, unsigned int options, int64_t begin,
                     int64_t end);

}  // namespace opbridge::linalg::svd
