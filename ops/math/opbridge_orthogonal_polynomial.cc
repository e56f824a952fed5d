// Opbridge>OrthogonalPolynomial: torch.special's orthogonal polynomials of degree n at x,
// elementwise with broadcasting, as torch's CPU kernels compute them: chebyshev_polynomial_t/u/v/w,
// shifted_chebyshev_polynomial_t/u/v/w, hermite_polynomial_h/he, laguerre_polynomial_l,
// legendre_polynomial_p (the `kind` attr). litert-torch 0.10 lowers none of them; opbridge.convert
// rewrites each (tensor or scalar degree) onto this op (python/opbridge/torch/aten_special.py).
//
// Why a kernel and not the recurrence unrolled on builtins: the degree can be a tensor (then no
// unroll is possible), torch switches per element between its recurrence, trigonometric forms
// and edge values, and its loops stop early at a NaN; an unroll of degree 50 is hundreds of nodes.
//
// The algorithm is torch's (ATen/native/Math.h, *_forward): n < 0 -> 0; torch's edge values at
// |x| = 1 (shifted kinds: x = 0 and x = 1, Laguerre x = 0); for |x| < 1 and n above a threshold
// (T: 6, U/V/W: 8, shifted T/U/V: 6, shifted W: 4) the trigonometric forms in acos(x), else the
// three-term recurrence in T, Hermite NaN above degree 128 (float) / 512 (double). Where each step
// rounds decides the last bit: torch's x86 build (its AVX2/AVX512 kernels, the ones a desktop or
// server CPU runs) contracts each recurrence step a q - c p into fma(a, q, -(c p)), so it is
// written here as that fma (checked bitwise against torch 2.13 on 700k (x, n) per kind and dtype,
// degrees -5..200, NaN/inf degrees and x). The degree arrives in T and is truncated to int64 as
// torch's static_cast does; NaN, +-inf and out-of-range degrees give INT64_MIN there (x86), i.e.
// a negative degree and 0, which is what the kernel does explicitly.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "broadcast.h"

