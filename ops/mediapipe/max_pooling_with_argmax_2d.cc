// MaxPoolingWithArgmax2D: MediaPipe's TFLite custom op (segmentation and
// hand models pair it with MaxUnpooling2D). Options: a raw TfLitePoolParams
// (pool_params.h).
//
// As MediaPipe's kernel: output [N, out_h, out_w, C] with out = ceil(in /
// stride) (SAME) or (in - filter + stride) / stride (VALID); padding from
// TFLite's ComputePadding; each window clipped to the input; the maximum
// starts at the lowest float and moves only on a strictly greater value (the
// first maximum wins, NaN never does); the output is the maximum clamped to
// the fused activation's range (NONE/TANH/SIGN_BIT/SIGMOID: no clamp, RELU:
// [0, max], RELU6: [0, 6], RELU_N1_TO_1: [-1, 1]); indices hold the winner's
// position in its window, fy * filter_width + fx, plus 0.1 (float, so that
// MaxUnpooling2D's truncation recovers it).
#include <cstdint>
#include <limits>
#include <vector>

#include "../image/image_util.h"  // TakeLarger
#include "pool_params.h"

namespace opbridge {
namespace {

using pooling::Nhwc;

Status OutputSize(const pooling::PoolParams& p, int64_t in, int64_t filter, int64_t stride, int64_t* out) {
  OPBRIDGE_REQUIRE(p.padding != pooling::Padding::kUnknown, "padding must be SAME or VALID, got UNKNOWN");
  const bool same = p.padding == pooling::Padding::kSame;
  *out = same ? (in + stride - 1) / stride : (in - filter + stride) / stride;
  OPBRIDGE_REQUIRE(*out >= 0 && (same || in - filter + stride >= 0), "VALID pooling of size ",
                   in, " with window ", filter, " and stride ", stride, " has no output");
  return pooling::CheckDim(*out, "output size");
}

Status PoolShape(ShapeContext& ctx, const pooling::PoolParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  const Shape& in = ctx.input(0);
  int64_t out_h, out_w;
  OPBRIDGE_RETURN_IF_ERROR(OutputSize(p, in.dim(1), p.filter_h, p.stride_h, &out_h));
  OPBRIDGE_RETURN_IF_ERROR(OutputSize(p, in.dim(2), p.filter_w, p.stride_w, &out_w));
  ctx.set_output(0, Shape({in.dim(0), out_h, out_w, in.dim(3)}));
  ctx.set_output(1, Shape({in.dim(0), out_h, out_w, in.dim(3)}));
  return Status::Ok();
}

void ActivationRange(pooling::Activation activation, float* lo, float* hi) {
  *lo = std::numeric_limits<float>::lowest();
  *hi = std::numeric_limits<float>::max();
  if (activation == pooling::Activation::kRelu) {
    *lo = 0.0f;
  } else if (activation == pooling::Activation::kRelu6) {
    *lo = 0.0f;
    *hi = 6.0f;
  } else if (activation == pooling::Activation::kReluN1To1) {
    *lo = -1.0f;
    *hi = 1.0f;
  }
}

Status PoolKernel(KernelContext& ctx, const pooling::PoolParams& p) {
  const ConstTensor& in = ctx.input(0);
  const Tensor& output = ctx.output(0);
  const int64_t batch = in.dim(0), h = in.dim(1), w = in.dim(2), c = in.dim(3);
  const int64_t out_h = output.dim(1), out_w = output.dim(2);
  const int64_t pad_h = pooling::ComputePadding(p.stride_h, h, p.filter_h, out_h);
  const int64_t pad_w = pooling::ComputePadding(p.stride_w, w, p.filter_w, out_w);
  float lo, hi;
  ActivationRange(p.activation, &lo, &hi);
  const Nhwc in_at{h, w, c}, out_at{out_h, out_w, c};
  const float* src = in.data<float>();
  float* out = output.data<float>();
  float* indices = ctx.output(1).data<float>();
  ctx.ParallelFor(batch * out_h, out_w * c * p.filter_h * p.filter_w * 3 + 50, [&](int64_t begin, int64_t end) {
    // Channels innermost, as the data lie: each window position updates
    // every channel's running maximum (the same scan order per channel).
    std::vector<float> best(static_cast<size_t>(c));
    std::vector<int32_t> where(static_cast<size_t>(c));
    for (int64_t row = begin; row < end; ++row) {
      const int64_t b = row / out_h, oy = row % out_h;
      const int64_t y0 = oy * p.stride_h - pad_h;
      const int64_t fy_begin = std::max<int64_t>(0, -y0), fy_end = std::min(p.filter_h, h - y0);
      for (int64_t ox = 0; ox < out_w; ++ox) {
        const int64_t x0 = ox * p.stride_w - pad_w;
        const int64_t fx_begin = std::max<int64_t>(0, -x0), fx_end = std::min(p.filter_w, w - x0);
        std::fill(best.begin(), best.end(), std::numeric_limits<float>::lowest());
        std::fill(where.begin(), where.end(), 0);
        for (int64_t fy = fy_begin; fy < fy_end; ++fy) {
          for (int64_t fx = fx_begin; fx < fx_end; ++fx) {
            const float* values = src + in_at(b, y0 + fy, x0 + fx, 0);
            const auto position = static_cast<int32_t>(fy * p.filter_w + fx);
            image::TakeLarger(values, position, c, best.data(), where.data());
          }
        }
        const int64_t o = out_at(b, oy, ox, 0);
        for (int64_t ch = 0; ch < c; ++ch) {
          out[o + ch] = std::min(std::max(best[static_cast<size_t>(ch)], lo), hi);
          indices[o + ch] = static_cast<float>(where[static_cast<size_t>(ch)]) + 0.1f;
        }
      }
    }
  });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("MaxPoolingWithArgmax2D")
                         .Origin(OpOrigin::kTfLiteOnly)
                         .DefinedBy("MediaPipe")
                         .Doc("Max pooling [N,H,W,C] that also outputs each maximum's position in its window "
                              "(float, +0.1). Options: raw TfLitePoolParams.")
                         .Input("input: float")
                         .Output("output: float")
                         .Output("indices: float")
                         .Params<pooling::PoolParams>()
                         .OptionsDecoder(pooling::DecodePoolParams)
                         .ShapeRule(PoolShape)
                         .Kernel(PoolKernel));

}  // namespace
}  // namespace opbridge
