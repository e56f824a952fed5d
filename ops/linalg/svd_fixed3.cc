// Svd's 3x3 real path (svd.cc calls it): JacobiSVD on a fixed-size 3x3
// matrix, whose loops GCC unrolls at -O3. This file stays at -O3 while
// svd.cc is built at -O2 for size (CMakeLists.txt): at -O2 the 3x3 path took
// 5% longer (opbridge bench, Svd f32 [4096,3,3]).
#include "svd_range.h"

namespace opbridge::linalg::svd {

template <typename T>
void DecomposeFixed3(KernelContext& ctx, bool compute_uv, bool full_matrices, unsigned int options, int64_t begin,
                     int64_t end) {
  using Fixed3 = Eigen::Matrix<T, 3, 3, Eigen::RowMajor>;
  if (compute_uv) {
    DecomposeRange<T, Eigen::JacobiSVD<Fixed3, Eigen::ComputeFullU | Eigen::ComputeFullV>>(ctx, compute_uv,
                                                                                        full_matrices, options,
                                                                                        begin, end);
  } else {
    DecomposeRange<T, Eigen::JacobiSVD<Fixed3>>(ctx, compute_uv, full_matrices, options, begin, end);
  }
}

template void DecomposeFixed3<float>(KernelContext&, bool, bool, unsigned int, int64_t, int64_t);
template void DecomposeFixed3<double>(KernelContext&, bool, bool, unsigned int, int64_t, int64_t);

}  // namespace opbridge::linalg::svd
