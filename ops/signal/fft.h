// Discrete Fourier transforms for the signal ops (FFT, IFFT, RFFT, IRFFT and
// their 2-D and 3-D forms).
//
// Plan<S>: a complex DFT of any length n computed in S, with twiddles
// computed in double and rounded once. IRFFT computes in the tensor's
// precision (float for complex64, as TF's DUCC kernel); the FFT and RFFT
// kernels compute in double for both, but complex64 in float at long
// lengths of radices 2-7 and at the lengths both this plan and DUCC run by
// Bluestein's algorithm (fft_axes.h, TransformsComplex64InFloat, says why).
//   - n whose prime factors are all <= kMaxDirectRadix: Stockham autosort
//     passes, radix 4 and 2 specialised, 3, 5 and 7 paired (symmetric), other factors
//     by a direct p-point DFT; twiddles precomputed per pass;
//   - otherwise Bluestein's chirp-z algorithm over a power-of-two plan.
// Data are split arrays (real parts, imaginary parts): every load and store
// is a plain scalar, which keeps the CPU's store forwarding working
// (interleaved std::complex code mixed 8- and 16-byte accesses and ran
// several times slower).
// Lanes: a transform runs on L sequences at once, element e of lane l at
// index e * L + l, so that every arithmetic step is an L-wide loop the
// compiler vectorizes (batched transforms have rows to spare).
// Twiddles are exp(-2*pi*i*k/n) from std::cos/std::sin of each k (no
// recurrences), exact to a double's rounding.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include "../math/avx2_dispatch.h"
#include "../math/line_aligned_allocator.h"
#include "../math/simd_cols.h"
#include "real_inverse_lanes.h"
#include "real_lanes.h"
#include "opbridge/op.h"

namespace opbridge {
namespace fft {

// The type attrs of TF's real FFTs (RFFT*, IRFFT*), forward and inverse alike.
struct RealComplexParams {
  DType treal = DType::kFloat32;
  DType tcomplex = DType::kComplex64;

  static void Declare(ParamBinder& b, RealComplexParams& p) {
    b.Attr("Treal: {float, double} = DT_FLOAT", &p.treal);
    b.Attr("Tcomplex: {complex64, complex128} = DT_COMPLEX64", &p.tcomplex);
  }
};

using Complex = std::complex<double>;

// Two split arrays (real parts, imaginary parts) of n values each, carved
// out of one buffer. Both start on a cache line: the AVX-512 passes' 64-byte
// vectors then never straddle two (with 16-byte aligned arrays every other
// one did, and the passes ran slower than AVX2's).
// Where they start within a 4 KB page is fixed, whatever the allocator
// returns: the first array at `skew_lines` cache lines past a page boundary,
// the second 33 lines further (mod 64). A transform reads one pair and writes
// another (the caller's arrays, Workspace::passes, ::spare), and the
// addresses of a pass's loads and stores then differ in their low 12 bits:
// with every array at the same place in its page (large buffers come page
// aligned from mmap) the loads and stores of a pass aliased in the L1 cache
// and the store buffer (4K aliasing). Measured on Zen 4, 4-line double
// transforms: 2048 points 31 -> 21 us, 4096 62 -> 50, 256 2.2 -> 1.7; 8-line
// float 2048 31.3 -> 28; float 512 5.7 -> 5.9 (tools' harness, docs/design.md).
// Workspace gives its three pairs skews of 11, 22 and 33 lines; callers' 0.
template <typename S>
class SplitArrays {
 public:
  explicit SplitArrays(int skew_lines = 0) : skew_(static_cast<size_t>(skew_lines) * kLine) {}

  // Room for two arrays of n values (kept between calls of the same n); the
  // first is returned, the second stored in *second.
  S* Get(size_t n, S** second) {
    const size_t offset = ((n + kLine - 1) / kLine + 1 + kGapLines) * kLine;
    if (buffer_.size() < kPage + skew_ + offset + n) buffer_.resize(kPage + skew_ + offset + n);
    const auto address = reinterpret_cast<uintptr_t>(buffer_.data());
    const size_t to_page = ((address + 4095) & ~uintptr_t{4095}) - address;
    S* first = buffer_.data() + to_page / sizeof(S) + skew_;
    *second = first + offset;
    return first;
  }

 private:
  static constexpr size_t kLine = 64 / sizeof(S);
  static constexpr size_t kPage = 4096 / sizeof(S);
  static constexpr size_t kGapLines = 32;  // the second array half a page past the first, and a line
  std::vector<S, math::LineAlignedAllocator<S>> buffer_;
  size_t skew_;
};
// Sequences transformed together by the batched paths (GroupLanes: 8 for
// float on x86-64).
constexpr int kLanes = 4;

// Lines a batched transform computing in S runs together: 8 for float on
// x86-64, where the AVX2 passes then fill 32-byte vectors as 4 doubles do,
// else kLanes. Each line sees the same operations whatever the group.
template <typename S>
constexpr int GroupLanes() {
#if defined(__x86_64__)
  return sizeof(S) == sizeof(float) ? 2 * kLanes : kLanes;
#else
  return kLanes;
#endif
}

// Column vectors for the passes (math::Cols, simd_cols.h says why).
using math::Cols;

// The pass bodies are inlined into the baseline and the AVX2 entry points,
// each compiled for its own instruction set.
#define OPBRIDGE_FFT_INLINE __attribute__((always_inline)) inline

// Runs body(Cols<S, W>(), q) over `row` consecutive columns from q = 0: the
// widest vectors up to `Wide` bytes (32 only inside an AVX2 entry point, 64
// only inside PassAvx512), then 16-byte ones, then single values.
template <typename S, int Wide, typename Body>
OPBRIDGE_FFT_INLINE void ForCols(int64_t row, Body&& body) {
  int64_t q = 0;
  if constexpr (Wide >= 64) {
    for (; q + Cols<S, 64>::kWidth <= row; q += Cols<S, 64>::kWidth) body(Cols<S, 64>(), q);
  }
  if constexpr (Wide >= 32) {
    for (; q + Cols<S, 32>::kWidth <= row; q += Cols<S, 32>::kWidth) body(Cols<S, 32>(), q);
  }
  for (; q + Cols<S, 16>::kWidth <= row; q += Cols<S, 16>::kWidth) body(Cols<S, 16>(), q);
  for (; q < row; ++q) body(Cols<S, 0>(), q);
}

// The vector (or scalar) of columns at p, unaligned, for the ForCols bodies
// (a reference: vectors passed by value would change the baseline ABI).
template <typename C, typename S>
OPBRIDGE_FFT_INLINE const typename C::unaligned& ColsAt(const S* p) {
  return *reinterpret_cast<const typename C::unaligned*>(p);
}
template <typename C, typename S>
OPBRIDGE_FFT_INLINE typename C::unaligned& ColsAt(S* p) {
  return *reinterpret_cast<typename C::unaligned*>(p);
}

// Per-thread buffers a plan works in.
template <typename S>
struct Workspace {
  SplitArrays<S> passes{11};     // Stockham ping-pong arrays
  SplitArrays<S> spare{22};      // a third pair for odd pass counts (Stockham)
  SplitArrays<S> bluestein{33};  // Bluestein's convolution arrays
};

// S: the arithmetic type, float or double (twiddles are computed in double
// and rounded to S).
template <typename S>
class Plan {
 public:
  static constexpr int64_t kMaxDirectRadix = 64;

