// Spence: TF's Spence function (dilogarithm) spence(x) = integral_1^x
// log(t) / (1 - t) dt, elementwise (tf.math.special.spence). TFLite has no
// kernel: the converter emits CUSTOM "Spence" with options {T}.
//
// TF's kernel (kernels/special_math) evaluates Cephes' rational approximation
// one element at a time (its functor has no packet path), with Eigen's
// polynomial helper, the C library's log and log1p, and no fused
// multiply-adds (TF's x86 wheel has no FMA): the same steps in the same order
// give TF's bits. Edges as TF: NaN for x < 0, pi^2/6 at 0, 0 at 1, and NaN at
// +inf (its reflection multiplies log(1/inf) = -inf by log1p(-0) = -0).
// TF's CPU kernel takes float and double. float32 on CPUs with AVX2 runs the
// same operations 8 lanes at a time (spence_float_avx2.h: TF's bits).
#include <limits>
#include <type_traits>

#include "avx2_dispatch.h"
#include "elementwise.h"
#include "float_lanes.h"
#include "spence_float_avx2.h"

namespace opbridge {
namespace {

template <typename T>
T Spence(T x) {
  using Eigen::internal::ppolevl;
  static const T kP[] = {T(4.65128586073990045278E-5), T(7.31589045238094711071E-3),
                         T(1.33847639578309018650E-1), T(8.79691311754530315341E-1),
                         T(2.71149851196553469920E0),  T(4.25697156008121755724E0),
                         T(3.29771340985225106936E0),  T(1.00000000000000000126E0)};
  static const T kQ[] = {T(6.90990488912553276999E-4), T(2.54043763932544379113E-2),
                         T(2.82974860602568089943E-1), T(1.41172597751831069617E0),
                         T(3.63800533345137075418E0),  T(5.03278880143316990390E0),
                         T(3.54771340985225096217E0),  T(9.99999999999999998740E-1)};
  // pi^2 / 6 as TF computes it: in long double, then rounded once.
  const T pi2_over_6 = static_cast<T>(EIGEN_PI * EIGEN_PI / 6.0);
  if (x < T(0)) return std::numeric_limits<T>::quiet_NaN();
  if (x == T(0)) return pi2_over_6;
  if (x == T(1)) return T(0);
  // Reduce to y in (0, 2) by spence(x) = -log(x)^2 / 2 - spence(1/x), then
  // evaluate around 1 (w = y - 1 or 1/y - 1) or, for y < 1/2, by the
  // reflection spence(y) = pi^2/6 - log(y) log(1 - y) - spence(1 - y).
  const T y = x < T(2) ? x : T(1) / x;
  T w;
  if (T(1.5) < y) {
    w = T(1) / y - T(1);
  } else if (y < T(0.5)) {
    w = -y;
  } else {
    w = y - T(1);
  }
  T s = -w * (ppolevl<T, 7>::run(w, kP) / ppolevl<T, 7>::run(w, kQ));
  const T z = Eigen::numext::log(y);
  if (y < T(0.5)) s = -z * Eigen::numext::log1p(-y) + pi2_over_6 - s;
  if (T(1.5) < x) s = -T(0.5) * z * z - s;
  return s;
}

Status SpenceKernel(KernelContext& ctx) {
#if defined(__x86_64__)
  if (ctx.input(0).dtype() == DType::kFloat32 && math::UseAvx2()) {
    // Lanes and the scalar function give the same bits, so the tail may take either.
    const auto lanes = [](const float* in, float* out, int64_t n) { math::spence_float_avx2::Apply(in, out, n); };
    return math::ApplyFloatLanes(ctx, 40, lanes, [](float v) { return Spence(v); });
  }
#endif
  return math::UnaryElementwise<float, double>(ctx, 40, [](const auto& x) {
    using T = typename std::decay_t<decltype(x)>::Scalar;
    return x.unaryExpr([](T v) { return Spence(v); });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Spence")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Spence's function (dilogarithm), elementwise (tf.math.special.spence).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(SpenceKernel));

}  // namespace
}  // namespace opbridge
