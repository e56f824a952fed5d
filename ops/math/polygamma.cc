// Polygamma: TF's polygamma function psi^(a)(x), the a-th derivative of
// digamma, elementwise with broadcasting (tf.math.polygamma). TFLite has no
// kernel: the converter emits CUSTOM "Polygamma" with options {T}.
//
// Eigen's polygamma, as TF's kernel (one element at a time: Eigen has no
// polygamma packets): digamma for a == 0, else (-1)^(a+1) a! zeta(a + 1, x);
// NaN for a that is not a non-negative integer. Bit-identical to TF.
// Broadcasting follows TF's binary cwise ops (broadcast.h). On CPUs with AVX2
// float32 runs 8 lanes at a time, float64 4: zeta's lanes (zeta_lanes_avx2.h)
// for a >= 1, digamma's (digamma_lanes_avx2.h) for a == 0, Eigen's scalar
// function for the rest; TF's bits in every lane.
#include <type_traits>

#include "broadcast.h"
#include "digamma_lanes_avx2.h"
#include "zeta_lanes_avx2.h"

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
const SignedFactorials<T>& Factorials() {
  static const SignedFactorials<T> table;
  return table;
}

template <typename T>
T Polygamma(T a, T x) {
  const SignedFactorials<T>& table = Factorials<T>();
  // a >= 1 is false for NaN; floor(a) == a keeps non-integers on Eigen's path (NaN).
  if (a >= T(1) && a < T(SignedFactorials<T>::kSize) && Eigen::numext::floor(a) == a) {
    return table.value[static_cast<int>(a)] * Eigen::numext::zeta(a + T(1), x);
  }
  return Eigen::numext::polygamma(a, x);
}

#if defined(__x86_64__)
// Polygamma of the lanes: the table's factor times zeta(a + 1, x) where the
// scalar function takes the table (a whole, 1 <= a < kSize), digamma where
// a == 0, the scalar function elsewhere (NaN orders, a! beyond T).
template <typename L>
__attribute__((target("avx2"), always_inline)) inline typename L::V PolygammaLanes(
    typename L::V a, typename L::V x, const SignedFactorials<typename L::T>& table) {
  using T = typename L::T;
  using V = typename L::V;
  const V one = L::Set(T(1));
  const V size = L::Set(static_cast<T>(SignedFactorials<T>::kSize));
  const V tabled = L::And(L::And(L::Ge(a, one), L::Lt(a, size)), L::Eq(L::Floor(a), a));
  const V digamma = L::Eq(a, L::Zero());
  V result = L::Zero();
  const int tabled_lanes = L::Mask(tabled);
  if (tabled_lanes != 0) {
    const V zeta = math::zeta_lanes_avx2::Zeta<L>(L::Add(a, one), x, tabled);
    alignas(32) T orders[L::kLanes], factors[L::kLanes];
    L::Store(orders, a);
    for (int l = 0; l < L::kLanes; ++l) {
      factors[l] = tabled_lanes & (1 << l) ? table.value[static_cast<int>(orders[l])] : T(0);
    }
    result = L::Select(tabled, L::Mul(L::Load(factors), zeta), result);
  }
  if (L::Mask(digamma) != 0) result = L::Select(digamma, math::digamma_lanes_avx2::Digamma<L>(x), result);
  const V computed = L::Or(tabled, digamma);
  if (L::Mask(computed) == L::kAllMask) return result;
  return math::CallPerLaneOver<L>(result, a, x, L::AndNot(computed, L::All()),
                                  [](T al, T xl) { return Eigen::numext::polygamma(al, xl); });
}

template <typename T>
__attribute__((target("avx2"))) void PolygammaAvx2(const T* a, int64_t step_a, const T* x, int64_t step_x, T* out,
                                                   int64_t n) {
  using L = std::conditional_t<std::is_same_v<T, float>, math::Avx2Float, math::Avx2Double>;
  const SignedFactorials<T>& table = Factorials<T>();
  math::RunBinaryLanes<L>(a, step_a, x, step_x, out, n, T(1), T(1),
                          [&table](typename L::V av, typename L::V xv)
                              __attribute__((target("avx2"))) { return PolygammaLanes<L>(av, xv, table); });
}
#endif

Status PolygammaKernel(KernelContext& ctx) {
  const auto scalar = [](auto a, auto x) { return Polygamma(a, x); };
#if defined(__x86_64__)
  const auto lanes = [](const auto* a, int64_t step_a, const auto* x, int64_t step_x, auto* out, int64_t n) {
    PolygammaAvx2(a, step_a, x, step_x, out, n);
  };
  return math::BinaryBroadcastWithLanes<float, double>(ctx, 400, scalar, lanes);
#else
  return math::BinaryBroadcast<float, double>(ctx, 400, scalar);
#endif
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