  explicit Plan(int64_t n) : n_(n) {
    if (n_ <= 1) return;
    std::vector<int64_t> factors;
    int64_t rest = n_;
    for (const int64_t p : {int64_t{4}, int64_t{2}, int64_t{3}, int64_t{5}}) {
      for (; rest % p == 0; rest /= p) factors.push_back(p);
    }
    for (int64_t p = 7; p * p <= rest; p += 2) {
      for (; rest % p == 0; rest /= p) factors.push_back(p);
    }
    if (rest > 1) factors.push_back(rest);
    if (*std::max_element(factors.begin(), factors.end()) > kMaxDirectRadix) {
      InitBluestein();
      return;
    }
    // Pass s transforms length `len` (n_ divided by the factors before it) with radix p.
    int64_t len = n_;
    for (const int64_t p : factors) {
      Pass pass;
      pass.radix = p;
      pass.m = len / p;
      pass.tw_re.resize(static_cast<size_t>((p - 1) * pass.m));
      pass.tw_im.resize(pass.tw_re.size());
      for (int64_t r = 1; r < p; ++r) {
        for (int64_t k = 0; k < pass.m; ++k) {
          const Complex w = Root(r * k, len);
          pass.tw_re[static_cast<size_t>((r - 1) * pass.m + k)] = static_cast<S>(w.real());
          pass.tw_im[static_cast<size_t>((r - 1) * pass.m + k)] = static_cast<S>(w.imag());
        }
      }
      if (p != 2 && p != 4) {
        for (int64_t k = 0; k < p; ++k) {
          const Complex w = Root(k, p);
          pass.root_re.push_back(static_cast<S>(w.real()));
          pass.root_im.push_back(static_cast<S>(w.imag()));
        }
      }
      passes_.push_back(std::move(pass));
      len /= p;
    }
  }

  int64_t size() const { return n_; }
  bool bluestein() const { return bluestein_; }

  // In place on L lanes of split arrays (n * L values each, lane-minor):
  // X[k] = sum_j x[j] exp(-+2*pi*i*j*k/n) (minus: forward, plus: inverse; no
  // scaling). Give each thread its own workspace.
  // Defined and instantiated (S float or double, L 1 or kLanes) once, in
  // fft_transforms.cc: the passes, inlined into a baseline and an AVX2 copy,
  // are most of the FFT ops' compile time, which every op file paid again.
  // `scale` multiplies the results (in double, rounded once to S).
  template <int L>
  void Transform(S* re, S* im, bool inverse, Workspace<S>* ws, double scale = 1.0) const;
  // The same transform on the baseline passes only (the AVX2 and AVX-512
  // passes compute the same bits): for work done once per plan, Bluestein's
  // kernel, so that a float-only selective build links no AVX2 copy of the
  // double passes for it (28 KB).
  template <int L>
  void TransformBaseline(S* re, S* im, bool inverse, Workspace<S>* ws, double scale = 1.0) const;

 private:
  struct Pass {
    int64_t radix = 0;
    int64_t m = 0;                         // the pass's length divided by its radix
    std::vector<S> tw_re, tw_im;      // W_len^(r*k): [r-1][k], r < radix, k < m
    std::vector<S> root_re, root_im;  // W_radix^k (direct radices only)
  };

#if defined(__x86_64__)
  template <int L>
  __attribute__((target("avx2"), noinline)) void TransformAvx2(S* re, S* im, bool inverse, Workspace<S>* ws,
                                                               double scale) const {
    Run<L, 32>(re, im, inverse, ws, scale);
  }
#endif

  // Wide: the widest vectors in bytes (16, or 32 inside TransformAvx2).
  template <int L, int Wide>
  OPBRIDGE_FFT_INLINE void Run(S* re, S* im, bool inverse, Workspace<S>* ws, double scale) const {
    // An inverse DFT is the conjugate of the forward DFT of the conjugate.
    if (inverse) Negate(im, n_ * L);
    // Float Bluestein scales in its last product (rounded once there).
    const bool scaled = bluestein_ && std::is_same_v<S, float>;
    if (bluestein_) {
      Bluestein<L, Wide>(re, im, ws, scale);
    } else {
      S* out_re;
      S* out_im;
      Stockham<L, Wide, false, false, true>(re, im, ws, &out_re, &out_im);
      if (out_re != re) {
        std::copy(out_re, out_re + n_ * L, re);
        std::copy(out_im, out_im + n_ * L, im);
      }
    }
    if (inverse) Negate(im, n_ * L);
    if (scale != 1.0 && !scaled) {
      for (int64_t i = 0; i < n_ * L; ++i) {
        re[i] = static_cast<S>(static_cast<double>(re[i]) * scale);
        im[i] = static_cast<S>(static_cast<double>(im[i]) * scale);
      }
    }
  }

  // exp(-2*pi*i*k/n), k reduced first so that large k stay accurate.
  static Complex Root(int64_t k, int64_t n) {
    k %= n;
    if (k < 0) k += n;
    const double angle = -2.0 * M_PI * static_cast<double>(k) / static_cast<double>(n);
    return Complex(std::cos(angle), std::sin(angle));
  }

  OPBRIDGE_FFT_INLINE static void Negate(S* v, int64_t count) {
    for (int64_t i = 0; i < count; ++i) v[i] = -v[i];
  }

  // Self-sorting decimation in frequency: a pass of radix p over a length
  // len = p*m sub-transform repeated with stride s reads x[q + s*(k + j*m)],
  // j < p, and writes y[q + s*(p*k + r)] = W_len^(r*k) * sum_j x_j W_p^(j*r).
  // The result is left in (re, im) or in ws->passes, as *out_re/*out_im say
  // (Bluestein reads it from there; Run copies it back).
  // Passes run in sweeps over the data: one pass, or two fused (Fuses).
  // kEndInInput: an odd number of sweeps (3 or more) goes through a third
  // pair of arrays once (the second sweep writes there), so that the last
  // sweep writes (re, im) and Run has nothing to copy back: the copy was
  // 6-8% of a 512-point transform.
  // kZeroUpperHalf: the input's upper half is zero (Bluestein's padded
  // sequence), so a first radix-4 pass reads only its first two quarters;
  // kLowerHalfOut: only the lower half of the result is read, so a last
  // radix-4 pass writes only its first two quarters.
  template <int L, int Wide, bool kZeroUpperHalf = false, bool kLowerHalfOut = false, bool kEndInInput = false>
  OPBRIDGE_FFT_INLINE void Stockham(S* re, S* im, Workspace<S>* ws, S** out_re, S** out_im) const {
    const size_t n = static_cast<size_t>(n_) * L;
    S* xr = re;
    S* xi = im;
    S* yi;
    S* yr = ws->passes.Get(n, &yi);
    S* spare_r = nullptr;
    S* spare_i = nullptr;
    // A sweep is one pass, or two fused (Radix4Then).
    const size_t count = passes_.size();
    size_t sweeps = 0;
    for (size_t i = 0; i < count; i += Fuses<L, kZeroUpperHalf, kLowerHalfOut>(i) ? 2 : 1) ++sweeps;
    if (kEndInInput && sweeps % 2 == 1 && sweeps >= 3) spare_r = ws->spare.Get(n, &spare_i);
    int64_t s = 1;
    size_t sweep = 0;
    for (size_t i = 0; i < count; ++sweep) {
      // Through the spare arrays: re -> passes -> spare -> re, then re and
      // spare alternate, an even number of sweeps ending in re.
      if (spare_r != nullptr && sweep == 1) {
        yr = spare_r;
        yi = spare_i;
      } else if (spare_r != nullptr && sweep == 2) {
        yr = re;
        yi = im;
      }
      const Pass& pass = passes_[i];
      const Pass* second = Fuses<L, kZeroUpperHalf, kLowerHalfOut>(i) ? &passes_[i + 1] : nullptr;
      const size_t next = second != nullptr ? i + 2 : i + 1;
      // The first pass reads a zero upper half, the last writes only a lower
      // half (when there are two passes or more; neither is fused).
      const bool half_in = kZeroUpperHalf && i == 0 && count > 1;
      const bool half_out = kLowerHalfOut && next == count && count > 1;
      const HalfMode half = half_in ? HalfMode::kHalfIn : half_out ? HalfMode::kHalfOut : HalfMode::kNone;
#if defined(__x86_64__)
      if constexpr (Wide == 32) {
        if (math::UseAvx512()) {
          PassAvx512<L>(pass, second, half, s, xr, xi, yr, yi);
        } else {
          PassAvx2<L>(pass, second, half, s, xr, xi, yr, yi);
        }
      } else {
        PassBaseline<L>(pass, second, half, s, xr, xi, yr, yi);
      }
#else
      PassBaseline<L>(pass, second, half, s, xr, xi, yr, yi);
#endif
      std::swap(xr, yr);
      std::swap(xi, yi);
      s *= second != nullptr ? pass.radix * second->radix : pass.radix;
      i = next;
    }
    *out_re = xr;
    *out_im = xi;
  }

