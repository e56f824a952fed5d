// torch's CPU complex math (c10/util/complex_math.h, c10::complex's operators and the
// Vectorized<c10::complex<T>> kernels of ATen/cpu/vec), element by element, for
// Opbridge>TorchComplexUnary and Opbridge>TorchComplexBinary.
//
// Most of torch's complex functions call the C++ library (std::exp, std::log, std::sin ... of
// std::complex, which libstdc++ forwards to the C library's cexp, clog, csin ...): called here the
// same way they give torch's bits, the C library being the one the process loads. What torch
// writes itself is rounded as its x86 build rounds it: its AVX2/AVX512 kernel files are compiled
// with FMA, and GCC contracts c10::complex's division and product, log1p and expm1 into fused
// multiply-adds; here those are explicit std::fma calls (opbridge's baseline build contracts
// nothing). The SIMD product (Vectorized's operator*) rounds each product, no FMA.
//
// torch's elementwise loops (cpu_kernel_vec) run the SIMD form on blocks of 2 vectors along the
// innermost (coalesced) dim and the scalar form on the rest of each row; for the few functions
// whose two forms differ (the product, sgn) the kernels take a `block` (elements
// per SIMD step: 16 complex64 / 8 complex128 on AVX512, 8 / 4 on AVX2; 0 = every element SIMD)
// and use the scalar form where torch does.
// Checked bitwise against torch 2.13 (AVX512) over 330k random and special values per function and
// dtype (tests_torch/test_complex_torch.py keeps a sample of them end to end).
#pragma once

#include <cmath>
#include <complex>

