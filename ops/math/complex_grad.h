// Complex products as TF's two evaluation paths compute them (TanhGrad,
// ReciprocalGrad on complex64/complex128; binary_grad.h explains the paths).
// Eigen's complex packets multiply by the schoolbook formula; the scalar path
// uses std::complex's operator*, which recovers infinities from NaN results
// (C99 Annex G) and so can differ where a part is infinite or NaN.
#pragma once

#include <complex>

namespace opbridge {
namespace math {

template <typename R>
std::complex<R> PacketMul(const std::complex<R>& a, const std::complex<R>& b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

}  // namespace math
}  // namespace opbridge
