// Opbridge>AiryAi: the Airy function Ai(x), elementwise, as torch.special.airy_ai computes it.
// litert-torch 0.10 has no lowering for aten.special_airy_ai; TF has no Airy function.
// opbridge.convert rewrites it onto this op (python/opbridge/torch/aten_special.py).
//
// The algorithm is torch's CPU one (airy_ai_forward, ATen/native/Math.h), itself Cephes' airy.c
// (Stephen L. Moshier) for Ai alone; the rational-fit coefficients below are Cephes' data:
//   +-inf -> NaN; x > 103.892 -> 0 (underflow);
//   x < -2.09: the oscillating asymptotic form with zeta = 2/3 (-x)^(3/2),
//     Ai = pi^-1/2 (-x)^-1/4 (sin(zeta + pi/4) f - cos(zeta + pi/4) g), f and g rational in 1/zeta;
//   x >= 2.09: the decaying asymptotic form pi^-1/2 R(1/zeta) / (2 x^1/4 exp(zeta)), returned
//     above 8.3203353 (below it torch still runs the series, then returns this value);
//   otherwise the Maclaurin series c1 f(x) - c2 g(x), summed until a term of f is below T's
//     epsilon relative to f (NaN stops it at once).
// Everything is in T (float or double: torch's float kernel is float, its tables rounded to
// float). Where each step rounds decides the last bit: torch's x86 build (the AVX2/AVX512 kernels
// a desktop or server CPU runs) is compiled with contraction, which fuses each Horner step and the
// two final a*b - c*d combinations; the kernel writes those fused multiply-adds explicitly and
// matches torch 2.13 bitwise (checked on 600k points per dtype: [-3, 3], [-200, 120], +-10^[-30, 30],
// normal(0, 10), the branch boundaries, +-0, +-inf, NaN). A torch without FMA (DEFAULT capability)
// rounds those steps unfused, within a few ulp of these values.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "elementwise.h"

namespace opbridge {
namespace {

// Cephes' rational fits (airy.c), as torch's airy_ai_forward uses them
constexpr double kAN[] = {+3.46538101525629032477e-01, +1.20075952739645805542e+01, +7.62796053615234516538e+01,
                          +1.68089224934630576269e+02, +1.59756391350164413639e+02, +7.05360906840444183113e+01,
                          +1.40264691163389668864e+01, +9.99999999999999995305e-01};
constexpr double kAD[] = {+5.67594532638770212846e-01, +1.47562562584847203173e+01, +8.45138970141474626562e+01,
                          +1.77318088145400459522e+02, +1.64234692871529701831e+02, +7.14778400825575695274e+01,
                          +1.40959135607834029598e+01, +1.00000000000000000470e+00};
constexpr double kAFN[] = {-1.31696323418331795333e-01, -6.26456544431912369773e-01, -6.93158036036933542233e-01,
                           -2.79779981545119124951e-01, -4.91900132609500318020e-02, -4.06265923594885404393e-03,
                           -1.59276496239262096340e-04, -2.77649108155232920844e-06, -1.67787698489114633780e-08};
constexpr double kAFD[] = {+1.33560420706553243746e+01, +3.26825032795224613948e+01, +2.67367040941499554804e+01,
                           +9.18707402907259625840e+00, +1.47529146771666414581e+00, +1.15687173795188044134e-01,
                           +4.40291641615211203805e-03, +7.54720348287414296618e-05, +4.51850092970580378464e-07};
constexpr double kAGN[] = {+1.97339932091685679179e-02, +3.91103029615688277255e-01, +1.06579897599595591108e+00,
                           +9.39169229816650230044e-01, +3.51465656105547619242e-01, +6.33888919628925490927e-02,
                           +5.85804113048388458567e-03, +2.82851600836737019778e-04, +6.98793669997260967291e-06,
                           +8.11789239554389293311e-08, +3.41551784765923618484e-10};
constexpr double kAGD[] = {+9.30892908077441974853e+00, +1.98352928718312140417e+01, +1.55646628932864612953e+01,
                           +5.47686069422975497931e+00, +9.54293611618961883998e-01, +8.64580826352392193095e-02,
                           +4.12656523824222607191e-03, +1.01259085116509135510e-04, +1.17166733214413521882e-06,
                           +4.91834570062930015649e-09};

// a * b + c and a * b - c * d, rounded as torch's build rounds them (contracted into fused
// multiply-adds: below)
template <typename T>
T MulAdd(T a, T b, T c) {
  return std::fma(a, b, c);
}

template <typename T>
T FusedDiff(T a, T b, T c, T d) {
  return std::fma(a, b, -(c * d));
}

// Horner in T with the coefficients rounded to T (torch declares its tables in T)
template <typename T, size_t N>
T Horner(const double (&c)[N], T z) {
  T acc = T(0);
  for (size_t i = 0; i < N; ++i) acc = MulAdd(acc, z, static_cast<T>(c[i]));
  return acc;
}

template <typename T>
T AiryAi(T x) {
  if (std::isinf(x)) return std::numeric_limits<T>::quiet_NaN();
  if (x > T(103.892)) return T(0);
  const T rsqrt_pi = T(5.64189583547756286948e-01);
  if (x < T(-2.09)) {
    const T zeta = T(-2) * x * std::sqrt(-x) / T(3);
    const T z = T(1) / zeta;
    const T zz = z * z;
    const T f = T(1) + zz * Horner(kAFN, zz) / Horner(kAFD, zz);
    const T g = z * Horner(kAGN, zz) / Horner(kAGD, zz);
    const T t = zeta + T(0.25) * static_cast<T>(3.14159265358979323846);
    return rsqrt_pi / std::sqrt(std::sqrt(-x)) * FusedDiff(std::sin(t), f, std::cos(t), g);
  }
  T asymptotic = T(0);
  const bool large = x >= T(2.09);
  if (large) {
    const T zeta = T(2) * x * std::sqrt(x) / T(3);
    const T r = T(1) / zeta;
    asymptotic = rsqrt_pi * (Horner(kAN, r) / Horner(kAD, r)) / (T(2) * std::sqrt(std::sqrt(x)) * std::exp(zeta));
    if (x > T(8.3203353)) return asymptotic;
  }
  // Maclaurin series Ai(x) = c1 f(x) - c2 g(x), f = sum 3^k (1/3)_k x^(3k) / (3k)!, ...
  const T cube = x * x * x;
  T f = T(1), g = x, k = T(1), m = T(1), n = x, term = T(1);
  while (term > std::numeric_limits<T>::epsilon()) {
    m *= cube;
    k += T(1);
    m /= k;
    n *= cube;
    k += T(1);
    n /= k;
    m /= k;
    f += m;
    k += T(1);
    n /= k;
    g += n;
    term = std::abs(m / f);
  }
  if (large) return asymptotic;
  return FusedDiff(T(0.355028053887817239260), f, T(0.258819403792806798405), g);
}
Status AiryAiKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  return math::DispatchElement<float, double>(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    // the series takes up to ~30 terms for |x| < 8.3
    ctx.ParallelFor(x.num_elements(), 60, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = AiryAi(in[i]);
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>AiryAi")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("Airy function Ai(x), elementwise, as torch.special.airy_ai computes it (Cephes' "
                              "series and asymptotic forms).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         // torch keeps subnormal results (float x in about [25.4, 25.8])
                         .KeepDenormals()
                         .Kernel(AiryAiKernel));

}  // namespace
}  // namespace opbridge
