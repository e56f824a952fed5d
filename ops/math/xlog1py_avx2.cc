// Xlog1py's real packet path (Xlog1pyChunks, xdivy_xlog1py.h) built for AVX2 without FMA
// (cmake/IsaObjects.cmake): Eigen's packet log on 8 float / 4 double lanes, TF's packet width, and
// the quotient, select and product loops vectorized as wide; each lane the baseline build's
// operations, nothing contracted, so the same bits. The baseline's 4-lane loops around an AVX2 log
// took Opbridge>Xlog1py to 1.38x TF's time and half to 1.29x (docs/bench.md).
#include "xdivy_xlog1py.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "xlog1py_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

namespace {

// Eigen's packet log of this build over n elements (ElementwiseRange: packets only for whole chunks).
template <typename F>
void LogRange(const F* in, F* out, int64_t n) {
  opbridge::math::ElementwiseRange(in, out, n, opbridge::math::packet_exprs::Log{});
}

template <typename T>
void Chunks(const T* x, const T* y, T* out, int64_t begin, int64_t end, int64_t m) {
  using F = std::conditional_t<opbridge::math::kHalfType<T>, float, T>;
  opbridge::math::Xlog1pyChunks(x, y, out, begin, end, m, LogRange<F>);
}

}  // namespace

extern "C" {
void opbridge_avx2_xlog1py_f32(const float* x, const float* y, float* out, int64_t begin, int64_t end, int64_t m) {
  Chunks(x, y, out, begin, end, m);
}
void opbridge_avx2_xlog1py_f64(const double* x, const double* y, double* out, int64_t begin, int64_t end, int64_t m) {
  Chunks(x, y, out, begin, end, m);
}
void opbridge_avx2_xlog1py_f16(const Eigen::half* x, const Eigen::half* y, Eigen::half* out, int64_t begin,
                               int64_t end, int64_t m) {
  Chunks(x, y, out, begin, end, m);
}
void opbridge_avx2_xlog1py_bf16(const Eigen::bfloat16* x, const Eigen::bfloat16* y, Eigen::bfloat16* out,
                                int64_t begin, int64_t end, int64_t m) {
  Chunks(x, y, out, begin, end, m);
}
}
