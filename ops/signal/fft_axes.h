// Complex DFTs along one axis of a row-major complex buffer, in place, for the
// multi-dimensional transforms (FFT2D/3D, RFFT2D/3D): the buffer is
// [outer, len, stride] and each of the outer * stride lines of `len` values
// (`stride` apart) is transformed, fft::kLanes lines at a time (consecutive
// lines are adjacent in memory, so a group reads whole cache lines).
// Both precisions are transformed in double (see TransformAxis).
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "fft.h"
#include "opbridge/op.h"

namespace opbridge {
namespace fft {

// W: the arithmetic type (float or double), Real: the buffer's.
template <typename W, typename Real>
void TransformAxisIn(const KernelContext& ctx, std::complex<Real>* data, int64_t outer, int64_t len,
                     int64_t stride, bool inverse, double scale) {
  const int64_t lines = outer * stride;
  const std::shared_ptr<const Plan<W>> plan = SharedPlan<Plan<W>>(len);
  const auto line_base = [&](int64_t l) { return data + (l / stride) * len * stride + l % stride; };
  const int64_t groups = (lines + kLanes - 1) / kLanes;
  ctx.ParallelFor(groups, len * 40 * kLanes, [&](int64_t begin, int64_t end) {
    std::vector<W> split(2 * static_cast<size_t>(len) * kLanes + kGap);
    W* re = split.data();
    W* im = re + len * kLanes + kGap;
    Workspace<W> ws;
    const auto run = [&](int64_t first, auto lanes) {
      constexpr int L = decltype(lanes)::value;
      for (int l = 0; l < L; ++l) {
        const std::complex<Real>* base = line_base(first + l);
        for (int64_t k = 0; k < len; ++k) {
          re[k * L + l] = static_cast<W>(base[k * stride].real());
          im[k * L + l] = static_cast<W>(base[k * stride].imag());
        }
      }
      plan->template Transform<L>(re, im, inverse, &ws);
      if (scale != 1.0) {
        for (int64_t i = 0; i < len * L; ++i) {
          re[i] *= static_cast<W>(scale);
          im[i] *= static_cast<W>(scale);
        }
      }
      for (int l = 0; l < L; ++l) {
        std::complex<Real>* base = line_base(first + l);
        for (int64_t k = 0; k < len; ++k) {
          base[k * stride] = std::complex<Real>(static_cast<Real>(re[k * L + l]), static_cast<Real>(im[k * L + l]));
        }
      }
    };
    for (int64_t g = begin; g < end; ++g) {
      const int64_t first = g * kLanes;
      if (first + kLanes <= lines) {
        run(first, std::integral_constant<int, kLanes>());
      } else {
        for (int64_t l = first; l < lines; ++l) run(l, std::integral_constant<int, 1>());
      }
    }
  });
}

// In double for both precisions: float arithmetic (TF's DUCC kernel computes
// complex64 in float) left errors up to 2.5x TF's against a float64 reference
// (direct radices and Bluestein's convolution at primes, the real-input
// untangling at small even lengths); in double a float output is rounded once.
// `scale` multiplies the results before they are rounded to Real.
template <typename Real>
void TransformAxis(const KernelContext& ctx, std::complex<Real>* data, int64_t outer, int64_t len, int64_t stride,
                   bool inverse, double scale = 1.0) {
  if (outer * stride == 0) return;
  TransformAxisIn<double>(ctx, data, outer, len, stride, inverse, scale);
}

}  // namespace fft
}  // namespace opbridge
