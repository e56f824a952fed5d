// The loop of the Eigen-expression elementwise kernels (elementwise.h), apart
// from the kernel context, so that an isolated AVX2 object
// (packet_exprs_avx2.cc) can compile it again.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <type_traits>

namespace opbridge {
namespace math {

template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// out[0, n) = expr(in[0, n)) as TF's x86-64 build evaluates it. Real T: Eigen's
// packets of 32 bytes (TF's wheel is built for AVX: 8 floats, 4 doubles)
// over the first n - n % width elements, and Eigen's scalar functors (the C
// library's atan, log1p, tanh ...) over the last n % width, as TF's tensor
// executor. Eigen's array assignment alone would finish with a partial
// packet, whose lanes take the packet formula: 1 ulp from TF's result in
// about a third of those elements (measured on Atan, Asin, Acos, Softplus,
// Log, Tanh, Sigmoid). The baseline build's 16-byte packets give the same bits
// per lane over the same prefix. Complex T keeps the array assignment: TF's
// scalar complex log and exp are neither glibc's clog/cexp nor the packet
// formula (measured 81% and 49% equal), and neither path here gives TF's
// tail bits for complex Log and Exp (Tanh and Sqrt it does).
template <typename T, typename Expr>
void ElementwiseRange(const T* in, T* out, int64_t n, const Expr& expr) {
  if constexpr (std::is_floating_point_v<T>) {
    constexpr int64_t kTfWidth = 32 / static_cast<int64_t>(sizeof(T));
    const int64_t packets = n / kTfWidth * kTfWidth;
    ArrayMap<T>(out, packets) = expr(ConstArrayMap<T>(in, packets));
    // A one-element fixed-size array is never vectorized: Eigen's scalar path.
    for (int64_t i = packets; i < n; ++i) {
      const Eigen::Array<T, 1, 1> one(in[i]);
      const Eigen::Array<T, 1, 1> result = expr(one);
      out[i] = result(0);
    }
  } else {
    ArrayMap<T>(out, n) = expr(ConstArrayMap<T>(in, n));
  }
}

template <typename T>
using ElementwiseRangeFn = void (*)(const T* in, T* out, int64_t n);

}  // namespace math
}  // namespace opbridge
