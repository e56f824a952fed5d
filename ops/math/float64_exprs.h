// The float64 formulas of the Eigen-packet activations and transcendentals
// (Exp, Log, Tanh, Sigmoid, Elu, Selu, Softplus: ops/math, ops/nn), named so
// that the op files (the baseline build: 2-lane SSE2 packets) and
// float64_exprs_avx2.cc (the AVX2 build: TF's 4-lane packets, no FMA, so the
// same bits per element) evaluate one definition. elementwise.h takes the AVX2
// build for a formula listed in OPBRIDGE_FLOAT64_EXPRS when the CPU has AVX2.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>

#include "elementwise_range.h"

namespace opbridge {
namespace math {
namespace float64_exprs {

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
    return (x < 0.0).select(x.exp() - 1.0, x);
  }
};

// TF's Selu: x < 0 ? scale_alpha * (exp(x) - 1) : scale * x, TF's constants.
struct Selu {
  static constexpr double kScale = 1.0507009873554804934193349852946;
  static constexpr double kScaleAlpha = 1.7580993408473768599402175208123;  // scale * alpha
  template <typename X>
  auto operator()(const X& x) const {
    return (x < 0.0).select(kScaleAlpha * (x.exp() - 1.0), kScale * x);
  }
};

// TF's Softplus, term for term: with threshold = log(epsilon) + 2,
// x > -threshold gives x, x < threshold gives exp(x), and between them
// log1p(exp(x)).
struct Softplus {
  template <typename X>
  auto operator()(const X& x) const {
    const double threshold = std::log(std::numeric_limits<double>::epsilon()) + 2.0;
    const auto e = x.exp();
    return (x > -threshold).select(x, (x < threshold).select(e, e.log1p()));
  }
};

}  // namespace float64_exprs
}  // namespace math
}  // namespace opbridge

// Every formula above: one list for the AVX2 entry points
// (opbridge_avx2_float64_<Name>) and their lookup (elementwise.h).
#define OPBRIDGE_FLOAT64_EXPRS(X) X(Exp) X(Log) X(Tanh) X(Sigmoid) X(Elu) X(Selu) X(Softplus)

#if defined(__x86_64__)
#define OPBRIDGE_DECLARE_AVX2_FLOAT64(name) void opbridge_avx2_float64_##name(const double* in, double* out, int64_t n);
extern "C" {
OPBRIDGE_FLOAT64_EXPRS(OPBRIDGE_DECLARE_AVX2_FLOAT64)
}
#undef OPBRIDGE_DECLARE_AVX2_FLOAT64
#endif

namespace opbridge {
namespace math {

// The AVX2 build of a formula (Expr one of float64_exprs::...), or null: other
// expressions (the op files' lambdas) and other CPUs than x86-64.
template <typename Expr>
constexpr ElementwiseRangeFn<double> kAvx2Float64 = nullptr;
#if defined(__x86_64__)
#define OPBRIDGE_AVX2_FLOAT64_ENTRY(name) \
  template <>                             \
  constexpr ElementwiseRangeFn<double> kAvx2Float64<float64_exprs::name> = opbridge_avx2_float64_##name;
OPBRIDGE_FLOAT64_EXPRS(OPBRIDGE_AVX2_FLOAT64_ENTRY)
#undef OPBRIDGE_AVX2_FLOAT64_ENTRY
#endif

}  // namespace math
}  // namespace opbridge