  // Which radix-4 variant a sweep of Stockham<..., kZeroUpperHalf, kLowerHalfOut> takes.
  enum class HalfMode { kNone, kHalfIn, kHalfOut };

  // Whether passes i and i + 1 run as one sweep (Radix4Then): radix 4 and 4
  // or 4 and 2 (the plan puts every radix 4 first, then one 2
  // at most), in a plan of three passes or more,
  // in lanes that fill 32-byte vectors (8 floats, 4 doubles: the batched
  // transforms; single lines keep separate passes, and the library one copy
  // of the fused body per type and instruction set), and neither a pass that
  // reads a zero upper half or writes a lower half (Bluestein's first and
  // last). Stockham pairs them from the first: 0-1, 2-3, ... (1-2, 3-4 after
  // a half pass).
  // Measured (1 thread, ms): FFT c128 [512,1024] 2.25-2.30 -> 1.84-2.02,
  // c64 [512,1024] 1.16-1.19 -> 0.96-1.04, c64 [512,509] (Bluestein's
  // 1024-point convolution) 1.93-2.04 -> 1.73-1.79; no change at n <= 256,
  // whose passes stay in L1.
  template <int L, bool kZeroUpperHalf, bool kLowerHalfOut>
  bool Fuses(size_t i) const {
    if constexpr (L * sizeof(S) != 32) {
      return false;
    } else {
      const size_t count = passes_.size();
      return count > 2 && i + 1 < count && passes_[i].radix == 4 &&
             (passes_[i + 1].radix == 4 || passes_[i + 1].radix == 2) &&
             !(kZeroUpperHalf && i == 0) && !(kLowerHalfOut && i + 2 == count);
    }
  }

  // One sweep, every radix: outlined (one copy per lane count and instruction
  // set) because Stockham runs in three variants, plain and Bluestein's two,
  // and with the radices inlined into each a Transform was 50-70 KB (more than
  // half of a selective audio library, docs/size.md). A call per sweep costs nothing
  // next to the sweep; the arithmetic, and so the bits, are the same.
  template <int L, int Wide>
  OPBRIDGE_FFT_INLINE static void PassBody(const Pass& pass, const Pass* second, HalfMode half, int64_t s,
                                           const S* xr, const S* xi, S* yr, S* yi) {
    if constexpr (L * sizeof(S) == 32) {
      if (second != nullptr) {
        if (second->radix == 4) {
          Radix4Then<L, Wide, 4>(pass, *second, s, xr, xi, yr, yi);
        } else {
          Radix4Then<L, Wide, 2>(pass, *second, s, xr, xi, yr, yi);
        }
        return;
      }
    }
    switch (pass.radix) {
      case 2: Radix2<L, Wide>(pass, s, xr, xi, yr, yi); break;
      case 4:
        if (half == HalfMode::kHalfIn) {
          Radix4<L, Wide, true, false>(pass, s, xr, xi, yr, yi);
        } else if (half == HalfMode::kHalfOut) {
          Radix4<L, Wide, false, true>(pass, s, xr, xi, yr, yi);
        } else {
          Radix4<L, Wide>(pass, s, xr, xi, yr, yi);
        }
        break;
      case 3: RadixFixed<L, 3, Wide>(pass, s, xr, xi, yr, yi); break;
      case 5: RadixFixed<L, 5, Wide>(pass, s, xr, xi, yr, yi); break;
      case 7: RadixFixed<L, 7, Wide>(pass, s, xr, xi, yr, yi); break;
      default: RadixP<L, Wide>(pass, s, xr, xi, yr, yi); break;
    }
  }
  template <int L>
  __attribute__((noinline)) static void PassBaseline(const Pass& pass, const Pass* second, HalfMode half,
                                                     int64_t s, const S* xr, const S* xi, S* yr, S* yi) {
    PassBody<L, 16>(pass, second, half, s, xr, xi, yr, yi);
  }
#if defined(__x86_64__)
  template <int L>
  __attribute__((target("avx2"), noinline)) static void PassAvx2(const Pass& pass, const Pass* second,
                                                                  HalfMode half, int64_t s, const S* xr,
                                                                  const S* xi, S* yr, S* yi) {
    PassBody<L, 32>(pass, second, half, s, xr, xi, yr, yi);
  }
  // 64-byte vectors where the CPU has AVX-512F (math::UseAvx512): 8 doubles
  // or 16 floats of a row at once, the first pass's short rows (L values) on
  // the narrower vectors. On an Intel Xeon with two 512-bit FMA ports the
  // double passes ran 10-25% faster than on 32-byte vectors (docs/design.md).
  // AVX-512F brings fused multiply-adds, which GCC would contract the
  // passes' products and sums into: fp-contract=off keeps the AVX2 path's
  // roundings, so the bits are the same on every path (tested).
  template <int L>
  __attribute__((target("avx512f"), optimize("fp-contract=off"), noinline)) static void PassAvx512(
      const Pass& pass, const Pass* second, HalfMode half, int64_t s, const S* xr, const S* xi, S* yr, S* yi) {
    PassBody<L, 64>(pass, second, half, s, xr, xi, yr, yi);
  }
#endif

  // Runs body<C>(q) over a row's columns from q = 0 (ForCols).
  template <int Wide, typename Body>
  OPBRIDGE_FFT_INLINE static void OverRow(int64_t row, Body&& body) {
    ForCols<S, Wide>(row, body);
  }
  // The same over a row of whole 32-byte vectors (Radix4Then's): no bodies
  // for narrower tails.
  template <int Wide, typename Body>
  OPBRIDGE_FFT_INLINE static void OverWholeRow(int64_t row, Body&& body) {
    int64_t q = 0;
    if constexpr (Wide >= 64) {
      for (; q + Cols<S, 64>::kWidth <= row; q += Cols<S, 64>::kWidth) body(Cols<S, 64>(), q);
    }
    if constexpr (Wide >= 32) {
      for (; q < row; q += Cols<S, 32>::kWidth) body(Cols<S, 32>(), q);
    } else {
      for (; q < row; q += Cols<S, 16>::kWidth) body(Cols<S, 16>(), q);
    }
  }

  // In the passes, a "row" is s * L consecutive values: the q < s repeats
  // times the L lanes, all with the same twiddle.
  template <int L, int Wide>
  OPBRIDGE_FFT_INLINE static void Radix2(const Pass& pass, int64_t s, const S* xr, const S* xi, S* yr, S* yi) {
    const int64_t m = pass.m, row = s * L;
    for (int64_t k = 0; k < m; ++k) {
      const S w[2] = {pass.tw_re[static_cast<size_t>(k)], pass.tw_im[static_cast<size_t>(k)]};
      const int64_t in0 = row * k, in1 = row * (k + m), out0 = row * 2 * k, out1 = out0 + row;
      OverRow<Wide>(row, [&](auto cols, int64_t q) __attribute__((always_inline)) {
        using T = typename decltype(cols)::type;
        using U = typename decltype(cols)::unaligned;
        const T x[2][2] = {{*reinterpret_cast<const U*>(xr + in0 + q), *reinterpret_cast<const U*>(xi + in0 + q)},
                           {*reinterpret_cast<const U*>(xr + in1 + q), *reinterpret_cast<const U*>(xi + in1 + q)}};
        T y[2][2];
        Butterfly2(x, w, y);
        *reinterpret_cast<U*>(yr + out0 + q) = y[0][0];
        *reinterpret_cast<U*>(yi + out0 + q) = y[0][1];
        *reinterpret_cast<U*>(yr + out1 + q) = y[1][0];
        *reinterpret_cast<U*>(yi + out1 + q) = y[1][1];
      });
    }
  }

