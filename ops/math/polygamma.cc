// Polygamma: TF's polygamma function psi^(a)(x), the a-th derivative of
// digamma, elementwise with broadcasting (tf.math.polygamma). TFLite has no
// kernel: the converter emits CUSTOM "Polygamma" with options {T}.
//
// Eigen's polygamma, as TF's kernel (one element at a time: Eigen has no
// polygamma packets): digamma for a == 0, else (-1)^(a+1) a! zeta(a + 1, x);
// NaN for a that is not a non-negative integer. Bit-identical to TF.
// Broadcasting follows TF's binary cwise ops (broadcast.h). float32 on CPUs
// with AVX2 runs 8 lanes at a time: zeta's lanes (zeta_float_avx2.h) for
// a >= 1, digamma's (digamma_float_avx2.h) for a == 0, Eigen's scalar
// function for the rest; TF's bits in every lane.
#include <type_traits>

#include "binary_float_lanes_avx2.h"
#include "broadcast.h"
#include "digamma_float_avx2.h"
#include "zeta_float_avx2.h"

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
// Polygamma of 8 float lanes: the table's factor times zeta(a + 1, x) where
// the scalar function takes the table (a whole, 1 <= a < kSize), digamma where
// a == 0, the scalar function elsewhere (NaN orders, a! beyond float).
__attribute__((target("avx2"), always_inline)) inline __m256 PolygammaLanes(__m256 a, __m256 x,
                                                                            const SignedFactorials<float>& table) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 size = _mm256_set1_ps(static_cast<float>(SignedFactorials<float>::kSize));
  const __m256 tabled =
      _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(a, one, _CMP_GE_OQ), _mm256_cmp_ps(a, size, _CMP_LT_OQ)),
                    _mm256_cmp_ps(_mm256_floor_ps(a), a, _CMP_EQ_OQ));
  const __m256 digamma = _mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_EQ_OQ);
  __m256 result = _mm256_setzero_ps();
  alignas(32) float orders[8], values[8];
  _mm256_store_ps(orders, a);
  const int tabled_lanes = _mm256_movemask_ps(tabled);
  if (tabled_lanes != 0) {
    const __m256 zeta = math::zeta_float_avx2::Zeta(_mm256_add_ps(a, one), x, tabled);
    for (int l = 0; l < 8; ++l) values[l] = tabled_lanes & (1 << l) ? table.value[static_cast<int>(orders[l])] : 0.0f;
    result = _mm256_blendv_ps(result, _mm256_mul_ps(_mm256_load_ps(values), zeta), tabled);
  }
  if (_mm256_movemask_ps(digamma) != 0) {
    result = _mm256_blendv_ps(result, math::digamma_float_avx2::Digamma(x), digamma);
  }
  const __m256 computed = _mm256_or_ps(tabled, digamma);
  if (_mm256_movemask_ps(computed) == 0xff) return result;
  const __m256 rest = _mm256_andnot_ps(computed, _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
  return math::PerLaneCallOver(result, a, x, rest, [](float al, float xl) { return Eigen::numext::polygamma(al, xl); });
}

__attribute__((target("avx2"))) void PolygammaFloatAvx2(const float* a, int64_t step_a, const float* x,
                                                         int64_t step_x, float* out, int64_t n) {
  const SignedFactorials<float>& table = Factorials<float>();
  math::binary_float_lanes_avx2::Run(a, step_a, x, step_x, out, n, 1.0f, 1.0f,
                                     [&table](__m256 av, __m256 xv) __attribute__((target("avx2"))) {
                                       return PolygammaLanes(av, xv, table);
                                     });
}
#endif

Status PolygammaKernel(KernelContext& ctx) {
  const auto scalar = [](auto a, auto x) { return Polygamma(a, x); };
#if defined(__x86_64__)
  return math::BinaryBroadcastWithFloatLanes<float, double>(ctx, 400, scalar, PolygammaFloatAvx2);
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
