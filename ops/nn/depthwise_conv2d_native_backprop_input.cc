// DepthwiseConv2dNativeBackpropInput: the gradient of DepthwiseConv2dNative
// with respect to its input, which a converted training step leaves custom
// for every depthwise layer it backpropagates through. Options {T, strides,
// padding, explicit_paddings, data_format, dilations}.
//
//   input_sizes (int32 [4]), filter [KH, KW, C, M], out_backprop [N, OH, OW, C * M]
//   -> output [N, H, W, C]
//   output[n, y, x, c] = sum over taps (i, j) and m of
//       out_backprop[n, r, q, c * M + m] * filter[i, j, c, m]
//   where r * s + i - pad_top = y and q * s + j - pad_left = x.
//
// Checks and texts are TF's (DepthwiseConv2dNativeBackpropInputOp). Its CPU
// kernel ignores dilations (measured: any value gives the undilated
// result) and multiplies the taps no output pixel reaches by zero (a buffer
// padded with zeros), so an infinite weight gives NaN there: both kept.
// NCHW and unequal strides run for float32 and bfloat16, which TF's x86
// build hands to oneDNN. Each element sums in double (float for the 16-bit
// types, which TF sums in the type itself) and rounds once; float32 with
// AVX2+FMA 4 channels a step, the same bits (AccumulateTapAvx2).
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

using nn::DataFormat;
using nn::DepthwiseBackpropParams;

constexpr const char* kLabel = "DepthwiseConv2DBackpropInput";

Status InputShape(ShapeContext& ctx, const DepthwiseBackpropParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(p.CheckForType(ctx.input_dtype(1)));
  return nn::SizedOutputShape(ctx, 0, "input_sizes", "Conv2DBackpropInput");
}