  // The radix-2 butterfly of Radix2 and Radix4Then: y[0] = x[0] + x[1],
  // y[1] = (x[0] - x[1]) times the twiddle w = (re, im).
  template <typename T>
  OPBRIDGE_FFT_INLINE static void Butterfly2(const T (&x)[2][2], const S (&w)[2], T (&y)[2][2]) {
    const T dr = x[0][0] - x[1][0], di = x[0][1] - x[1][1];
    y[0][0] = x[0][0] + x[1][0];
    y[0][1] = x[0][1] + x[1][1];
    y[1][0] = dr * w[0] - di * w[1];
    y[1][1] = dr * w[1] + di * w[0];
  }

  // The radix-4 butterfly of Radix4 and Radix4Then (one definition, so
  // both give the same bits): x[j] = (re, im) of input j, y[r] = output r
  // times its twiddle c (c1r, c1i, c2r, c2i, c3r, c3i). kHalfIn: x[2] and x[3]
  // are zero (not read); kHalfOut: only y[0] and y[1] are computed.
  template <bool kHalfIn, bool kHalfOut, typename T>
  OPBRIDGE_FFT_INLINE static void Butterfly4(const T (&x)[4][2], const S (&c)[6], T (&y)[4][2]) {
    T t0r = x[0][0], t0i = x[0][1], t1r = x[0][0], t1i = x[0][1];
    T t2r = x[1][0], t2i = x[1][1], t3r = x[1][0], t3i = x[1][1];
    if constexpr (!kHalfIn) {
      t0r = x[0][0] + x[2][0], t0i = x[0][1] + x[2][1];
      t1r = x[0][0] - x[2][0], t1i = x[0][1] - x[2][1];
      t2r = x[1][0] + x[3][0], t2i = x[1][1] + x[3][1];
      t3r = x[1][0] - x[3][0], t3i = x[1][1] - x[3][1];
    }
    // X1 = t1 - i*t3, X3 = t1 + i*t3 (W_4 = -i).
    const T a1r = t1r + t3i, a1i = t1i - t3r;
    y[0][0] = t0r + t2r;
    y[0][1] = t0i + t2i;
    y[1][0] = a1r * c[0] - a1i * c[1];
    y[1][1] = a1r * c[1] + a1i * c[0];
    if constexpr (!kHalfOut) {
      const T a2r = t0r - t2r, a2i = t0i - t2i;
      const T a3r = t1r - t3i, a3i = t1i + t3r;
      y[2][0] = a2r * c[2] - a2i * c[3];
      y[2][1] = a2r * c[3] + a2i * c[2];
      y[3][0] = a3r * c[4] - a3i * c[5];
      y[3][1] = a3r * c[5] + a3i * c[4];
    }
  }

  // Pass `pass`'s twiddles at k, as Butterfly4 takes them.
  OPBRIDGE_FFT_INLINE static void Twiddles4(const Pass& pass, int64_t k, S (&c)[6]) {
    const auto at = [&](int64_t r) { return static_cast<size_t>((r - 1) * pass.m + k); };
    c[0] = pass.tw_re[at(1)], c[1] = pass.tw_im[at(1)];
    c[2] = pass.tw_re[at(2)], c[3] = pass.tw_im[at(2)];
    c[4] = pass.tw_re[at(3)], c[5] = pass.tw_im[at(3)];
  }

  // kHalfIn: x2 and x3 are zero (not read); kHalfOut: only y0 and y1 are
  // written (Stockham says when).
  template <int L, int Wide, bool kHalfIn = false, bool kHalfOut = false>
  OPBRIDGE_FFT_INLINE static void Radix4(const Pass& pass, int64_t s, const S* xr, const S* xi, S* yr, S* yi) {
    const int64_t m = pass.m, row = s * L;
    for (int64_t k = 0; k < m; ++k) {
      S c[6];
      Twiddles4(pass, k, c);
      OverRow<Wide>(row, [&](auto cols, int64_t q) __attribute__((always_inline)) {
        using T = typename decltype(cols)::type;
        using U = typename decltype(cols)::unaligned;
        T x[4][2] = {}, y[4][2];
#pragma GCC unroll 4
        for (int j = 0; j < (kHalfIn ? 2 : 4); ++j) {
          x[j][0] = *reinterpret_cast<const U*>(xr + row * (k + j * m) + q);
          x[j][1] = *reinterpret_cast<const U*>(xi + row * (k + j * m) + q);
        }
        Butterfly4<kHalfIn, kHalfOut>(x, c, y);
#pragma GCC unroll 4
        for (int r = 0; r < (kHalfOut ? 2 : 4); ++r) {
          *reinterpret_cast<U*>(yr + row * (4 * k + r) + q) = y[r][0];
          *reinterpret_cast<U*>(yi + row * (4 * k + r) + q) = y[r][1];
        }
      });
    }
  }

  // A radix-4 pass a (stride s) and the pass b after it (stride 4s), of
  // radix P = 4 or 2, in one sweep. Each value sees the operations of a
  // Radix4 sweep of a and a Radix4 / Radix2 sweep of b, in the same order,
  // so the bits are the same; but the data cross the caches once instead of
  // twice (a long transform's passes stream from L2). For each k of b and
  // column q: the P butterflies of a whose outputs b's butterfly at k reads
  // (a's k = kb + j * b.m, j < P), then b's four (one per output r of a).
  // 1024 = 4^5 then takes 3 sweeps, not 5; 2048 = 4^5 * 2 3, not 6.
  template <int L, int Wide, int P>
  OPBRIDGE_FFT_INLINE static void Radix4Then(const Pass& a, const Pass& b, int64_t s, const S* xr, const S* xi,
                                             S* yr, S* yi) {
    static_assert(P == 4 || P == 2, "b is a radix-4 or radix-2 pass");
    const int64_t ma = a.m, mb = b.m, row = s * L;
    for (int64_t kb = 0; kb < mb; ++kb) {
      S ca[P][6];
#pragma GCC unroll 4
      for (int j = 0; j < P; ++j) Twiddles4(a, kb + j * mb, ca[j]);
      S cb[P == 4 ? 6 : 2];
      if constexpr (P == 4) {
        Twiddles4(b, kb, cb);
      } else {
        cb[0] = b.tw_re[static_cast<size_t>(kb)];
        cb[1] = b.tw_im[static_cast<size_t>(kb)];
      }
      OverWholeRow<Wide>(row, [&](auto cols, int64_t q) __attribute__((always_inline)) {
        using T = typename decltype(cols)::type;
        using U = typename decltype(cols)::unaligned;
        T v[P][4][2];  // v[j][r]: a's output r at k = kb + j * mb
#pragma GCC unroll 4
        for (int j = 0; j < P; ++j) {
          const int64_t k = kb + j * mb;
          T x[4][2];
#pragma GCC unroll 4
          for (int i = 0; i < 4; ++i) {
            x[i][0] = *reinterpret_cast<const U*>(xr + row * (k + i * ma) + q);
            x[i][1] = *reinterpret_cast<const U*>(xi + row * (k + i * ma) + q);
          }
          Butterfly4<false, false>(x, ca[j], v[j]);
        }
        // b's input j at column r * row + q is a's output r at k = kb + j * mb.
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) {
          T x[P][2], y[P][2];
#pragma GCC unroll 4
          for (int j = 0; j < P; ++j) x[j][0] = v[j][r][0], x[j][1] = v[j][r][1];
          if constexpr (P == 4) {
            Butterfly4<false, false>(x, cb, y);
          } else {
            Butterfly2(x, cb, y);
          }
#pragma GCC unroll 4
          for (int r2 = 0; r2 < P; ++r2) {
            *reinterpret_cast<U*>(yr + 4 * row * (P * kb + r2) + r * row + q) = y[r2][0];
            *reinterpret_cast<U*>(yi + 4 * row * (P * kb + r2) + r * row + q) = y[r2][1];
          }
        }
      });
    }
  }

