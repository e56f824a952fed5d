// Complex DFTs along one axis of a row-major complex buffer, in place, for the
// multi-dimensional transforms (FFT2D/3D, RFFT2D/3D): the buffer is
// [outer, len, stride] and each of the outer * stride lines of `len` values
// (`stride` apart) is transformed, fft::GroupLanes lines at a time
// (consecutive lines are adjacent in memory, so a group reads whole cache
// lines). Both precisions are transformed in double but complex64 at the
// lengths TransformsComplex64InFloat names.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "complex128_lines_avx2.h"
#include "complex64_lines_avx2.h"
#include "fft.h"
#include "opbridge/op.h"

namespace opbridge {
namespace fft {

// Four adjacent complex values to (from) four real and four imaginary parts,
// as vectors: GCC left these loops scalar, a load and a store per value.
template <typename W, typename Real>
inline void GatherFour(const std::complex<Real>* p, W* re, W* im) {
  typedef Real RV __attribute__((vector_size(4 * sizeof(Real))));
  typedef Real RU __attribute__((vector_size(4 * sizeof(Real)), aligned(sizeof(Real)), may_alias));
  typedef W WV __attribute__((vector_size(4 * sizeof(W))));
  typedef W WU __attribute__((vector_size(4 * sizeof(W)), aligned(sizeof(W)), may_alias));
  const auto* values = reinterpret_cast<const Real*>(p);
  const RV a = *reinterpret_cast<const RU*>(values), b = *reinterpret_cast<const RU*>(values + 4);
  *reinterpret_cast<WU*>(re) = __builtin_convertvector(RV(__builtin_shufflevector(a, b, 0, 2, 4, 6)), WV);
  *reinterpret_cast<WU*>(im) = __builtin_convertvector(RV(__builtin_shufflevector(a, b, 1, 3, 5, 7)), WV);
}
template <typename W, typename Real>
inline void ScatterFour(const W* re, const W* im, std::complex<Real>* p) {
  typedef Real RV __attribute__((vector_size(4 * sizeof(Real))));
  typedef Real RU __attribute__((vector_size(4 * sizeof(Real)), aligned(sizeof(Real)), may_alias));
  typedef W WU __attribute__((vector_size(4 * sizeof(W)), aligned(sizeof(W)), may_alias));
  // W to Real rounds as static_cast does (to nearest).
  const RV r = __builtin_convertvector(*reinterpret_cast<const WU*>(re), RV);
  const RV i = __builtin_convertvector(*reinterpret_cast<const WU*>(im), RV);
  auto* values = reinterpret_cast<Real*>(p);
  *reinterpret_cast<RU*>(values) = RV(__builtin_shufflevector(r, i, 0, 4, 1, 5));
  *reinterpret_cast<RU*>(values + 4) = RV(__builtin_shufflevector(r, i, 2, 6, 3, 7));
}

// Elements k and k+1 of four rows `len` apart (lines of a stride-1 axis) to
// (from) the lane-minor split arrays, element k+1 `step` values after k: a
// 4x4 transpose in registers.
template <typename W, typename Real>
inline void GatherRowsTwo(const std::complex<Real>* p, int64_t len, W* re, W* im, int64_t step) {
  typedef Real RV __attribute__((vector_size(4 * sizeof(Real))));
  typedef Real RU __attribute__((vector_size(4 * sizeof(Real)), aligned(sizeof(Real)), may_alias));
  typedef W WV __attribute__((vector_size(4 * sizeof(W))));
  typedef W WU __attribute__((vector_size(4 * sizeof(W)), aligned(sizeof(W)), may_alias));
  const auto* values = reinterpret_cast<const Real*>(p);
  const RV a0 = *reinterpret_cast<const RU*>(values), a1 = *reinterpret_cast<const RU*>(values + 2 * len);
  const RV a2 = *reinterpret_cast<const RU*>(values + 4 * len), a3 = *reinterpret_cast<const RU*>(values + 6 * len);
  const RV t0 = __builtin_shufflevector(a0, a1, 0, 4, 1, 5), t1 = __builtin_shufflevector(a2, a3, 0, 4, 1, 5);
  const RV t2 = __builtin_shufflevector(a0, a1, 2, 6, 3, 7), t3 = __builtin_shufflevector(a2, a3, 2, 6, 3, 7);
  *reinterpret_cast<WU*>(re) = __builtin_convertvector(RV(__builtin_shufflevector(t0, t1, 0, 1, 4, 5)), WV);
  *reinterpret_cast<WU*>(im) = __builtin_convertvector(RV(__builtin_shufflevector(t0, t1, 2, 3, 6, 7)), WV);
  *reinterpret_cast<WU*>(re + step) = __builtin_convertvector(RV(__builtin_shufflevector(t2, t3, 0, 1, 4, 5)), WV);
  *reinterpret_cast<WU*>(im + step) = __builtin_convertvector(RV(__builtin_shufflevector(t2, t3, 2, 3, 6, 7)), WV);
}
template <typename W, typename Real>
inline void ScatterRowsTwo(const W* re, const W* im, int64_t step, int64_t len, std::complex<Real>* p) {
  typedef Real RV __attribute__((vector_size(4 * sizeof(Real))));
  typedef Real RU __attribute__((vector_size(4 * sizeof(Real)), aligned(sizeof(Real)), may_alias));
  typedef W WU __attribute__((vector_size(4 * sizeof(W)), aligned(sizeof(W)), may_alias));
  const RV r0 = __builtin_convertvector(*reinterpret_cast<const WU*>(re), RV);
  const RV i0 = __builtin_convertvector(*reinterpret_cast<const WU*>(im), RV);
  const RV r1 = __builtin_convertvector(*reinterpret_cast<const WU*>(re + step), RV);
  const RV i1 = __builtin_convertvector(*reinterpret_cast<const WU*>(im + step), RV);
  const RV t0 = __builtin_shufflevector(r0, i0, 0, 1, 4, 5), t1 = __builtin_shufflevector(r0, i0, 2, 3, 6, 7);
  const RV t2 = __builtin_shufflevector(r1, i1, 0, 1, 4, 5), t3 = __builtin_shufflevector(r1, i1, 2, 3, 6, 7);
  auto* values = reinterpret_cast<Real*>(p);
  *reinterpret_cast<RU*>(values) = RV(__builtin_shufflevector(t0, t2, 0, 2, 4, 6));
  *reinterpret_cast<RU*>(values + 2 * len) = RV(__builtin_shufflevector(t0, t2, 1, 3, 5, 7));
  *reinterpret_cast<RU*>(values + 4 * len) = RV(__builtin_shufflevector(t1, t3, 0, 2, 4, 6));
  *reinterpret_cast<RU*>(values + 6 * len) = RV(__builtin_shufflevector(t1, t3, 1, 3, 5, 7));
}

// W: the arithmetic type (float or double), Real: the buffer's. The lines
// are read from `src` (`data` itself, or another buffer of the same layout:
// the first axis of an out-of-place transform) and written to `data`,
// kGroup lines per transform.
template <typename W, int kGroup, typename Real>
void TransformAxisIn(const KernelContext& ctx, std::complex<Real>* data, int64_t outer, int64_t len,
                     int64_t stride, bool inverse, double scale, const std::complex<Real>* src = nullptr) {
  if (src == nullptr) src = data;
  const int64_t lines = outer * stride;
  const std::shared_ptr<const Plan<W>> plan = SharedPlan<Plan<W>>(len);
  const auto line_offset = [&](int64_t l) { return (l / stride) * len * stride + l % stride; };
  const int64_t groups = (lines + kGroup - 1) / kGroup;
  ctx.ParallelFor(groups, len * 40 * kGroup, [&](int64_t begin, int64_t end) {
    SplitArrays<W> split;
    W* im;
    W* re = split.Get(static_cast<size_t>(len) * kGroup, &im);
    Workspace<W> ws;
    const auto run = [&](int64_t first, auto lanes) {
      constexpr int L = decltype(lanes)::value;
      // The shuffles below pay for complex64 only: complex128's 32-byte
      // vectors of double are split by the baseline build into element moves
      // through memory (IFFT c128 [512,512] took twice as long); complex128
      // takes AVX2 code above where it can, else the scalar loops.
      constexpr bool kShuffle = L % 4 == 0 && sizeof(Real) == 4;
      const int64_t offset = line_offset(first);
#if defined(__x86_64__)
      if constexpr (std::is_same_v<Real, double> && std::is_same_v<W, double> && L == 4) {
        // Rows (stride 1) or adjacent lines of an outer axis, in AVX2.
        if (math::UseAvx2() && (stride == 1 || first % stride + L <= stride)) {
          const int64_t step = stride == 1 ? 1 : stride, gap = stride == 1 ? len : 1;
          complex128_lines::Gather(src + offset, len, step, gap, re, im);
          plan->template Transform<L>(re, im, inverse, &ws, scale);
          complex128_lines::Scatter(re, im, len, step, gap, data + offset);
          return;
        }
      }
      if constexpr (std::is_same_v<Real, float> && std::is_same_v<W, float> && L == 8) {
        // Adjacent lines of an outer axis, in AVX2 (IRFFT's complex axes).
        if (math::UseAvx2() && stride > 1 && first % stride + L <= stride) {
          const bool far = stride * static_cast<int64_t>(sizeof(std::complex<float>)) >= 4096;
          // The inverse's conjugations in the moves (complex64_lines_avx2.h).
          complex64_lines::GatherAdjacent(src + offset, len, stride, far, inverse, re, im);
          plan->template Transform<L>(re, im, false, &ws, scale);
          complex64_lines::ScatterAdjacent(re, im, len, stride, far, inverse, data + offset);
          return;
        }
      }
#endif
      // Lines next to each other in memory (stride > 1, the same outer
      // index): each element's L values are contiguous, read and written
      // together.
      const bool adjacent = kShuffle && stride > 1 && first % stride + L <= stride;
      if (adjacent) {
        const std::complex<Real>* base = src + offset;
        for (int64_t k = 0; k < len; ++k) {
          if constexpr (kShuffle) {
            for (int h = 0; h < L; h += 4) GatherFour(base + k * stride + h, re + k * L + h, im + k * L + h);
          } else {
            for (int l = 0; l < L; ++l) {
              re[k * L + l] = static_cast<W>(base[k * stride + l].real());
              im[k * L + l] = static_cast<W>(base[k * stride + l].imag());
            }
          }
        }
      } else if (kShuffle && stride == 1) {
        // L consecutive rows, transposed 4 at a time.
        const std::complex<Real>* base = src + offset;
        int64_t k = 0;
        for (; k + 2 <= len; k += 2) {
          for (int h = 0; h < L; h += 4) GatherRowsTwo(base + h * len + k, len, re + k * L + h, im + k * L + h, L);
        }
        for (; k < len; ++k) {
          for (int l = 0; l < L; ++l) {
            re[k * L + l] = static_cast<W>(base[l * len + k].real());
            im[k * L + l] = static_cast<W>(base[l * len + k].imag());
          }
        }
      } else {
        for (int l = 0; l < L; ++l) {
          const std::complex<Real>* base = src + line_offset(first + l);
          for (int64_t k = 0; k < len; ++k) {
            re[k * L + l] = static_cast<W>(base[k * stride].real());
            im[k * L + l] = static_cast<W>(base[k * stride].imag());
          }
        }
      }
      plan->template Transform<L>(re, im, inverse, &ws, scale);
      if (adjacent) {
        std::complex<Real>* base = data + offset;
        for (int64_t k = 0; k < len; ++k) {
          if constexpr (kShuffle) {
            for (int h = 0; h < L; h += 4) ScatterFour(re + k * L + h, im + k * L + h, base + k * stride + h);
          } else {
            for (int l = 0; l < L; ++l) {
              base[k * stride + l] =
                  std::complex<Real>(static_cast<Real>(re[k * L + l]), static_cast<Real>(im[k * L + l]));
            }
          }
        }
      } else if (kShuffle && stride == 1) {
        std::complex<Real>* base = data + offset;
        int64_t k = 0;
        for (; k + 2 <= len; k += 2) {
          for (int h = 0; h < L; h += 4) ScatterRowsTwo(re + k * L + h, im + k * L + h, L, len, base + h * len + k);
        }
        for (; k < len; ++k) {
          for (int l = 0; l < L; ++l) {
            base[l * len + k] = std::complex<Real>(static_cast<Real>(re[k * L + l]), static_cast<Real>(im[k * L + l]));
          }
        }
      } else {
        for (int l = 0; l < L; ++l) {
          std::complex<Real>* base = data + line_offset(first + l);
          for (int64_t k = 0; k < len; ++k) {
            base[k * stride] = std::complex<Real>(static_cast<Real>(re[k * L + l]), static_cast<Real>(im[k * L + l]));
          }
        }
      }
    };
    for (int64_t g = begin; g < end; ++g) {
      const int64_t first = g * kGroup;
      if (first + kGroup <= lines) {
        run(first, std::integral_constant<int, kGroup>());
      } else {
        for (int64_t l = first; l < lines; ++l) run(l, std::integral_constant<int, 1>());
      }
    }
  });
}

// TransformAxisIn in groups of GroupLanes<W>() lines.
template <typename W, typename Real>
void TransformLines(const KernelContext& ctx, std::complex<Real>* data, int64_t outer, int64_t len, int64_t stride,
                    bool inverse, double scale, const std::complex<Real>* src = nullptr) {
  TransformAxisIn<W, GroupLanes<W>()>(ctx, data, outer, len, stride, inverse, scale, src);
}

// Whether TF's DUCC kernel computes a DFT of length n by Bluestein's
// algorithm: pocketfft's cost rule (a length of 50 or more whose largest
// prime factor p exceeds sqrt(n), when 1.5 times two transforms of the
// smallest 2,3,5,7,11-smooth length >= 2n - 1 cost less than the direct
// passes; a pass of radix 2 counts 2, of 3 and 5 their radix, of larger
// primes 1.1 times it, all times n).
inline bool DuccUsesBluestein(int64_t n) {
  if (n < 50) return false;
  const auto cost = [](int64_t len) {
    double passes = 0.0;
    int64_t rest = len;
    for (; rest % 2 == 0; rest /= 2) passes += 2.0;
    for (int64_t p = 3; p * p <= rest; p += 2) {
      for (; rest % p == 0; rest /= p) passes += p <= 5 ? static_cast<double>(p) : 1.1 * static_cast<double>(p);
    }
    if (rest > 1) passes += rest <= 5 ? static_cast<double>(rest) : 1.1 * static_cast<double>(rest);
    return passes * static_cast<double>(len);
  };
  int64_t largest = 1, rest = n;
  for (int64_t p = 2; p * p <= rest; ++p) {
    for (; rest % p == 0; rest /= p) largest = p;
  }
  if (rest > 1) largest = rest;
  if (static_cast<double>(largest) * static_cast<double>(largest) <= static_cast<double>(n)) return false;
  int64_t good = 2 * n - 1;
  for (;; ++good) {
    int64_t r = good;
    for (const int64_t p : {2, 3, 5, 7, 11}) {
      for (; r % p == 0; r /= p) {
      }
    }
    if (r == 1) break;
  }
  return 1.5 * 2.0 * cost(good) < cost(n);
}

// Whether a complex64 line of length n is transformed in float, as TF's DUCC
// kernel does, instead of in double:
//   - n of 256 or more whose prime factors are 2, 3, 5 and 7 (our Stockham
//     passes of radix 4, 2, 3, 5, 7, like DUCC's): in double those took
//     0.85-1.6x TF's time at n = 256-16384 (1.2-1.6x from 768; twice the
//     bytes and half the values per vector), in float 0.3-0.85x; our worst error over a batch
//     is TF's in the median (0.93-1.08 of it, measured at n = 256-65536 over
//     100-1000 batches of 4 rows), where in double it was below TF's. Shorter
//     lines stay in double, which there costs 0.4-0.7x TF's time.
//   - n that both our plan and DUCC compute by Bluestein's algorithm, with
//     the convolution kernel and the last chirp product in double (the
//     plan's Bluestein says why).
// Everything else stays in double: in float the direct radices 11-61 (n
// whose prime factor DUCC transforms directly), Bluestein at lengths DUCC
// does not use it for and the real-input untangling at small even lengths
// measured errors up to 2.5x TF's.
inline bool TransformsComplex64InFloat(int64_t n) {
  constexpr int64_t kSmoothFrom = 256;
  if (n >= kSmoothFrom) {
    int64_t rest = n;
    for (const int64_t p : {2, 3, 5, 7}) {
      for (; rest % p == 0; rest /= p) {
      }
    }
    if (rest == 1) return true;
  }
  return DuccUsesBluestein(n) && SharedPlan<Plan<float>>(n)->bluestein();
}

// In double for complex128, and for complex64 but at the lengths above. In
// double a float output is rounded once. `scale` multiplies the results
// before they are rounded to Real. `src`, when given, is read instead of
// `data` (an out-of-place first axis).
template <typename Real>
void TransformAxis(const KernelContext& ctx, std::complex<Real>* data, int64_t outer, int64_t len, int64_t stride,
                   bool inverse, double scale = 1.0, const std::complex<Real>* src = nullptr) {
  if (outer * stride == 0) return;
  if constexpr (std::is_same_v<Real, float>) {
    if (TransformsComplex64InFloat(len)) {
      TransformLines<float>(ctx, data, outer, len, stride, inverse, scale, src);
      return;
    }
  }
  TransformLines<double>(ctx, data, outer, len, stride, inverse, scale, src);
}

}  // namespace fft
}  // namespace opbridge
