// The formulas of the Eigen-packet elementwise ops that are built twice: by
// the op files (the baseline build: SSE2 packets of 4 floats or 2 doubles)
// and by packet_exprs_avx2.cc (AVX2 without FMA: TF's packets of 8 floats or
// 4 doubles; the same bits per packet element). One definition each, so the
// two builds cannot drift. UnaryElementwise (elementwise.h) takes the AVX2
// build for a formula and dtype listed below when the CPU has AVX2.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <unsupported/Eigen/SpecialFunctions>

#include "elementwise_range.h"

namespace opbridge {
namespace math {
namespace packet_exprs {

struct Exp {
  template <typename X>
  auto operator()(const X& x) const {
    return x.exp();
  }
};

struct Log {
  template <typename X>
  auto operator()(const X& x) const {
    return x.log();
  }
};

struct Tanh {
  template <typename X>
  auto operator()(const X& x) const {
    return x.tanh();
  }
};

// TF's sigmoid: Eigen's logistic functor.
struct Sigmoid {
  template <typename X>
  auto operator()(const X& x) const {
    return x.logistic();
  }
};

// TF's Elu: x < 0 ? exp(x) - 1 : x.
struct Elu {
  template <typename X>
  auto operator()(const X& x) const {
    using S = typename X::Scalar;  // half and bfloat16 round at each step, as TF's
    return (x < S(0)).select(x.exp() - S(1), x);
  }
};

// TF's Selu: x < 0 ? scale_alpha * (exp(x) - 1) : scale * x, TF's constants.
struct Selu {
  static constexpr double kScale = 1.0507009873554804934193349852946;
  static constexpr double kScaleAlpha = 1.7580993408473768599402175208123;  // scale * alpha
  template <typename X>
  auto operator()(const X& x) const {
    using S = typename X::Scalar;
    return (x < S(0)).select(S(kScaleAlpha) * (x.exp() - S(1)), S(kScale) * x);
  }
};

// TF's Softplus, term for term: with threshold = log(epsilon) + 2,
// x > -threshold gives x, x < threshold gives exp(x), and between them
// log1p(exp(x)).
struct Softplus {
  template <typename X>
  auto operator()(const X& x) const {
    using S = typename X::Scalar;  // TF's threshold is computed in S
    const S threshold = S(Eigen::numext::log(Eigen::NumTraits<S>::epsilon())) + S(2);
    const auto e = x.exp();
    return (x > -threshold).select(x, (x < threshold).select(e, e.log1p()));
  }
};

// Eigen's functors under the op's name, for the float32 ones with a packet
// path (Tan, Cosh, Digamma ... evaluate the C library per element on every
// build: measured no faster for AVX2, so not listed). Other dtypes evaluate
// the same formula on the baseline build.
struct Atan {
  template <typename X>
  auto operator()(const X& x) const {
    return x.atan();
  }
};

struct Asin {
  template <typename X>
  auto operator()(const X& x) const {
    return x.asin();
  }
};

struct Acos {
  template <typename X>
  auto operator()(const X& x) const {
    return x.acos();
  }
};

struct Erf {
  template <typename X>
  auto operator()(const X& x) const {
    return x.erf();
  }
};

// Complex64 only: Eigen's complex psqrt, 4 lanes on AVX2 as TF's (2 on the
// baseline build; the same formula per lane).
struct Sqrt {
  template <typename X>
  auto operator()(const X& x) const {
    return x.sqrt();
  }
};

}  // namespace packet_exprs
}  // namespace math
}  // namespace opbridge

// The formulas with an AVX2 build, per dtype: one list each for the entry
// points (opbridge_avx2_f64_<Name>, opbridge_avx2_f32_<Name>) and their
// lookup (kAvx2Range). Float Exp is there for the half and bfloat16 softmax
// rows (softmax_rows.h), which take exp in float as TF's half packets do.
// complex64: TF's 4-wide complex packets round some Log results 1 ulp apart
// from the baseline build's 2-wide ones; the AVX2 build gives TF's bits,
// complex Exp at 0.6x the baseline build's time and Sqrt at about 0.4x TF's.
// (complex Sigmoid has no packet path in Eigen: sigmoid.cc.)
#define OPBRIDGE_PACKET_EXPRS_F64(X) X(Exp) X(Log) X(Tanh) X(Sigmoid) X(Elu) X(Selu) X(Softplus)
#define OPBRIDGE_PACKET_EXPRS_F32(X) X(Atan) X(Asin) X(Acos) X(Erf) X(Exp) X(Softplus)
#define OPBRIDGE_PACKET_EXPRS_C64(X) X(Exp) X(Log) X(Tanh) X(Sqrt)
// complex128 Log: TF's 2-wide packets where the baseline's hold one element
// (Xlogy complex128 took 1.7x TF's time on the 1-wide log).
#define OPBRIDGE_PACKET_EXPRS_C128(X) X(Log)