  // A P-point DFT with P known at compile time, inputs j and P - j paired
  // (below): the loops unroll and the root indices (j * r) mod P become
  // constants.
  template <int L, int P, int Wide>
  OPBRIDGE_FFT_INLINE static void RadixFixed(const Pass& pass, int64_t s, const S* xr, const S* xi, S* yr,
                                             S* yi) {
    const int64_t m = pass.m, row = s * L;
    S wr[P], wi[P];
    for (int j = 0; j < P; ++j) {
      wr[j] = pass.root_re[static_cast<size_t>(j)];
      wi[j] = pass.root_im[static_cast<size_t>(j)];
    }
    for (int64_t k = 0; k < m; ++k) {
      S tr[P], ti[P];
      tr[0] = S(1);
      ti[0] = S(0);
      for (int r = 1; r < P; ++r) {
        tr[r] = pass.tw_re[static_cast<size_t>((r - 1) * m + k)];
        ti[r] = pass.tw_im[static_cast<size_t>((r - 1) * m + k)];
      }
      OverRow<Wide>(row, [&](auto cols, int64_t q) __attribute__((always_inline)) {
        using T = typename decltype(cols)::type;
        using U = typename decltype(cols)::unaligned;
        T ar[P], ai[P];
        for (int j = 0; j < P; ++j) {
          ar[j] = *reinterpret_cast<const U*>(xr + row * (k + j * m) + q);
          ai[j] = *reinterpret_cast<const U*>(xi + row * (k + j * m) + q);
        }
        // Pairs j, P - j share a cosine and negate a sine: with their sums
        // s_j and differences d_j, y_r = c_r - i e_r and y_{P-r} = c_r + i e_r,
        // c_r = a_0 + sum_j cos(2 pi j r / P) s_j, e_r = sum_j sin(2 pi j r / P) d_j:
        // half the products of the direct sums, and fewer roundings (it did
        // not bring a float RFFT to DUCC's accuracy, though: docs/design.md).
        constexpr int kHalf = (P - 1) / 2;
        T sr[kHalf + 1], si[kHalf + 1], dr[kHalf + 1], di[kHalf + 1];
        T y0r = ar[0], y0i = ai[0];
        for (int j = 1; j <= kHalf; ++j) {
          sr[j] = ar[j] + ar[P - j];
          si[j] = ai[j] + ai[P - j];
          dr[j] = ar[j] - ar[P - j];
          di[j] = ai[j] - ai[P - j];
          y0r += sr[j];
          y0i += si[j];
        }
        const int64_t out0 = row * (P * k) + q;
        *reinterpret_cast<U*>(yr + out0) = y0r;
        *reinterpret_cast<U*>(yi + out0) = y0i;
        for (int r = 1; r <= kHalf; ++r) {
          T cr = ar[0], ci = ai[0], er{}, ei{};
          for (int j = 1; j <= kHalf; ++j) {
            const int index = (j * r) % P;
            // wr = cos(2 pi index / P), wi = -sin(2 pi index / P) (forward roots).
            cr += sr[j] * wr[index];
            ci += si[j] * wr[index];
            er -= dr[j] * wi[index];
            ei -= di[j] * wi[index];
          }
          const T ur = cr + ei, ui = ci - er;  // y_r
          const T vr = cr - ei, vi = ci + er;  // y_{P-r}
          const int64_t out_r = row * (P * k + r) + q, out_v = row * (P * k + P - r) + q;
          *reinterpret_cast<U*>(yr + out_r) = ur * tr[r] - ui * ti[r];
          *reinterpret_cast<U*>(yi + out_r) = ur * ti[r] + ui * tr[r];
          *reinterpret_cast<U*>(yr + out_v) = vr * tr[P - r] - vi * ti[P - r];
          *reinterpret_cast<U*>(yi + out_v) = vr * ti[P - r] + vi * tr[P - r];
        }
      });
    }
  }

  // A direct p-point DFT for the other prime radices (11 to kMaxDirectRadix),
  // inputs j and p - j paired as in RadixFixed (the same operations in the
  // same order, p known only at run time): a quarter of the products of the
  // direct sums, which made a prime axis of 61 the bulk of an FFT3D.
  template <int L, int Wide>
  OPBRIDGE_FFT_INLINE static void RadixP(const Pass& pass, int64_t s, const S* xr, const S* xi, S* yr, S* yi) {
    const int64_t m = pass.m, p = pass.radix, row = s * L, half = (p - 1) / 2;
    const S* wr = pass.root_re.data();
    const S* wi = pass.root_im.data();
    for (int64_t k = 0; k < m; ++k) {
      OverRow<Wide>(row, [&](auto cols, int64_t q) __attribute__((always_inline)) {
        using T = typename decltype(cols)::type;
        using U = typename decltype(cols)::unaligned;
        constexpr int64_t kMaxHalf = (kMaxDirectRadix - 1) / 2;
        T sr[kMaxHalf + 1], si[kMaxHalf + 1], dr[kMaxHalf + 1], di[kMaxHalf + 1];
        const T a0r = *reinterpret_cast<const U*>(xr + row * k + q);
        const T a0i = *reinterpret_cast<const U*>(xi + row * k + q);
        T y0r = a0r, y0i = a0i;
        for (int64_t j = 1; j <= half; ++j) {
          const T ajr = *reinterpret_cast<const U*>(xr + row * (k + j * m) + q);
          const T aji = *reinterpret_cast<const U*>(xi + row * (k + j * m) + q);
          const T bjr = *reinterpret_cast<const U*>(xr + row * (k + (p - j) * m) + q);
          const T bji = *reinterpret_cast<const U*>(xi + row * (k + (p - j) * m) + q);
          sr[j] = ajr + bjr;
          si[j] = aji + bji;
          dr[j] = ajr - bjr;
          di[j] = aji - bji;
          y0r += sr[j];
          y0i += si[j];
        }
        const int64_t out0 = row * (p * k) + q;
        *reinterpret_cast<U*>(yr + out0) = y0r;
        *reinterpret_cast<U*>(yi + out0) = y0i;
        for (int64_t r = 1; r <= half; ++r) {
          T cr = a0r, ci = a0i, er{}, ei{};
          int64_t index = 0;  // (j * r) mod p
          for (int64_t j = 1; j <= half; ++j) {
            index += r;
            if (index >= p) index -= p;
            cr += sr[j] * wr[index];
            ci += si[j] * wr[index];
            er -= dr[j] * wi[index];
            ei -= di[j] * wi[index];
          }
          const T ur = cr + ei, ui = ci - er;  // y_r
          const T vr = cr - ei, vi = ci + er;  // y_{p-r}
          const S tr = pass.tw_re[static_cast<size_t>((r - 1) * m + k)];
          const S ti = pass.tw_im[static_cast<size_t>((r - 1) * m + k)];
          const S tvr = pass.tw_re[static_cast<size_t>((p - r - 1) * m + k)];
          const S tvi = pass.tw_im[static_cast<size_t>((p - r - 1) * m + k)];
          const int64_t out_r = row * (p * k + r) + q, out_v = row * (p * k + p - r) + q;
          *reinterpret_cast<U*>(yr + out_r) = ur * tr - ui * ti;
          *reinterpret_cast<U*>(yi + out_r) = ur * ti + ui * tr;
          *reinterpret_cast<U*>(yr + out_v) = vr * tvr - vi * tvi;
          *reinterpret_cast<U*>(yi + out_v) = vr * tvi + vi * tvr;
        }
      });
    }
  }

