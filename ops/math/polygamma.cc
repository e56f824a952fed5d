// Polygamma: TF's polygamma function psi^(a)(x), the a-th derivative of
// digamma, elementwise with broadcasting (tf.math.polygamma). TFLite has no
// kernel: the converter emits CUSTOM "Polygamma" with options {T}.
//
// Eigen's polygamma, as TF's kernel (one element at a time: Eigen has no
// polygamma packets): digamma for a == 0, else (-1)^(a+1) a! zeta(a + 1, x);
// NaN for a that is not a non-negative integer. Bit-identical to TF.
// Broadcasting follows TF's binary cwise ops (broadcast.h).
#include <type_traits>

#include "broadcast.h"

namespace opbridge {
namespace {

// Eigen forms the factor (-1)^(a+1) a! afresh for every element, as
// pow(-1, a + 1) * exp(lgamma(a + 1)): three libm calls, lgamma the dearest
// (double lgamma_r costs about as much as the whole zeta sum at small a).
// It depends on a alone, so it is tabulated here once, by the same Eigen
// calls in the same order: the same bits (pow(-1, a + 1) is exactly +-1, and
// Eigen multiplies it into a! before multiplying by zeta, as below). The
// values are normal numbers or inf, so the thread's float mode (flush to
// zero) does not change them. Beyond the table (a! is +inf from 35 in float,
// 171 in double) Eigen's own path takes over.
template <typename T>
struct SignedFactorials {
  static constexpr int kSize = std::is_same_v<T, float> ? 36 : 172;
  T value[kSize] = {};  // value[a] = (-1)^(a+1) a!, for 1 <= a < kSize

  SignedFactorials() {
    for (int a = 1; a < kSize; ++a) {
      const T nplus = T(a) + T(1);
      value[a] = Eigen::numext::pow(-T(1), nplus) * Eigen::numext::exp(Eigen::numext::lgamma(nplus));
    }
  }
};

template <typename T>
T Polygamma(T a, T x) {
  static const SignedFactorials<T> table;
  // a >= 1 is false for NaN; floor(a) == a keeps non-integers on Eigen's path (NaN).
  if (a >= T(1) && a < T(SignedFactorials<T>::kSize) && Eigen::numext::floor(a) == a) {
    return table.value[static_cast<int>(a)] * Eigen::numext::zeta(a + T(1), x);
  }
  return Eigen::numext::polygamma(a, x);
}

Status PolygammaKernel(KernelContext& ctx) {
  return math::BinaryBroadcast<float, double>(ctx, 400, [](auto a, auto x) { return Polygamma(a, x); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Polygamma")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Polygamma function psi^(a)(x), elementwise with broadcasting "
                              "(tf.math.polygamma).")
                         .Input("a: T")
                         .Input("x: T")
                         .Output("z: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(PolygammaKernel));

}  // namespace
}  // namespace opbridge
