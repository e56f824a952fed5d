// DepthwiseConv2dNativeBackpropFilter: the gradient of DepthwiseConv2dNative
// with respect to its filter, which a converted training step leaves custom
// for every depthwise layer it trains. Options {T, strides, padding,
// explicit_paddings, data_format, dilations}.
//
//   input [N, H, W, C], filter_sizes (int32 [4] = [KH, KW, C, M]),
//   out_backprop [N, OH, OW, C * M] -> filter_backprop [KH, KW, C, M]
//   filter_backprop[i, j, c, m] = sum over (n, r, q) of
//       input[n, r * s + i - pad_top, q * s + j - pad_left, c] * out_backprop[n, r, q, c * M + m]
// with zeros outside the image, multiplied like any value (TF's kernel
// copies the input into a zero-padded buffer: 0 * inf is NaN there).
//
// Checks and texts are TF's (DepthwiseConv2dNativeBackpropFilterOp); its CPU
// kernel ignores dilations (measured), and so do we. NCHW and unequal
// strides run for float32 and bfloat16 (oneDNN's types in TF's x86 build).
// One work item per filter tap, summing every pixel in order in double
// (float for the 16-bit types) and rounding once: the same bits for any
// thread count. float32 with AVX2+FMA sums 4 output channels a step, the
// same bits (TapSumsAvx2).
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "../math/avx2_dispatch.h"
#include "conv_backprop.h"
#include "conv_geometry.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using nn::DepthwiseBackpropParams;

constexpr const char* kLabel = "DepthwiseConv2DBackpropFilter";

Status FilterShape(ShapeContext& ctx, const DepthwiseBackpropParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(p.CheckForType(ctx.input_dtype(0)));
  return nn::SizedOutputShape(ctx, 1, "filter_sizes", "Conv2DBackpropFilter");
}

#if defined(__x86_64__)
// The input values of output channels k..k+3 (k a multiple of 4): x[k..k+3]
// for M = 1, x[c], x[c], x[c+1], x[c+1] (c = k / 2) for M = 2.
__attribute__((target("avx2,fma"))) inline __m256d Spread(const float* px, int64_t k, int64_t mult) {
  if (mult == 1) return _mm256_cvtps_pd(_mm_loadu_ps(px + k));
  const __m128 pair = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(px + k / 2)));
  return _mm256_cvtps_pd(_mm_unpacklo_ps(pair, pair));
}

// One tap's sums for float32, multipliers 1 and 2: acc[k] = sum over the
// output pixels in order of x[c] * g[k] (k = c * M + m), in double. A float
// product is exact in double, so each FMA rounds as the scalar multiply-add
// does, and each element keeps its order of terms: the same bits as the
// scalar loop. 16 output channels at a time stay in 4 registers across all
// pixels; `zeros` (depth floats) stands for the pixels off the image.
__attribute__((target("avx2,fma"))) void TapSumsAvx2(const float* x, const float* dy, const nn::BackpropDims& d,
                                                      int64_t i, int64_t j, const float* zeros, double* acc) {
  const int64_t depth = d.in_depth, mult = d.filter_depth, out_depth = d.out_depth;
  const int64_t oh = d.out_rows, ow = d.out_cols;
  auto pixel = [&](int64_t n, int64_t r, int64_t q) -> const float* {
    const int64_t y = r * d.stride_rows + i - d.rows.pad_before, xx = q * d.stride_cols + j - d.cols.pad_before;
    return y >= 0 && y < d.in_rows && xx >= 0 && xx < d.in_cols ? x + ((n * d.in_rows + y) * d.in_cols + xx) * depth
                                                                 : zeros;
  };
  int64_t k = 0;
  for (; k + 16 <= out_depth; k += 16) {
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t n = 0; n < d.batch; ++n) {
      for (int64_t r = 0; r < oh; ++r) {
        for (int64_t q = 0; q < ow; ++q) {
          const float* px = pixel(n, r, q);
          const float* g = dy + ((n * oh + r) * ow + q) * out_depth + k;
          a0 = _mm256_fmadd_pd(Spread(px, k, mult), _mm256_cvtps_pd(_mm_loadu_ps(g)), a0);
          a1 = _mm256_fmadd_pd(Spread(px, k + 4, mult), _mm256_cvtps_pd(_mm_loadu_ps(g + 4)), a1);
          a2 = _mm256_fmadd_pd(Spread(px, k + 8, mult), _mm256_cvtps_pd(_mm_loadu_ps(g + 8)), a2);
          a3 = _mm256_fmadd_pd(Spread(px, k + 12, mult), _mm256_cvtps_pd(_mm_loadu_ps(g + 12)), a3);
        }
      }
    }
    _mm256_storeu_pd(acc + k, a0);
    _mm256_storeu_pd(acc + k + 4, a1);
    _mm256_storeu_pd(acc + k + 8, a2);
    _mm256_storeu_pd(acc + k + 12, a3);
  }
  if (k == out_depth) return;
  // The last channels (out_depth not a multiple of 16), one at a time.
  for (int64_t e = k; e < out_depth; ++e) acc[e] = 0.0;
  for (int64_t n = 0; n < d.batch; ++n) {
    for (int64_t r = 0; r < oh; ++r) {
      for (int64_t q = 0; q < ow; ++q) {
        const float* px = pixel(n, r, q);
        const float* g = dy + ((n * oh + r) * ow + q) * out_depth;
        for (int64_t e = k; e < out_depth; ++e) {
          acc[e] = _mm_cvtsd_f64(_mm_fmadd_sd(_mm_set_sd(static_cast<double>(px[e / mult])),
                                              _mm_set_sd(static_cast<double>(g[e])), _mm_set_sd(acc[e])));
        }
      }
    }
  }
}
#endif

