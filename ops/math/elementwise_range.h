// The loop of the Eigen-expression elementwise kernels (elementwise.h), apart
// from the kernel context, so that an isolated AVX2 object
// (packet_exprs_avx2.cc) can compile it again.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace opbridge {
namespace math {

template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// out[0, n) = expr(in[0, n)): Eigen evaluates whole packets, then the ragged
// tail with its scalar path.
template <typename T, typename Expr>
void ElementwiseRange(const T* in, T* out, int64_t n, const Expr& expr) {
  ArrayMap<T>(out, n) = expr(ConstArrayMap<T>(in, n));
}

template <typename T>
using ElementwiseRangeFn = void (*)(const T* in, T* out, int64_t n);

}  // namespace math
}  // namespace opbridge