  // Bluestein: X[k] = c[k] * sum_j (x[j] c[j]) conj(c[k - j]), c[j] = exp(-pi*i*j^2/n),
  // the sum a circular convolution of power-of-two length >= 2n - 1.
  void InitBluestein() {
    bluestein_ = true;
    int64_t m = 1;
    while (m < 2 * n_ - 1) m *= 2;
    conv_ = std::make_unique<Plan<S>>(m);
    // The kernel conj(c[j]) at j and m - j, transformed once and scaled by
    // 1/m, in double whatever S (then rounded once): in float its own
    // transform's error added to the two per call (DUCC's way; ours then
    // measured at TF's error, median 0.99x at n = 509, and 0.83x this way).
    std::vector<double> kre(static_cast<size_t>(m), 0.0), kim(static_cast<size_t>(m), 0.0);
    chirp_re_.resize(static_cast<size_t>(n_));
    chirp_im_.resize(static_cast<size_t>(n_));
    for (int64_t j = 0; j < n_; ++j) {
      // j^2 mod 2n keeps the angle small and exact.
      const auto j2 = static_cast<int64_t>((static_cast<unsigned __int128>(j) * static_cast<unsigned __int128>(j)) %
                                           static_cast<unsigned __int128>(2 * n_));
      const Complex c = Root(j2, 2 * n_);
      chirp_re_[static_cast<size_t>(j)] = static_cast<S>(c.real());
      chirp_im_[static_cast<size_t>(j)] = static_cast<S>(c.imag());
      if constexpr (std::is_same_v<S, float>) {
        chirp_wide_re_.push_back(c.real());
        chirp_wide_im_.push_back(c.imag());
      }
      kre[static_cast<size_t>(j)] = c.real();
      kim[static_cast<size_t>(j)] = -c.imag();
      if (j > 0) {
        kre[static_cast<size_t>(m - j)] = c.real();
        kim[static_cast<size_t>(m - j)] = -c.imag();
      }
    }
    Workspace<double> ws;
    Plan<double>(m).template TransformBaseline<1>(kre.data(), kim.data(), false, &ws);
    kernel_re_.resize(static_cast<size_t>(m));
    kernel_im_.resize(static_cast<size_t>(m));
    for (int64_t k = 0; k < m; ++k) {
      kernel_re_[static_cast<size_t>(k)] = static_cast<S>(kre[static_cast<size_t>(k)] / static_cast<double>(m));
      kernel_im_[static_cast<size_t>(k)] = static_cast<S>(kim[static_cast<size_t>(k)] / static_cast<double>(m));
    }
  }

  // The inverse convolution transform is the forward one between two
  // conjugations, folded into the kernel product (which stores the conjugate)
  // and the last chirp product (which reads it): negation is exact, so the
  // bits are those of a separate Negate pass. Neither transform copies its
  // result back. Only the padding is zeroed: the chirp product fills the rest.
  template <int L, int Wide>
  OPBRIDGE_FFT_INLINE void Bluestein(S* re, S* im, Workspace<S>* ws, double scale) const {
    const int64_t m = conv_->size();
    S* ai;
    S* ar = ws->bluestein.Get(static_cast<size_t>(m) * L, &ai);
    std::fill(ar + n_ * L, ar + m * L, S(0));
    std::fill(ai + n_ * L, ai + m * L, S(0));
    // The lanes of an element are contiguous: the loops over them run on
    // the passes' column vectors, each lane with the same operations.
    for (int64_t j = 0; j < n_; ++j) {
      const S cr = chirp_re_[static_cast<size_t>(j)], ci = chirp_im_[static_cast<size_t>(j)];
      const int64_t o = j * L;
      OverRow<Wide>(L, [&](auto cols, int64_t l) __attribute__((always_inline)) {
        using C = decltype(cols);
        using T = typename C::type;
        const T xr = ColsAt<C>(re + o + l), xi = ColsAt<C>(im + o + l);
        ColsAt<C>(ar + o + l) = T(xr * cr - xi * ci);
        ColsAt<C>(ai + o + l) = T(xr * ci + xi * cr);
      });
    }
    // The power-of-two plan uses only ws->passes.
    S* fr;
    S* fi;
    conv_->template Stockham<L, Wide, true, false>(ar, ai, ws, &fr, &fi);
    for (int64_t k = 0; k < m; ++k) {
      const S kr = kernel_re_[static_cast<size_t>(k)], ki = kernel_im_[static_cast<size_t>(k)];
      const int64_t o = k * L;
      OverRow<Wide>(L, [&](auto cols, int64_t l) __attribute__((always_inline)) {
        using C = decltype(cols);
        using T = typename C::type;
        const T xr = ColsAt<C>(fr + o + l), xi = ColsAt<C>(fi + o + l);
        ColsAt<C>(ar + o + l) = T(xr * kr - xi * ki);
        ColsAt<C>(ai + o + l) = T(-(xr * ki + xi * kr));
      });
    }
    conv_->template Stockham<L, Wide, false, true>(ar, ai, ws, &fr, &fi);
    for (int64_t k = 0; k < n_; ++k) {
      const int64_t o = k * L;
      if constexpr (std::is_same_v<S, float>) {
        // In double, with the caller's scale, rounded once: in float this
        // product's rounding was a fifth of the error left against a float64
        // reference (measured at n = 509, where TF's DUCC kernel runs this
        // algorithm in float), and scaling after it rounded again.
        const double cr = chirp_wide_re_[static_cast<size_t>(k)] * scale;
        const double ci = chirp_wide_im_[static_cast<size_t>(k)] * scale;
        // Vectors of double as wide as the passes' (float vectors of as many
        // values widened): wider ones went through the stack.
        constexpr int kWidth = Cols<double, Wide>::kWidth;
        typedef float FV __attribute__((vector_size(kWidth * sizeof(float))));
        typedef float FU __attribute__((vector_size(kWidth * sizeof(float)), aligned(sizeof(float)), may_alias));
        using DV = typename Cols<double, Wide>::type;
        int l = 0;
        for (; l + kWidth <= L; l += kWidth) {
          const DV xr = __builtin_convertvector(*reinterpret_cast<const FU*>(fr + o + l), DV);
          const DV xi = -__builtin_convertvector(*reinterpret_cast<const FU*>(fi + o + l), DV);
          *reinterpret_cast<FU*>(re + o + l) = __builtin_convertvector(DV(xr * cr - xi * ci), FV);
          *reinterpret_cast<FU*>(im + o + l) = __builtin_convertvector(DV(xr * ci + xi * cr), FV);
        }
        for (; l < L; ++l) {
          const double xr = fr[o + l], xi = -static_cast<double>(fi[o + l]);
          re[o + l] = static_cast<float>(xr * cr - xi * ci);
          im[o + l] = static_cast<float>(xr * ci + xi * cr);
        }
      } else {
        const S cr = chirp_re_[static_cast<size_t>(k)], ci = chirp_im_[static_cast<size_t>(k)];
        OverRow<Wide>(L, [&](auto cols, int64_t l) __attribute__((always_inline)) {
          using C = decltype(cols);
          using T = typename C::type;
          const T xr = ColsAt<C>(fr + o + l), xi = -ColsAt<C>(fi + o + l);
          ColsAt<C>(re + o + l) = T(xr * cr - xi * ci);
          ColsAt<C>(im + o + l) = T(xr * ci + xi * cr);
        });
      }
    }
  }

