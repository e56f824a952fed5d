// Moves between four float rows and the lane-minor double arrays the real
// FFT plans work in (fft.h, RealForwardPlan), as 4x4 transposes in vector
// registers. GCC kept the element loops scalar: a load, a conversion and a
// store per value, four rows apart. Those loops were a third of an RFFT's
// time at n = 400, but as transposes they measured only about 5% faster in
// all: the rows' memory traffic, not the instructions, bounds them.
// Inlined into the plans' AVX2 copies, where the vectors are one register.
#pragma once

#include <complex>
#include <cstdint>

namespace opbridge::fft::lanes {

typedef float F4 __attribute__((vector_size(16)));
typedef float F4u __attribute__((vector_size(16), aligned(4), may_alias));
typedef float F8 __attribute__((vector_size(32)));
typedef float F8u __attribute__((vector_size(32), aligned(4), may_alias));
typedef double D4 __attribute__((vector_size(32)));
typedef double D4u __attribute__((vector_size(32), aligned(8), may_alias));

#define OPBRIDGE_LANES_INLINE __attribute__((always_inline)) inline

// Rows a, b, c, d (4 values each) to their columns: out[j] = {a[j], b[j], c[j], d[j]}.
OPBRIDGE_LANES_INLINE void Transpose4(F4 a, F4 b, F4 c, F4 d, F4 out[4]) {
  const F4 ab_lo = __builtin_shufflevector(a, b, 0, 4, 1, 5), cd_lo = __builtin_shufflevector(c, d, 0, 4, 1, 5);
  const F4 ab_hi = __builtin_shufflevector(a, b, 2, 6, 3, 7), cd_hi = __builtin_shufflevector(c, d, 2, 6, 3, 7);
  out[0] = __builtin_shufflevector(ab_lo, cd_lo, 0, 1, 4, 5);
  out[1] = __builtin_shufflevector(ab_lo, cd_lo, 2, 3, 6, 7);
  out[2] = __builtin_shufflevector(ab_hi, cd_hi, 0, 1, 4, 5);
  out[3] = __builtin_shufflevector(ab_hi, cd_hi, 2, 3, 6, 7);
}

// Samples 2t .. 2t+7 of four rows to the even/odd split of an even-length
// real FFT: zr[(t+j)*4 + l] = row_l[2(t+j)], zi[...] = row_l[2(t+j)+1], j < 4.
OPBRIDGE_LANES_INLINE void GatherEvenOdd(const float* const rows[4], int64_t t, double* zr, double* zi) {
  F4 even[4], odd[4];
  for (int l = 0; l < 4; ++l) {
    const F8 v = *reinterpret_cast<const F8u*>(rows[l] + 2 * t);
    even[l] = __builtin_shufflevector(v, v, 0, 2, 4, 6);
    odd[l] = __builtin_shufflevector(v, v, 1, 3, 5, 7);
  }
  F4 e[4], o[4];
  Transpose4(even[0], even[1], even[2], even[3], e);
  Transpose4(odd[0], odd[1], odd[2], odd[3], o);
  for (int j = 0; j < 4; ++j) {
    *reinterpret_cast<D4u*>(zr + (t + j) * 4) = __builtin_convertvector(e[j], D4);
    *reinterpret_cast<D4u*>(zi + (t + j) * 4) = __builtin_convertvector(o[j], D4);
  }
}

// Bins k and k+1 of four lanes (xr/xi: bin k's 4 lanes, then bin k+1's) to
// four complex<float> rows, each value rounded once to float as a
// static_cast does.
OPBRIDGE_LANES_INLINE void ScatterTwoBins(const double* xr, const double* xi, int64_t k,
                                          std::complex<float>* const rows[4]) {
  const F4 re0 = __builtin_convertvector(*reinterpret_cast<const D4u*>(xr), F4);
  const F4 im0 = __builtin_convertvector(*reinterpret_cast<const D4u*>(xi), F4);
  const F4 re1 = __builtin_convertvector(*reinterpret_cast<const D4u*>(xr + 4), F4);
  const F4 im1 = __builtin_convertvector(*reinterpret_cast<const D4u*>(xi + 4), F4);
  F4 per_row[4];
  Transpose4(re0, im0, re1, im1, per_row);
  for (int l = 0; l < 4; ++l) *reinterpret_cast<F4u*>(reinterpret_cast<float*>(rows[l] + k)) = per_row[l];
}

#undef OPBRIDGE_LANES_INLINE

}  // namespace opbridge::fft::lanes