#if defined(__x86_64__)
#define OPBRIDGE_DECLARE_AVX2_F64(name) void opbridge_avx2_f64_##name(const double* in, double* out, int64_t n);
#define OPBRIDGE_DECLARE_AVX2_F32(name) void opbridge_avx2_f32_##name(const float* in, float* out, int64_t n);
#define OPBRIDGE_DECLARE_AVX2_C64(name) \
  void opbridge_avx2_c64_##name(const std::complex<float>* in, std::complex<float>* out, int64_t n);
#define OPBRIDGE_DECLARE_AVX2_C128(name) \
  void opbridge_avx2_c128_##name(const std::complex<double>* in, std::complex<double>* out, int64_t n);
extern "C" {
OPBRIDGE_PACKET_EXPRS_F64(OPBRIDGE_DECLARE_AVX2_F64)
OPBRIDGE_PACKET_EXPRS_F32(OPBRIDGE_DECLARE_AVX2_F32)
OPBRIDGE_PACKET_EXPRS_C64(OPBRIDGE_DECLARE_AVX2_C64)
OPBRIDGE_PACKET_EXPRS_C128(OPBRIDGE_DECLARE_AVX2_C128)
}
#undef OPBRIDGE_DECLARE_AVX2_F64
#undef OPBRIDGE_DECLARE_AVX2_F32
#undef OPBRIDGE_DECLARE_AVX2_C64
#undef OPBRIDGE_DECLARE_AVX2_C128
#endif

namespace opbridge {
namespace math {

// The AVX2 build of formula Expr for T, or null: other formulas (the op
// files' lambdas), other dtypes, and other CPUs than x86-64.
template <typename T, typename Expr>
constexpr ElementwiseRangeFn<T> kAvx2Range = nullptr;
#if defined(__x86_64__)
#define OPBRIDGE_AVX2_F64_ENTRY(name) \
  template <>                         \
  constexpr ElementwiseRangeFn<double> kAvx2Range<double, packet_exprs::name> = opbridge_avx2_f64_##name;
#define OPBRIDGE_AVX2_F32_ENTRY(name) \
  template <>                         \
  constexpr ElementwiseRangeFn<float> kAvx2Range<float, packet_exprs::name> = opbridge_avx2_f32_##name;
#define OPBRIDGE_AVX2_C64_ENTRY(name)                                                           \
  template <>                                                                                 \
  constexpr ElementwiseRangeFn<std::complex<float>> kAvx2Range<std::complex<float>, packet_exprs::name> = \
      opbridge_avx2_c64_##name;
OPBRIDGE_PACKET_EXPRS_F64(OPBRIDGE_AVX2_F64_ENTRY)
OPBRIDGE_PACKET_EXPRS_F32(OPBRIDGE_AVX2_F32_ENTRY)
#define OPBRIDGE_AVX2_C128_ENTRY(name)                                                            \
  template <>                                                                                   \
  constexpr ElementwiseRangeFn<std::complex<double>> kAvx2Range<std::complex<double>, packet_exprs::name> = \
      opbridge_avx2_c128_##name;
OPBRIDGE_PACKET_EXPRS_C64(OPBRIDGE_AVX2_C64_ENTRY)
OPBRIDGE_PACKET_EXPRS_C128(OPBRIDGE_AVX2_C128_ENTRY)
#undef OPBRIDGE_AVX2_F64_ENTRY
#undef OPBRIDGE_AVX2_F32_ENTRY
#undef OPBRIDGE_AVX2_C64_ENTRY
#undef OPBRIDGE_AVX2_C128_ENTRY
#endif

}  // namespace math
}  // namespace opbridge