namespace opbridge {
namespace math {
namespace torch_complex {

template <typename R>
using C = std::complex<R>;

// c10::complex's operator/ (numpy's algorithm: Smith's with the ratio of the smaller part), as
// torch's FMA build rounds it.
template <typename R>
inline C<R> Div(C<R> x, C<R> y) {
  const R a = x.real(), b = x.imag(), c = y.real(), d = y.imag();
  const R abs_c = std::abs(c), abs_d = std::abs(d);
  if (abs_c >= abs_d) {
    if (abs_c == R(0) && abs_d == R(0)) return {a / abs_c, b / abs_d};  // inf or NaN, as torch
    const R rat = d / c;
    const R scl = R(1) / std::fma(d, rat, c);
    return {std::fma(b, rat, a) * scl, std::fma(-a, rat, b) * scl};
  }
  const R rat = c / d;
  const R scl = R(1) / std::fma(c, rat, d);
  return {std::fma(a, rat, b) * scl, std::fma(b, rat, -a) * scl};
}

// c10::complex's operator* in torch's FMA build (the scalar form).
template <typename R>
inline C<R> ScalarMul(C<R> x, C<R> y) {
  const R a = x.real(), b = x.imag(), c = y.real(), d = y.imag();
  return {std::fma(a, c, -(b * d)), std::fma(a, d, b * c)};
}

// Vectorized<c10::complex<T>>'s product: each product rounded, then one add/sub.
template <typename R>
inline C<R> VectorMul(C<R> x, C<R> y) {
  const R a = x.real(), b = x.imag(), c = y.real(), d = y.imag();
  return {a * c - b * d, a * d + b * c};
}

// c10's CPU log1p (numpy's): log(u) * (z / (u - 1)) with u = 1 + z, exact cases first.
template <typename R>
inline C<R> Log1p(C<R> z) {
  const C<R> u(z.real() + R(1), z.imag());
  if (u.real() == R(1) && u.imag() == R(0)) return z;
  const C<R> log_u = std::log(u);
  const C<R> u_minus_1(u.real() - R(1), u.imag());
  if (u_minus_1 == z) return log_u;
  return ScalarMul(log_u, Div(z, u_minus_1));
}

// c10's expm1: expm1(x) cos(y) - 2 sin(y/2)^2 + i e^x sin(y).
template <typename R>
inline C<R> Expm1(C<R> z) {
  const R x = z.real(), y = z.imag();
  const R a = std::sin(y / R(2));
  const R er = std::fma(std::expm1(x), std::cos(y), -(R(2) * a * a));
  const R ei = std::exp(x) * std::sin(y);
  return {er, ei};
}

// log divided by a real constant part by part (the vectorized log2/log10: log(k) in double,
// rounded to R).
template <typename R>
inline C<R> LogOver(C<R> z, double log_k) {
  const C<R> l = std::log(z);
  const R k = static_cast<R>(log_k);
  return {l.real() / k, l.imag() / k};
}

enum class Fn {
  kExp, kLog, kLog10, kLog2, kLog1p, kExpm1, kSqrt, kRsqrt, kReciprocal, kSin, kCos, kTan, kAsin, kAcos,
  kAtan, kSinh, kCosh, kTanh, kAsinh, kAcosh, kAtanh, kSigmoid, kSquare, kCube, kInverseSquare, kSgn, kExp2, kCount
};

// torch's names, in Fn's order
constexpr const char* kFnNames[] = {"exp",  "log",  "log10", "log2",  "log1p", "expm1",      "sqrt",
                                    "rsqrt", "reciprocal", "sin", "cos", "tan", "asin", "acos",
                                    "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
                                    "sigmoid", "square", "cube", "inverse_square", "sgn", "exp2"};

// fn(z); `simd`: the form torch's vectorized loop computes (else its scalar tail's).
template <typename R>
inline C<R> Apply(Fn fn, C<R> z, bool simd = true) {
  switch (fn) {
    case Fn::kExp:
      return std::exp(z);
    case Fn::kLog:
      return std::log(z);
    case Fn::kLog10:
      return LogOver(z, std::log(10.0));
    case Fn::kLog2:
      return LogOver(z, std::log(2.0));
    case Fn::kLog1p:
      return Log1p(z);
    case Fn::kExpm1:
      return Expm1(z);
    case Fn::kSqrt:
      return std::sqrt(z);
    case Fn::kRsqrt:  // sqrt().reciprocal()
      return Div(C<R>(R(1)), std::sqrt(z));
    case Fn::kReciprocal:
      return Div(C<R>(R(1)), z);
    case Fn::kSin:
      return std::sin(z);
    case Fn::kCos:
      return std::cos(z);
    case Fn::kTan:
      return std::tan(z);
    case Fn::kAsin:
      return std::asin(z);
    case Fn::kAcos: {
      if constexpr (sizeof(R) == sizeof(float)) {
        return std::acos(z);
      } else {  // Vectorized<c10::complex<double>>: pi/2 - asin(z), part by part
        const C<R> s = std::asin(z);
        return {R(M_PI / 2) - s.real(), R(0) - s.imag()};
      }
    }
    case Fn::kAtan:
      return std::atan(z);
    case Fn::kSinh:
      return std::sinh(z);
    case Fn::kCosh:
      return std::cosh(z);
    case Fn::kTanh:
      return std::tanh(z);
    case Fn::kAsinh:
      return std::asinh(z);
    case Fn::kAcosh:
      return std::acosh(z);
    case Fn::kAtanh:
      return std::atanh(z);
    case Fn::kSigmoid: {  // 1 / (1 + exp(0 - z)), the vectorized kernel's steps
      const C<R> e = std::exp(C<R>(R(0) - z.real(), R(0) - z.imag()));
      return Div(C<R>(R(1)), C<R>(e.real() + R(1), e.imag()));
    }
    case Fn::kSquare:  // pow(z, 2): z * z
      return simd ? VectorMul(z, z) : ScalarMul(z, z);
    case Fn::kCube:  // pow(z, 3): z * z * z
      return simd ? VectorMul(VectorMul(z, z), z) : ScalarMul(ScalarMul(z, z), z);
    case Fn::kInverseSquare:  // pow(z, -2): (z * z).reciprocal()
      return Div(C<R>(R(1)), simd ? VectorMul(z, z) : ScalarMul(z, z));
    case Fn::kSgn: {  // z / |z|, 0 at 0 (torch's SIMD |z| is Sleef's hypot: see the op)
      const R h = std::hypot(z.real(), z.imag());
      if (h == R(0)) return C<R>(R(0));
      if (simd) return {z.real() / h, z.imag() / h};
      const R inverse = R(1) / h;  // the scalar form multiplies by the reciprocal (measured)
      return {z.real() * inverse, z.imag() * inverse};
    }
    case Fn::kExp2: {  // exp(ln 2 * z): both parts times ln 2 rounded to R, as torch's exp2
      const R ln2 = static_cast<R>(M_LN2);
      return std::exp(C<R>(z.real() * ln2, z.imag() * ln2));
    }
    case Fn::kCount:
      break;
  }
  return z;
}

}  // namespace torch_complex
}  // namespace math
}  // namespace opbridge