  int64_t n_;
  std::vector<Pass> passes_;
  bool bluestein_ = false;
  std::unique_ptr<Plan<S>> conv_;
  std::vector<S> chirp_re_, chirp_im_;
  std::vector<double> chirp_wide_re_, chirp_wide_im_;  // the chirp unrounded (float plans)
  std::vector<S> kernel_re_, kernel_im_;
};

// The instantiations fft_transforms.cc provides.
extern template void Plan<float>::Transform<1>(float*, float*, bool, Workspace<float>*, double) const;
extern template void Plan<float>::Transform<kLanes>(float*, float*, bool, Workspace<float>*, double) const;
extern template void Plan<float>::Transform<2 * kLanes>(float*, float*, bool, Workspace<float>*, double) const;
extern template void Plan<double>::Transform<1>(double*, double*, bool, Workspace<double>*, double) const;
extern template void Plan<double>::Transform<kLanes>(double*, double*, bool, Workspace<double>*, double) const;
extern template void Plan<double>::TransformBaseline<1>(double*, double*, bool, Workspace<double>*, double) const;

// Per-thread buffers of a RealInversePlan.
template <typename S>
struct RealWorkspace {
  SplitArrays<S> split;  // the complex sequences the plan transforms
  Workspace<S> inner;
};

// Inverse real DFT of length n from the n/2 + 1 Hermitian half (unscaled):
// out[t] = sum_k Z[k] exp(2*pi*i*k*t/n), Z the Hermitian extension of the
// half. Like TF's kernel (pocketfft's c2r) it ignores the imaginary parts of
// the DC bin and, for even n, of the Nyquist bin.
template <typename In, typename S>  // In: std::complex<float> or std::complex<double>
class RealInversePlan {
 public:
  explicit RealInversePlan(int64_t n) : n_(n), plan_(n % 2 == 0 ? n / 2 : n) {
    if (n_ % 2 == 0) {
      const int64_t m = n_ / 2;
      for (int64_t k = 0; k < m; ++k) {
        const double angle = 2.0 * M_PI * static_cast<double>(k) / static_cast<double>(n_);
        rot_re_.push_back(static_cast<S>(std::cos(angle)));
        rot_im_.push_back(static_cast<S>(std::sin(angle)));
      }
    }
  }

  // L sequences at once: lane l reads its n/2 + 1 values from half +
  // l * half_stride and writes n reals to out + l * out_stride, multiplied
  // by `scale`. Give each thread its own workspace.
  template <int L, typename Out>
  void Transform(const In* half, int64_t half_stride, Out* out, int64_t out_stride, S scale,
                 RealWorkspace<S>* ws) const {
    if (n_ == 0) return;
    if (n_ == 1) {
      for (int l = 0; l < L; ++l) out[l * out_stride] = static_cast<Out>(half[l * half_stride].real() * scale);
      return;
    }
#if defined(__x86_64__)
    if (math::UseAvx2()) {
      TransformAvx2<L>(half, half_stride, out, out_stride, scale, ws);
      return;
    }
#endif
    Run<L, 16>(half, half_stride, out, out_stride, scale, ws);
  }

 private:
#if defined(__x86_64__)
  template <int L, typename Out>
  __attribute__((target("avx2"), noinline)) void TransformAvx2(const In* half, int64_t half_stride, Out* out,
                                                               int64_t out_stride, S scale,
                                                               RealWorkspace<S>* ws) const {
    Run<L, 32>(half, half_stride, out, out_stride, scale, ws);
  }
#endif

  // The lane loops run on column vectors over the L lanes (fft::Cols): the
  // same operations per value as one lane at a time.
  template <int L, int Wide, typename Out>
  OPBRIDGE_FFT_INLINE void Run(const In* half, int64_t half_stride, Out* out, int64_t out_stride, S scale,
                               RealWorkspace<S>* ws) const {
    if (n_ % 2 == 0) {
      // Even n = 2m: x[2t] + i*x[2t+1] = IDFT_m(E + iO)[t] with
      // E[k] = Z[k] + Z[k+m], O[k] = (Z[k] - Z[k+m]) * exp(2*pi*i*k/n),
      // and Z[k+m] = conj(half[m-k]) for 0 < k < m, Z[m] = half[m].
      const int64_t m = n_ / 2;
      S* ci;
      S* cr = ws->split.Get(static_cast<size_t>(m) * L, &ci);
      // Eight complex64 rows in and float rows out through 8x8 register
      // transposes (real_inverse_lanes.h): k from 1 and t from 0, four at a
      // time; the scalar loops do the rest. That path also keeps the inverse
      // DFT's conjugations (Plan::Run negates the imaginary parts before and
      // after a forward DFT) in its own loops, negating as it stores and
      // loads: the same values, two passes over the array fewer.
#if defined(__x86_64__)
      constexpr bool kFloatRows = Wide >= 32 && L == 8 && std::is_same_v<S, float> &&
                                  std::is_same_v<In, std::complex<float>> && std::is_same_v<Out, float>;
#else
      constexpr bool kFloatRows = false;
#endif
      int64_t untangled_end = 1;
#if defined(__x86_64__)
      if constexpr (kFloatRows) {
        untangled_end = inverse_lanes::Untangle8(half, half_stride, m, rot_re_.data(), rot_im_.data(), cr, ci);
      }
#endif
      for (int64_t k = 0; k < m; ++k) {
        if (k == 1) k = untangled_end;
        if (k >= m) break;
        const S wr = rot_re_[static_cast<size_t>(k)], wi = rot_im_[static_cast<size_t>(k)];
        // Scalar: lane vectors built from the rows' values would go through
        // memory, and wide loads of narrow stores stall store forwarding.
        for (int l = 0; l < L; ++l) {
          const In* h = half + l * half_stride;
          const S lo_r = static_cast<S>(h[k].real());
          const S lo_i = k == 0 ? S(0) : static_cast<S>(h[k].imag());
          const S hi_r = static_cast<S>(h[m - k].real());
          const S hi_i = k == 0 ? S(0) : -static_cast<S>(h[m - k].imag());
          const S dr = lo_r - hi_r, di = lo_i - hi_i;
          const S odd_r = dr * wr - di * wi, odd_i = dr * wi + di * wr;
          cr[k * L + l] = lo_r + hi_r - odd_i;
          const S c_im = lo_i + hi_i + odd_r;
          ci[k * L + l] = kFloatRows ? -c_im : c_im;
        }
      }
      plan_.template Transform<L>(cr, ci, !kFloatRows, &ws->inner);
      int64_t t = 0;
#if defined(__x86_64__)
      if constexpr (kFloatRows) t = inverse_lanes::Interleave8(cr, ci, m, scale, out, out_stride);
#endif
      for (; t < m; ++t) {
        S even[L], odd[L];
        ForCols<S, Wide>(L, [&](auto cols, int64_t q) __attribute__((always_inline)) {
          using C = decltype(cols);
          using T = typename C::type;
          ColsAt<C>(even + q) = T(ColsAt<C>(cr + t * L + q) * scale);
          const T c_im = ColsAt<C>(ci + t * L + q);
          ColsAt<C>(odd + q) = T((kFloatRows ? -c_im : c_im) * scale);
        });
        for (int l = 0; l < L; ++l) {
          Out* o = out + l * out_stride;
          o[2 * t] = static_cast<Out>(even[l]);
          o[2 * t + 1] = static_cast<Out>(odd[l]);
        }
      }
      return;
    }
    // Odd n: the full Hermitian spectrum through a complex inverse DFT.
    S* zi;
    S* zr = ws->split.Get(static_cast<size_t>(n_) * L, &zi);
    for (int l = 0; l < L; ++l) {
      const In* h = half + l * half_stride;
      zr[l] = static_cast<S>(h[0].real());
      zi[l] = S(0);
      for (int64_t k = 1; k <= n_ / 2; ++k) {
        zr[k * L + l] = zr[(n_ - k) * L + l] = static_cast<S>(h[k].real());
        zi[k * L + l] = static_cast<S>(h[k].imag());
        zi[(n_ - k) * L + l] = -static_cast<S>(h[k].imag());
      }
    }
    plan_.template Transform<L>(zr, zi, true, &ws->inner);
    for (int l = 0; l < L; ++l) {
      Out* o = out + l * out_stride;
      for (int64_t t = 0; t < n_; ++t) o[t] = static_cast<Out>(zr[t * L + l] * scale);
    }
  }

