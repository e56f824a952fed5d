// Atan2: TF's atan2(y, x), elementwise with broadcasting (tf.math.atan2), in
// half and bfloat16: the converter keeps these as CUSTOM "Atan2" {T} (measured
// by tools/census_float64.py --dtype float16). float64's Atan2 it cannot
// convert at all; opbridge.convert substitutes Opbridge>Atan2 for it
// (opbridge_atan2.cc), which takes only double, so the two never meet.
//
// TF evaluates Eigen's atan2 in float and rounds to T (its vectorized float
// atan2 can round to the neighbouring half: within one unit in the last
// place). Here the halves are widened to double, exactly, and atan2 runs on
// double packets (Eigen's patan2, as Opbridge>Atan2: 4 lanes on AVX2), within
// a few ulps of double, then rounds once to T: the correctly rounded result.
// The C library's atan2f per element, the first version, took 27 ns an
// element (0.91x TF's time).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "atan2_double.h"
#include "cwise.h"
#include "half_arrays.h"

namespace opbridge {
namespace {

// float(v) rounded to odd: inexact results get an odd last bit. Rounding
// that float to half or bfloat16 (13 or 16 bits fewer) then gives v rounded
// to nearest even directly, where float(v) rounded to nearest could land on
// a halfway point of T and round again the wrong way.
float RoundToOddFloat(double v) {
  float f = static_cast<float>(v);
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if (static_cast<double>(f) != v && (bits & 1U) == 0 && std::isfinite(f)) {
    f = std::nextafter(f, v > f ? INFINITY : -INFINITY);  // the odd neighbour on v's side
  }
  return f;
}

template <typename T>
T RoundedAtan2(double y, double x) {
  return static_cast<T>(RoundToOddFloat(std::atan2(y, x)));
}

// out[i] = atan2(y[i * y_step], x[i * x_step]) for i < n (a step of 0 reads
// a scalar), by blocks widened to double.
template <typename T>
void Atan2Run(const T* y, int64_t y_step, const T* x, int64_t x_step, T* out, int64_t n) {
  constexpr int64_t kBlock = 256;
  float wide[kBlock];
  double yd[kBlock], xd[kBlock], zd[kBlock];
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t m = std::min(kBlock, n - b);
    math::Widen(y + b * y_step, wide, y_step != 0 ? m : 1);
    for (int64_t i = 0; i < (y_step != 0 ? m : 1); ++i) yd[i] = wide[i];
    math::Widen(x + b * x_step, wide, x_step != 0 ? m : 1);
    for (int64_t i = 0; i < (x_step != 0 ? m : 1); ++i) xd[i] = wide[i];
    math::Atan2PacketsOnThisCpu(yd, y_step != 0 ? 1 : 0, xd, x_step != 0 ? 1 : 0, zd, m);
    for (int64_t i = 0; i < m; ++i) wide[i] = RoundToOddFloat(zd[i]);
    math::Narrow(wide, out + b, m);
  }
}

Status Kernel(KernelContext& ctx) {
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  const std::vector<int64_t>& dims = ctx.output(0).shape().dims();
  const bool a_flat = a.shape().dims() == dims, b_flat = b.shape().dims() == dims;
  const bool a_scalar = a.shape().dims().empty(), b_scalar = b.shape().dims().empty();
  if (a.dtype() != b.dtype() || !(a_flat || a_scalar) || !(b_flat || b_scalar) ||
      (a_scalar && b_scalar && !dims.empty())) {
    // A real broadcast (with its checks and errors): one element at a time,
    // the C library's double atan2 rounded the same way.
    return math::BinaryMap<Eigen::half, Eigen::bfloat16>(ctx, 20, [](auto y, auto x) {
      return RoundedAtan2<decltype(y)>(static_cast<float>(y), static_cast<float>(x));
    });
  }
  // Same shapes, or a scalar against the output's shape: whole blocks.
  return math::DispatchElement<Eigen::half, Eigen::bfloat16>(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* out = ctx.output(0).data<T>();
    const int64_t a_step = a_flat ? 1 : 0, b_step = b_flat ? 1 : 0;
    ctx.ParallelFor(ctx.output(0).num_elements(), 8, [&](int64_t begin, int64_t end) {
      Atan2Run(pa + begin * a_step, a_step, pb + begin * b_step, b_step, out + begin, end - begin);
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Atan2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("atan2(y, x), elementwise with broadcasting (tf.math.atan2), in half precision.")
                         .Input("y: T")
                         .Input("x: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