namespace opbridge {
namespace {

enum Kind { kT, kU, kV, kW, kST, kSU, kSV, kSW, kH, kHe, kL, kP };

// a + b as torch's int64 arithmetic gives it for any degree (n + 1, 2n + 1 wrap above 2^62 on its
// build), without signed overflow here
int64_t Wrapped(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// a * b - c * d, rounded as torch's build rounds it
template <typename T>
T FMA2(T a, T b, T c, T d) {
  return std::fma(a, b, -(c * d));
}

// torch casts the float degree to int64 (static_cast; on x86 NaN, +-inf and out-of-range values
// give INT64_MIN, i.e. a negative degree). hermite_h maps NaN and +-inf to -1 explicitly: also
// negative.
template <typename T>
int64_t Degree(T n) {
  if (!(n >= T(-9.2233720368547758e18)) || !(n < T(9.2233720368547758e18))) return INT64_MIN;
  return static_cast<int64_t>(n);
}

// The three-term recurrence shared by the Chebyshev kinds: r = (y + y) q - p from (p, q) = (1, q1).
template <typename T>
T ChebyshevRecurrence(T y2, T q, int64_t n) {
  T p = T(1), r = q;
  for (int64_t k = 2; k <= n && !std::isnan(q); ++k) {
    r = std::fma(y2, q, -p);
    p = q;
    q = r;
  }
  return r;
}

template <typename T>
T ChebyshevT(T x, int64_t n) {
  if (n < 0) return T(0);
  if (std::abs(x) == T(1)) return (x > T(0) || n % 2 == 0) ? T(1) : T(-1);
  if (n > 6 && std::abs(x) < T(1)) return std::cos(static_cast<T>(n) * std::acos(x));
  if (n == 0) return T(1);
  if (n == 1) return x;
  return ChebyshevRecurrence(x + x, x, n);
}

template <typename T>
T ChebyshevU(T x, int64_t n) {
  if (n < 0) return T(0);
  const T n1 = static_cast<T>(Wrapped(n, 1));
  if (std::abs(x) == T(1)) return (x > T(0) || n % 2 == 0) ? n1 : -n1;
  if (n > 8 && std::abs(x) < T(1)) {
    const T theta = std::acos(x);
    if (std::sin(theta) != T(0)) return std::sin(n1 * theta) / std::sin(theta);
    return n1 * std::cos(n1 * theta) / x;
  }
  if (n == 0) return T(1);
  if (n == 1) return x + x;
  return ChebyshevRecurrence(x + x, x + x, n);
}

// the value torch gives V at x = -1 and W at x = 1: (-1)^n (2n + 1), 2n + 1
template <typename T>
T OddCount(int64_t n, bool alternate) {
  const T v = static_cast<T>(Wrapped(Wrapped(n, n), 1));
  return (alternate && n % 2 != 0) ? -v : v;
}

template <typename T>
T ChebyshevV(T x, int64_t n) {
  if (n < 0) return T(0);
  if (std::abs(x) == T(1)) return x > T(0) ? T(1) : OddCount<T>(n, true);
  if (n > 8 && std::abs(x) < T(1)) {
    const T theta = std::acos(x);
    if (std::sin(theta / T(2)) != T(1)) return std::cos((static_cast<T>(n) + T(0.5)) * theta) / std::cos(theta / T(2));
    return OddCount<T>(n, true);
  }
  if (n == 0) return T(1);
  if (n == 1) return x + x - T(1);
  return ChebyshevRecurrence(x + x, x + x - T(1), n);
}

template <typename T>
T ChebyshevW(T x, int64_t n) {
  if (n < 0) return T(0);
  if (std::abs(x) == T(1)) return x > T(0) ? OddCount<T>(n, false) : (n % 2 == 0 ? T(1) : T(-1));
  if (n > 8 && std::abs(x) < T(1)) {
    const T theta = std::acos(x);
    if (std::cos(theta / T(2)) != T(1)) return std::sin((static_cast<T>(n) + T(0.5)) * theta) / std::sin(theta / T(2));
    if (x > T(0)) return OddCount<T>(n, false);
    return n % 2 == 0 ? T(1) : T(-1);
  }
  if (n == 0) return T(1);
  if (n == 1) return x + x + T(1);
  return ChebyshevRecurrence(x + x, x + x + T(1), n);
}

// Shifted kinds: the same in y = 2x - 1, with torch's own edge tests (x == 1, x == 0) and
// trigonometric thresholds (n > 6; W: n > 4).
template <typename T>
T ShiftedT(T x, int64_t n) {
  if (n < 0) return T(0);
  if (x == T(1)) return T(1);
  if (x == T(0)) return n % 2 == 0 ? T(1) : T(-1);
  const T y = x + x - T(1);
  if (n > 6 && std::abs(y) < T(1)) return std::cos(static_cast<T>(n) * std::acos(y));
  if (n == 0) return T(1);
  if (n == 1) return y;
  return ChebyshevRecurrence(y + y, y, n);
}

template <typename T>
T ShiftedU(T x, int64_t n) {
  if (n < 0) return T(0);
  const T n1 = static_cast<T>(Wrapped(n, 1));
  if (x == T(1)) return n1;
  if (x == T(0)) return n % 2 == 0 ? n1 : -n1;
  const T y = x + x - T(1);
  if (n > 6 && std::abs(y) < T(1)) {
    const T theta = std::acos(y);
    if (std::sin(theta) != T(0)) return std::sin(n1 * theta) / std::sin(theta);
    return n1 * std::cos(n1 * theta) / y;
  }
  if (n == 0) return T(1);
  if (n == 1) return y + y;
  return ChebyshevRecurrence(y + y, y + y, n);
}

template <typename T>
T ShiftedV(T x, int64_t n) {
  if (n < 0) return T(0);
  if (x == T(1)) return T(1);
  if (x == T(0)) return OddCount<T>(n, true);
  const T y = x + x - T(1);
  if (n > 6 && std::abs(y) < T(1)) {
    const T theta = std::acos(y);
    if (std::sin(theta / T(2)) != T(1)) return std::cos((static_cast<T>(n) + T(0.5)) * theta) / std::cos(theta / T(2));
    return OddCount<T>(n, true);
  }
  if (n == 0) return T(1);
  if (n == 1) return y + y - T(1);
  return ChebyshevRecurrence(y + y, y + y - T(1), n);
}

template <typename T>
T ShiftedW(T x, int64_t n) {
  if (n < 0) return T(0);
  if (x == T(1)) return OddCount<T>(n, false);
  if (x == T(0)) return n % 2 == 0 ? T(1) : T(-1);
  const T y = x + x - T(1);
  if (n > 4 && std::abs(y) < T(1)) {
    const T theta = std::acos(y);
    if (std::cos(theta / T(2)) != T(1)) return std::sin((static_cast<T>(n) + T(0.5)) * theta) / std::sin(theta / T(2));
    return n % 2 == 0 ? T(1) : T(-1);
  }
  if (n == 0) return T(1);
  if (n == 1) return y + y + T(1);
  return ChebyshevRecurrence(y + y, y + y + T(1), n);
}

// torch gives NaN above these degrees (its getHermitianLimit)
template <typename T>
constexpr int64_t kHermiteLimit = sizeof(T) == 4 ? 128 : 512;

template <typename T>
T HermiteH(T x, int64_t n) {
  if (n < 0) return T(0);
  if (n == 0) return T(1);
  if (n == 1) return x + x;
  if (n > kHermiteLimit<T>) return std::numeric_limits<T>::quiet_NaN();
  T p = T(1), q = x + x, r = T(0);
  for (int64_t k = 2; k < n + n; k += 2) {
    r = FMA2((x + x), q, static_cast<T>(k), p);
    p = q;
    q = r;
  }
  return r;
}

template <typename T>
T HermiteHe(T x, int64_t n) {
  if (n < 0) return T(0);
  if (n == 0) return T(1);
  if (n == 1) return x;
  if (n > kHermiteLimit<T>) return std::numeric_limits<T>::quiet_NaN();
  T p = T(1), q = x, r = x;
  for (int64_t k = 1; k < n; ++k) {
    r = FMA2(x, q, static_cast<T>(k), p);
    p = q;
    q = r;
  }
  return r;
}

template <typename T>
T LaguerreL(T x, int64_t n) {
  if (n < 0) return T(0);
  if (x == T(0)) return T(1);
  if (n == 0) return T(1);
  if (n == 1) return T(1) - x;
  T p = T(1), q = T(1) - x, r = q;
  for (int64_t k = 1; k < n && !std::isnan(q); ++k) {
    r = FMA2((static_cast<T>(k + k) + (T(1) - x)), q, static_cast<T>(k), p) / static_cast<T>(k + 1);
    p = q;
    q = r;
  }
  return r;
}

template <typename T>
T LegendreP(T x, int64_t n) {
  if (n < 0) return T(0);
  if (std::abs(x) == T(1)) return (x > T(0) || n % 2 == 0) ? T(1) : T(-1);
  if (n == 0) return T(1);
  if (n == 1) return x;
  T p = T(1), q = x, r = x;
  for (int64_t k = 1; k < n && !std::isnan(q); ++k) {
    r = FMA2((static_cast<T>(k + k + 1) * x), q, static_cast<T>(k), p) / static_cast<T>(k + 1);
    p = q;
    q = r;
  }
  return r;
}

template <typename T>
T Evaluate(Kind kind, T x, T degree) {
  const int64_t n = Degree(degree);
  switch (kind) {
    case kT:
      return ChebyshevT(x, n);
    case kU:
      return ChebyshevU(x, n);
    case kV:
      return ChebyshevV(x, n);
    case kW:
      return ChebyshevW(x, n);
    case kST:
      return ShiftedT(x, n);
    case kSU:
      return ShiftedU(x, n);
    case kSV:
      return ShiftedV(x, n);
    case kSW:
      return ShiftedW(x, n);
    case kH:
      return HermiteH(x, n);
    case kHe:
      return HermiteHe(x, n);
    case kL:
      return LaguerreL(x, n);
    case kP:
      break;
  }
  return LegendreP(x, n);
}

struct OrthogonalPolynomialParams {
  std::string kind;

  static void Declare(ParamBinder& b, OrthogonalPolynomialParams& p) { b.Attr("kind: string", &p.kind); }
};

// torch.special's function names, in Kind's order
constexpr const char* kKindNames[] = {"chebyshev_polynomial_t",
                                      "chebyshev_polynomial_u",
                                      "chebyshev_polynomial_v",
                                      "chebyshev_polynomial_w",
                                      "shifted_chebyshev_polynomial_t",
                                      "shifted_chebyshev_polynomial_u",
                                      "shifted_chebyshev_polynomial_v",
                                      "shifted_chebyshev_polynomial_w",
                                      "hermite_polynomial_h",
                                      "hermite_polynomial_he",
                                      "laguerre_polynomial_l",
                                      "legendre_polynomial_p"};

Status OrthogonalPolynomialKernel(KernelContext& ctx, const OrthogonalPolynomialParams& p) {
  int found = -1;
  for (int i = 0; i < static_cast<int>(sizeof(kKindNames) / sizeof(kKindNames[0])); ++i) {
    if (p.kind == kKindNames[i]) found = i;
  }
  OPBRIDGE_REQUIRE(found >= 0, "unknown kind '", p.kind,
                   "' (chebyshev_polynomial_t/u/v/w, shifted_chebyshev_polynomial_t/u/v/w, hermite_polynomial_h/he, "
                   "laguerre_polynomial_l, legendre_polynomial_p)");
  const Kind kind = static_cast<Kind>(found);
  // the loops run up to n steps (torch's too): a cost for a moderate degree
  return math::BinaryBroadcast<float, double>(ctx, 100, [kind](auto x, auto n) { return Evaluate(kind, x, n); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>OrthogonalPolynomial")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch.special's orthogonal polynomials (Chebyshev T/U/V/W and shifted, Hermite H/He, "
                              "Laguerre, Legendre) of degree n at x, elementwise with broadcasting, as torch "
                              "computes them.")
                         .Input("x: T")
                         .Input("n: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .Params<OrthogonalPolynomialParams>()
                         .ShapeRule(math::BroadcastBinaryShape)
                         // torch keeps subnormal values
                         .KeepDenormals()
                         .Kernel(OrthogonalPolynomialKernel));

}  // namespace
}  // namespace opbridge