 private:
  int64_t n_;
  Plan<S> plan_;
  std::vector<S> rot_re_, rot_im_;
};

// Forward real DFT of length n (unscaled): the n/2 + 1 bins
// X[k] = sum_t x[t] exp(-2*pi*i*k*t/n), 0 <= k <= n/2.
template <typename S>
class RealForwardPlan {
 public:
  explicit RealForwardPlan(int64_t n) : n_(n), plan_(n % 2 == 0 ? n / 2 : n) {
    if (n_ % 2 == 0) {
      for (int64_t k = 0; k <= n_ / 2; ++k) {
        const double angle = -2.0 * M_PI * static_cast<double>(k) / static_cast<double>(n_);
        rot_re_.push_back(static_cast<S>(std::cos(angle)));
        rot_im_.push_back(static_cast<S>(std::sin(angle)));
      }
    }
  }

  int64_t size() const { return n_; }

  // L sequences at once: lane l reads n reals from in[l] and writes n/2 + 1
  // bins to out[l] (std::complex of any precision: a float tensor may be
  // transformed in double). Give each thread its own workspace.
  template <int L, typename In, typename Out>
  void Transform(const In* const* in, Out* const* out, RealWorkspace<S>* ws) const {
    using R = typename Out::value_type;
    if (n_ == 0) return;
    if (n_ == 1) {
      for (int l = 0; l < L; ++l) out[l][0] = Out(static_cast<R>(in[l][0]), R(0));
      return;
    }
#if defined(__x86_64__)
    if (math::UseAvx2()) {
      TransformAvx2<L>(in, out, ws);
      return;
    }
#endif
    Run<L, 16>(in, out, ws);
  }

 private:
#if defined(__x86_64__)
  template <int L, typename In, typename Out>
  __attribute__((target("avx2"), noinline)) void TransformAvx2(const In* const* in, Out* const* out,
                                                               RealWorkspace<S>* ws) const {
    Run<L, 32>(in, out, ws);
  }
#endif

  // The lane loops run on column vectors over the L lanes (fft::Cols): the
  // same operations per value as one lane at a time.
  template <int L, int Wide, typename In, typename Out>
  OPBRIDGE_FFT_INLINE void Run(const In* const* in, Out* const* out, RealWorkspace<S>* ws) const {
    using R = typename Out::value_type;
    if (n_ % 2 == 0) {
      // Even n = 2m: Z = DFT_m(x[2t] + i*x[2t+1]) holds the DFTs of the even
      // and odd samples, E[k] = (Z[k] + conj(Z[m-k]))/2 and
      // O[k] = -i*(Z[k] - conj(Z[m-k]))/2, and X[k] = E[k] + exp(-2*pi*i*k/n) * O[k].
      const int64_t m = n_ / 2;
      S* zi;
      S* zr = ws->split.Get(static_cast<size_t>(m) * L, &zi);
      // Four float rows in and out through register transposes (real_lanes.h).
      constexpr bool kFloatRows = Wide >= 32 && L == 4 && std::is_same_v<S, double> && std::is_same_v<In, float> &&
                                  std::is_same_v<Out, std::complex<float>>;
      int64_t t = 0;
#if defined(__x86_64__)
      if constexpr (kFloatRows) t = lanes::GatherEvenOdd(in, m, zr, zi);
#endif
      for (; t < m; ++t) {
        for (int l = 0; l < L; ++l) {
          zr[t * L + l] = static_cast<S>(in[l][2 * t]);
          zi[t * L + l] = static_cast<S>(in[l][2 * t + 1]);
        }
      }
      plan_.template Transform<L>(zr, zi, false, &ws->inner);
      S pair_re[2 * L], pair_im[2 * L];  // bins k - 1 and k, for the paired stores
      // Bins [2, paired_end) untangled in pairs on AVX-512 (real_lanes.h).
      int64_t paired_end = 2;
#if defined(__x86_64__)
      if constexpr (kFloatRows) {
        if (math::UseAvx512()) paired_end = lanes::UntangleBinPairs(zr, zi, rot_re_.data(), rot_im_.data(), m, out);
      }
#endif
      for (int64_t k = 0; k <= m; ++k) {
        if (k == 2) k = paired_end;
        const int64_t lo = k == m ? 0 : k, hi = k == 0 ? 0 : m - k;
        const S wr = rot_re_[static_cast<size_t>(k)], wi = rot_im_[static_cast<size_t>(k)];
        S* xr = pair_re + (k & 1) * L;
        S* xi = pair_im + (k & 1) * L;
        ForCols<S, Wide>(L, [&](auto cols, int64_t q) __attribute__((always_inline)) {
          using C = decltype(cols);
          using T = typename C::type;
          const T a = ColsAt<C>(zr + lo * L + q), b = ColsAt<C>(zi + lo * L + q);
          const T c = ColsAt<C>(zr + hi * L + q), d = -ColsAt<C>(zi + hi * L + q);
          const T er = (a + c) * S(0.5), ei = (b + d) * S(0.5);
          const T orr = (b - d) * S(0.5), oi = (c - a) * S(0.5);
          ColsAt<C>(xr + q) = T(er + (orr * wr - oi * wi));
          ColsAt<C>(xi + q) = T(ei + (orr * wi + oi * wr));
        });
        if constexpr (kFloatRows) {
          if (k & 1) {
            lanes::ScatterTwoBins(pair_re, pair_im, k - 1, out);
            continue;
          }
          if (k < m) continue;  // stored with bin k + 1
        }
        for (int l = 0; l < L; ++l) out[l][k] = Out(static_cast<R>(xr[l]), static_cast<R>(xi[l]));
      }
      return;
    }
    // Odd n: the complex DFT of the real sequence.
    S* zi;
    S* zr = ws->split.Get(static_cast<size_t>(n_) * L, &zi);
    for (int l = 0; l < L; ++l) {
      for (int64_t t = 0; t < n_; ++t) {
        zr[t * L + l] = static_cast<S>(in[l][t]);
        zi[t * L + l] = S(0);
      }
    }
    plan_.template Transform<L>(zr, zi, false, &ws->inner);
    for (int l = 0; l < L; ++l) {
      for (int64_t k = 0; k <= n_ / 2; ++k) out[l][k] = Out(static_cast<R>(zr[k * L + l]), static_cast<R>(zi[k * L + l]));
    }
  }

 private:
  int64_t n_;
  Plan<S> plan_;
  std::vector<S> rot_re_, rot_im_;
};

// Plans are built once per length and shared (they are read-only after
// construction; each thread brings its own workspace). Twiddles cost a cos and
// a sin per point, more than a small batch's transform. Lengths above
// kMaxCachedLength are built per call, and the cache is emptied when it holds
// kMaxCachedPlans of a kind, so that odd lengths cannot grow it without bound.
constexpr int64_t kMaxCachedLength = int64_t{1} << 20;
constexpr size_t kMaxCachedPlans = 64;

template <typename P>
std::shared_ptr<const P> SharedPlan(int64_t n) {
  if (n > kMaxCachedLength) return std::make_shared<const P>(n);
  static std::mutex mutex;
  static std::map<int64_t, std::shared_ptr<const P>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  if (cache.size() >= kMaxCachedPlans) cache.clear();
  auto plan = std::make_shared<const P>(n);
  cache.emplace(n, plan);
  return plan;
}

}  // namespace fft
}  // namespace opbridge