template <typename T>
void Backprop(KernelContext& ctx, const nn::BackpropDims& d, const T* x, const T* dy, T* out) {
  using Acc = nn::WideAcc<T>;
  const int64_t depth = d.in_depth, mult = d.filter_depth, out_depth = d.out_depth;
  const int64_t oh = d.out_rows, ow = d.out_cols, taps = d.filter_rows * d.filter_cols;
  const int64_t cost = nn::ItemCost(static_cast<double>(d.batch * oh * ow * out_depth), taps);
  bool avx2 = false;
#if defined(__x86_64__)
  avx2 = std::is_same_v<T, float> && mult <= 2 && math::UseAvx2Fma();
#endif
  const std::vector<T> zeros(static_cast<size_t>(depth), T(0));
  ctx.ParallelFor(taps, cost, [&](int64_t begin, int64_t end) {
    std::vector<Acc> acc(static_cast<size_t>(out_depth));
    for (int64_t tap = begin; tap < end; ++tap) {
      const int64_t i = tap / d.filter_cols, j = tap % d.filter_cols;
#if defined(__x86_64__)
      if constexpr (std::is_same_v<T, float>) {
        if (avx2) {
          TapSumsAvx2(x, dy, d, i, j, zeros.data(), acc.data());
          T* dst = out + tap * out_depth;
          for (int64_t k = 0; k < out_depth; ++k) dst[k] = static_cast<T>(acc[static_cast<size_t>(k)]);
          continue;
        }
      }
#endif
      std::fill(acc.begin(), acc.end(), Acc(0));
      for (int64_t n = 0; n < d.batch; ++n) {
        for (int64_t r = 0; r < oh; ++r) {
          const int64_t y = r * d.stride_rows + i - d.rows.pad_before;
          const bool row_in = y >= 0 && y < d.in_rows;
          for (int64_t q = 0; q < ow; ++q) {
            const int64_t xx = q * d.stride_cols + j - d.cols.pad_before;
            const T* px = row_in && xx >= 0 && xx < d.in_cols ? x + ((n * d.in_rows + y) * d.in_cols + xx) * depth
                                                              : nullptr;
            const T* g = dy + ((n * oh + r) * ow + q) * out_depth;
            for (int64_t c = 0; c < depth; ++c) {
              const Acc v = px ? static_cast<Acc>(px[c]) : Acc(0);
              for (int64_t m = 0; m < mult; ++m) {
                acc[static_cast<size_t>(c * mult + m)] += v * static_cast<Acc>(g[c * mult + m]);
              }
            }
          }
        }
      }
      T* dst = out + tap * out_depth;
      for (int64_t k = 0; k < out_depth; ++k) dst[k] = static_cast<T>(acc[static_cast<size_t>(k)]);
    }
  });
}

Status FilterKernel(KernelContext& ctx, const DepthwiseBackpropParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& dy = ctx.input(2);
  OPBRIDGE_RETURN_IF_ERROR(p.CheckForType(input.dtype()));
  Shape filter;
  OPBRIDGE_RETURN_IF_ERROR(nn::SizesShape(ctx.input(1), "filter_sizes", "Conv2DBackpropFilter", &filter));
  nn::BackpropDims d;
  OPBRIDGE_RETURN_IF_ERROR(nn::DepthwiseBackpropDims(kLabel, p, input.shape(), filter, dy.shape(), &d));
  OPBRIDGE_RETURN_IF_ERROR(nn::AllocateSized(ctx, filter));
  const Tensor& output = ctx.output(0);
  // TF returns when out_backprop is empty, before its NHWC check: the filter
  // gradient is then left as allocated; opbridge gives zeros.
  if (output.num_elements() == 0) return Status::Ok();
  if (dy.num_elements() == 0) {
    return math::DispatchFloating(input.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      std::fill(output.data<T>(), output.data<T>() + output.num_elements(), T(0));
      return Status::Ok();
    });
  }
  OPBRIDGE_RETURN_IF_ERROR(nn::CheckDepthwiseFormat(p.data_format, input.dtype()));
  return math::DispatchFloating(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const nn::ChannelsLast<T> x(input.data<T>(), input.shape(), p.data_format);
    const nn::ChannelsLast<T> g(dy.data<T>(), dy.shape(), p.data_format);
    Backprop<T>(ctx, d, x.data(), g.data(), output.data<T>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("DepthwiseConv2dNativeBackpropFilter")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of DepthwiseConv2dNative with respect to its filter.")
                         .Input("input: T")
                         .Input("filter_sizes: int32")
                         .Input("out_backprop: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .Params<DepthwiseBackpropParams>()
                         .ShapeRule(FilterShape)
                         .Kernel(FilterKernel));

}  // namespace
}  // namespace opbridge
