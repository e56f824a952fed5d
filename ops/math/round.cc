// Round: TF's round half to even (tf.math.round) in float64, half and bfloat16: the converter leaves
// CUSTOM "Round" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's functor (scalar_round_half_to_even_op) is
// rint wherever Eigen has a vectorized round for the type, as for double on
// TF's x86 wheel: rint in the default rounding mode is what it computes
// (measured: 0.49999999999999994 -> 0, 2^52 + 1 stays, where TF's fallback
// formula floor(x + 0.5) would give 1 and 2^52 + 2).
#include <cmath>

#include "avx2_dispatch.h"
#include "cwise.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge {
namespace {

#if defined(__x86_64__)
// float64 on AVX2 CPUs: vroundpd to nearest even, what rint computes in the
// default rounding mode (TF's AVX build vectorizes it likewise); the
// baseline x86-64 build has no vector round (SSE4.1), so its loop calls
// nearbyint per element (1.3x TF's time).
__attribute__((target("avx2"))) void RoundDoubleAvx2(const double* in, double* out, int64_t n) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    _mm256_storeu_pd(out + j, _mm256_round_pd(_mm256_loadu_pd(in + j), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  for (; j < n; ++j) out[j] = std::nearbyint(in[j]);
}
#endif

Status Kernel(KernelContext& ctx) {
#if defined(__x86_64__)
  const ConstTensor& x = ctx.input(0);
  if (x.dtype() == DType::kFloat64 && math::UseAvx2()) {
    const double* in = x.data<double>();
    double* out = ctx.output(0).data<double>();
    ctx.ParallelFor(x.num_elements(), 1,
                    [&](int64_t begin, int64_t end) { RoundDoubleAvx2(in + begin, out + begin, end - begin); });
    return Status::Ok();
  }
#endif
  return math::UnaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 1, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, double>) {
      return std::nearbyint(x);
    } else {  // exact: every half (bfloat16) is a float
      return T(std::nearbyint(static_cast<float>(x)));
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Round")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Round half to even (tf.math.round).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
