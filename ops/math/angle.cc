// Angle: TF's argument of complex numbers (tf.math.angle), atan2(imag, real)
// in the element's precision. TFLite has no builtin: the converter emits
// CUSTOM "Angle" {T, Tout} for complex64 (-> float) and complex128
// (-> double). TF's kernel evaluates Eigen's scalar_arg_op, which calls
// std::arg (the C library's atan2, as here): the results are bit-identical,
// but for complex64 on CPUs with AVX2. There the parts are widened to double
// and go through Eigen's patan2 on 4-double packets (Opbridge>Atan2's
// isolated AVX2 build), rounded once to float: the correctly rounded angle,
// where the C library's atan2f (TF's) is 1 ulp off for 14% of random inputs
// (measured, glibc 2.36). It ran at 27 ns an element (0.88x TF's time).
#include <cfloat>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>

#include "atan2_double.h"
#include "avx2_dispatch.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct AngleParams {
  DType t = DType::kComplex64;
  DType tout = DType::kFloat32;

  static void Declare(ParamBinder& b, AngleParams& p) {
    b.Attr("T: {complex64, complex128} = DT_COMPLEX64", &p.t);
    b.Attr("Tout: {float, double} = DT_FLOAT", &p.tout);
  }
};

Status AngleShape(ShapeContext& ctx, const AngleParams& p) {
  OPBRIDGE_REQUIRE((p.t == DType::kComplex64 && p.tout == DType::kFloat32) ||
                       (p.t == DType::kComplex128 && p.tout == DType::kFloat64),
                   "attr Tout is ", DTypeName(p.tout), " but an input of type ", DTypeName(p.t), " gives ",
                   p.t == DType::kComplex64 ? "float" : "double");
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

#if defined(__x86_64__)
// Whether a float is subnormal: the runtime's float mode (denormals are
// zero, as TF's) would read it as zero when widened.
bool Subnormal(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits & 0x7f800000U) == 0 && (bits & 0x7fffffffU) != 0;
}

// out[i] = angle(in[i]) for complex64, by blocks through double packets.
// Elements with a subnormal part, and angles below float's normal range
// (which the float mode flushes), take the C library's path, TF's.
void AngleFloatAvx2(const std::complex<float>* in, float* out, int64_t n) {
  constexpr int64_t kBlock = 256;
  double y[kBlock], x[kBlock], z[kBlock];
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t m = n - b < kBlock ? n - b : kBlock;
    for (int64_t i = 0; i < m; ++i) {
      x[i] = in[b + i].real();
      y[i] = in[b + i].imag();
    }
    opbridge_avx2_f64_atan2(y, 1, x, 1, z, m);
    for (int64_t i = 0; i < m; ++i) {
      const std::complex<float> v = in[b + i];
      const auto angle = static_cast<float>(z[i]);
      const bool tiny = std::fabs(angle) < FLT_MIN && v.imag() != 0.0f;
      out[b + i] = tiny || Subnormal(v.real()) || Subnormal(v.imag()) ? std::arg(v) : angle;
    }
  }
}
#endif

Status AngleKernel(KernelContext& ctx, const AngleParams& p) {
#if defined(__x86_64__)
  if (p.t == DType::kComplex64 && math::UseAvx2()) {
    const auto* in = ctx.input(0).data<std::complex<float>>();
    float* out = ctx.output(0).data<float>();
    ctx.ParallelFor(ctx.input(0).num_elements(), 8,
                    [&](int64_t begin, int64_t end) { AngleFloatAvx2(in + begin, out + begin, end - begin); });
    return Status::Ok();
  }
#endif
  return Dispatch<std::complex<float>, std::complex<double>>(p.t, [&](auto tag) {
    using C = typename decltype(tag)::type;
    using Real = typename C::value_type;
    const C* in = ctx.input(0).data<C>();
    Real* out = ctx.output(0).data<Real>();
    ctx.ParallelFor(ctx.input(0).num_elements(), 20, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = std::arg(in[i]);
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Angle")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Argument of complex numbers, atan2(imag, real) (tf.math.angle); complex64 gives "
                              "float, complex128 double.")
                         .Input("input: T")
                         .Output("output: Tout")
                         .Params<AngleParams>()
                         .ShapeRule(AngleShape)
                         .Kernel(AngleKernel));

}  // namespace
}  // namespace opbridge