// acc[c] += g[c * M + m] * w[c * M + m] for m = 0..M-1 in order, c < depth,
// in double: a float product is exact in double, so an FMA gives the same
// bits as a multiply then an add, and the lanes (channels) are independent:
// the same bits as the scalar loop. The AVX2 path takes float32 and M <= 2
// (any other M falls through to the scalar loop).
template <typename T, typename Acc>
void AccumulateTap(const T* g, const T* w, int64_t depth, int64_t mult, Acc* acc) {
  for (int64_t c = 0; c < depth; ++c) {
    Acc s = acc[c];
    for (int64_t m = 0; m < mult; ++m) s += static_cast<Acc>(g[c * mult + m]) * static_cast<Acc>(w[c * mult + m]);
    acc[c] = s;
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void AccumulateTapAvx2(const float* g, const float* w, int64_t depth,
                                                             int64_t mult, double* acc) {
  int64_t c = 0;
  if (mult == 1) {
    for (; c + 4 <= depth; c += 4) {
      const __m256d gv = _mm256_cvtps_pd(_mm_loadu_ps(g + c)), wv = _mm256_cvtps_pd(_mm_loadu_ps(w + c));
      _mm256_storeu_pd(acc + c, _mm256_fmadd_pd(gv, wv, _mm256_loadu_pd(acc + c)));
    }
  } else if (mult == 2) {
    for (; c + 4 <= depth; c += 4) {
      // Products of channels c..c+3, m = 0 then m = 1: de-interleave the pairs.
      const __m256d g0 = _mm256_cvtps_pd(_mm_loadu_ps(g + 2 * c)), g1 = _mm256_cvtps_pd(_mm_loadu_ps(g + 2 * c + 4));
      const __m256d w0 = _mm256_cvtps_pd(_mm_loadu_ps(w + 2 * c)), w1 = _mm256_cvtps_pd(_mm_loadu_ps(w + 2 * c + 4));
      const __m256d p0 = _mm256_mul_pd(g0, w0), p1 = _mm256_mul_pd(g1, w1);  // [c0m0 c0m1 c1m0 c1m1], [c2.. c3..]
      const __m256d lo = _mm256_permute4x64_pd(_mm256_unpacklo_pd(p0, p1), 0xD8);  // m = 0 of c..c+3
      const __m256d hi = _mm256_permute4x64_pd(_mm256_unpackhi_pd(p0, p1), 0xD8);  // m = 1
      _mm256_storeu_pd(acc + c, _mm256_add_pd(_mm256_add_pd(_mm256_loadu_pd(acc + c), lo), hi));
    }
  }
  AccumulateTap(g + c * mult, w + c * mult, depth - c, mult, acc + c);
}
#endif

template <typename T>
void Backprop(KernelContext& ctx, const nn::BackpropDims& d, const T* filter, const T* dy, T* out) {
  using Acc = nn::WideAcc<T>;
  const int64_t depth = d.in_depth, mult = d.filter_depth, out_depth = d.out_depth;
  const int64_t height = d.in_rows, width = d.in_cols, oh = d.out_rows, ow = d.out_cols;
  const int64_t taps = d.filter_rows * d.filter_cols;
  const int64_t cost = nn::ItemCost(static_cast<double>(width * taps * out_depth), d.batch * height);
  // The taps no output pixel reaches multiply zeros (TF's zero-padded buffer:
  // inf * 0 is NaN, and a +0 term can turn a -0 sum into +0).
  const std::vector<T> zeros(static_cast<size_t>(out_depth), T(0));
  bool avx2 = false;
#if defined(__x86_64__)
  avx2 = std::is_same_v<T, float> && mult <= 2 && math::UseAvx2Fma();
#endif
  ctx.ParallelFor(d.batch * height, cost, [&](int64_t begin, int64_t end) {
    std::vector<Acc> acc(static_cast<size_t>(depth));
    for (int64_t item = begin; item < end; ++item) {
      const int64_t n = item / height, y = item % height;
      for (int64_t x = 0; x < width; ++x) {
        std::fill(acc.begin(), acc.end(), Acc(0));
        for (int64_t i = 0; i < d.filter_rows; ++i) {
          const int64_t rs = y + d.rows.pad_before - i, r = rs / d.stride_rows;
          const bool row_hit = rs >= 0 && rs % d.stride_rows == 0 && r < oh;
          for (int64_t j = 0; j < d.filter_cols; ++j) {
            const int64_t qs = x + d.cols.pad_before - j, q = qs / d.stride_cols;
            const bool hit = row_hit && qs >= 0 && qs % d.stride_cols == 0 && q < ow;
            const T* w = filter + (i * d.filter_cols + j) * out_depth;
            const T* g = hit ? dy + ((n * oh + r) * ow + q) * out_depth : zeros.data();
#if defined(__x86_64__)
            if constexpr (std::is_same_v<T, float>) {
              if (avx2) {
                AccumulateTapAvx2(g, w, depth, mult, acc.data());
                continue;
              }
            }
#endif
            AccumulateTap(g, w, depth, mult, acc.data());
          }
        }
        T* dst = out + (item * width + x) * depth;
        for (int64_t c = 0; c < depth; ++c) dst[c] = static_cast<T>(acc[static_cast<size_t>(c)]);
      }
    }
  });
}

Status InputKernel(KernelContext& ctx, const DepthwiseBackpropParams& p) {
  const ConstTensor& filter = ctx.input(1);
  const ConstTensor& dy = ctx.input(2);
  OPBRIDGE_RETURN_IF_ERROR(p.CheckForType(dy.dtype()));
  Shape input;
  OPBRIDGE_RETURN_IF_ERROR(nn::SizesShape(ctx.input(0), "input_sizes", "Conv2DBackpropInput", &input));
  nn::BackpropDims d;
  OPBRIDGE_RETURN_IF_ERROR(nn::DepthwiseBackpropDims(kLabel, p, input, filter.shape(), dy.shape(), &d));
  OPBRIDGE_RETURN_IF_ERROR(nn::AllocateSized(ctx, input));
  const Tensor& output = ctx.output(0);
  if (output.num_elements() == 0) return Status::Ok();
  OPBRIDGE_RETURN_IF_ERROR(nn::CheckDepthwiseFormat(p.data_format, dy.dtype()));
  return math::DispatchFloating(dy.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const nn::ChannelsLast<T> g(dy.data<T>(), dy.shape(), p.data_format);
    if (p.data_format == DataFormat::kChannelsLast) {
      Backprop<T>(ctx, d, filter.data<T>(), g.data(), output.data<T>());
      return Status::Ok();
    }
    std::vector<T> out(static_cast<size_t>(output.num_elements()));
    Backprop<T>(ctx, d, filter.data<T>(), g.data(), out.data());
    nn::ToChannelsFirst(out.data(), d.batch, d.in_rows, d.in_cols, d.in_depth, output.data<T>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("DepthwiseConv2dNativeBackpropInput")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of DepthwiseConv2dNative with respect to its input.")
                         .Input("input_sizes: int32")
                         .Input("filter: T")
                         .Input("out_backprop: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .Params<DepthwiseBackpropParams>()
                         .ShapeRule(InputShape)
                         .Kernel(InputKernel));

}  // namespace
}  // namespace opbridge
