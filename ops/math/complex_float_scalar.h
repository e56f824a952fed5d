// complex64 arithmetic as TF's x86-64 wheel computes it where Eigen has no
// packet path and falls back to std::complex<float> (Sigmoid's e / (e + 1)).
// That wheel is built by clang, whose complex float division is Smith's
// algorithm in float; GCC's (libgcc's __divsc3) works in double and rounds
// some quotients 1 ulp apart (math::SmithDivide, complex_scalar_ops.h, gives
// clang's). Its exp is glibc's cexpf, as GCC's.
#pragma once

#include <cfloat>
#include <cmath>
#include <complex>

namespace opbridge {
namespace math {

// glibc's cexpf, with its common case inline: for a finite imaginary part
// and a real part from -FLT_MAX to 88 (above 88 cexpf rescales against
// overflow), it is exp(re) * (cos(im), sin(im)), or exp(re) * (1, im) where
// |im| <= FLT_MIN. The same calls give the same bits at a quarter of the
// time (cexpf took 41 ns per call on the bench host); every other input
// goes to cexpf itself.
inline std::complex<float> ExpGlibc(std::complex<float> x) {
  const float re = x.real(), im = x.imag();
  if (!(re >= -FLT_MAX && re <= 88.0f) || !std::isfinite(im)) return std::exp(x);
  float s = im, c = 1.0f;
  if (std::fabs(im) > FLT_MIN) {
    s = std::sin(im);
    c = std::cos(im);
  }
  const float m = std::exp(re);
  return {m * c, m * s};
}

}  // namespace math
}  // namespace opbridge
