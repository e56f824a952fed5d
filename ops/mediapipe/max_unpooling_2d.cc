// MaxUnpooling2D: the TFLite custom op of two writers, both with a raw
// TfLitePoolParams as options (pool_params.h), told apart by the mask's type:
//
// - MediaPipe (mask float32, from its MaxPoolingWithArgmax2D): each mask value
//   is the argmax's position inside its pooling window, fy * filter_width + fx
//   (+0.1 so that truncation recovers it). Output [N, H*filter_h, W*filter_w, C];
//   update (b, y, x, c) is written (not added) at
//   (y*stride_h - pad_h + fy, x*stride_w - pad_w + fx), pad from TFLite's
//   ComputePadding; destinations outside the output (and NaN/inf masks) are
//   skipped, as MediaPipe's kernel skips them; later updates overwrite earlier
//   ones in (b, y, x, c) order. The activation is read but not applied, as in
//   MediaPipe's kernel.
//   The runtimes' XNNPACK delegate runs MaxPoolingWithArgmax2D itself when it
//   can, and writes the window position as raw uint32 bits, column-major
//   (fx * filter_h + fy), into the float tensor; LiteRT 2.3 then leaves the
//   MaxUnpooling2D after it to us. Such bits are zero or subnormal floats,
//   which MediaPipe's encoding (>= 0.1) never produces: they are read as
//   XNNPACK's positions.
// - The TFLite converter (mask int32/int64): a tf.function declared with
//   experimental_implements "addons:MaxUnpooling2D" (TF Addons'
//   MaxUnpooling2D) becomes this op. The mask is tf.nn.max_pool_with_argmax's
//   flat index; as TF Addons' function: mask cast to int32, output
//   [N, H*s_h, W*s_w, C] (SAME) or [N, (H-1)*s_h + f_h, (W-1)*s_w + f_w, C]
//   (VALID), update (b, y, x, c) added at (b, mask // (W_out*C),
//   (mask // C) % W_out, c) (floor division), an out-of-range row an error
//   as in TF's scatter_nd.
#include <cstring>
#include <vector>

#include "pool_params.h"

namespace opbridge {
namespace {

using pooling::Nhwc;

// Bit pattern of FLT_MIN: positive floats below it are zero or subnormal.
constexpr uint32_t kSmallestNormal = 0x00800000u;

bool MediaPipeMask(DType mask) { return mask == DType::kFloat32; }

Status OutputSize(const pooling::PoolParams& p, bool mediapipe, int64_t h, int64_t w, int64_t* out_h,
                  int64_t* out_w) {
  if (mediapipe) {
    *out_h = h * p.filter_h;
    *out_w = w * p.filter_w;
  } else {
    OPBRIDGE_REQUIRE(p.padding != pooling::Padding::kUnknown, "padding must be SAME or VALID for an integer mask (TF Addons' "
                     "MaxUnpooling2D), got UNKNOWN");
    const bool same = p.padding == pooling::Padding::kSame;
    *out_h = h == 0 ? 0 : same ? h * p.stride_h : (h - 1) * p.stride_h + p.filter_h;
    *out_w = w == 0 ? 0 : same ? w * p.stride_w : (w - 1) * p.stride_w + p.filter_w;
  }
  OPBRIDGE_RETURN_IF_ERROR(pooling::CheckDim(*out_h, "output height"));
  return pooling::CheckDim(*out_w, "output width");
}

Status UnpoolShape(ShapeContext& ctx, const pooling::PoolParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 4));
  for (int d = 0; d < 4; ++d) OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(1, d, 0, d));
  const Shape& in = ctx.input(0);
  int64_t out_h, out_w;
  OPBRIDGE_RETURN_IF_ERROR(OutputSize(p, MediaPipeMask(ctx.input_dtype(1)), in.dim(1), in.dim(2), &out_h, &out_w));
  ctx.set_output(0, Shape({in.dim(0), out_h, out_w, in.dim(3)}));
  return Status::Ok();
}

Status UnpoolMediaPipe(KernelContext& ctx, const pooling::PoolParams& p) {
  const ConstTensor& in = ctx.input(0);
  const Tensor& output = ctx.output(0);
  const int64_t batch = in.dim(0), h = in.dim(1), w = in.dim(2), c = in.dim(3);
  const int64_t out_h = output.dim(1), out_w = output.dim(2);
  const int64_t pad_h = pooling::ComputePadding(p.stride_h, out_h, p.filter_h, h);
  const int64_t pad_w = pooling::ComputePadding(p.stride_w, out_w, p.filter_w, w);
  const Nhwc in_at{h, w, c}, out_at{out_h, out_w, c};
  const float* updates = in.data<float>();
  const float* mask = ctx.input(1).data<float>();
  float* out = output.data<float>();
  std::fill(out, out + output.num_elements(), 0.0f);
  ctx.ParallelFor(batch, h * w * c * 6 + 50, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      for (int64_t y = 0; y < h; ++y) {
        for (int64_t x = 0; x < w; ++x) {
          for (int64_t ch = 0; ch < c; ++ch) {
            const int64_t i = in_at(b, y, x, ch);
            const float value = mask[i];
            uint32_t bits;
            std::memcpy(&bits, &value, sizeof(bits));
            int64_t fy, fx;
            if (bits < kSmallestNormal) {
              fx = bits / p.filter_h;  // XNNPACK's uint32 position
              fy = bits % p.filter_h;
            } else {
              // MediaPipe converts with int(value); NaN and out-of-int values name no window position.
              if (!(value > -2147483648.0f && value < 2147483648.0f)) continue;
              const auto index = static_cast<int64_t>(static_cast<int32_t>(value));
              fy = index / p.filter_w;  // C++ truncation, as MediaPipe
              fx = index % p.filter_w;
            }
            const int64_t oy = y * p.stride_h - pad_h + fy, ox = x * p.stride_w - pad_w + fx;
            if (oy >= 0 && oy < out_h && ox >= 0 && ox < out_w) out[out_at(b, oy, ox, ch)] = updates[i];
          }
        }
      }
    }
  });
  return Status::Ok();
}

template <typename Index>
Status UnpoolAddons(KernelContext& ctx) {
  const ConstTensor& in = ctx.input(0);
  const Tensor& output = ctx.output(0);
  const int64_t batch = in.dim(0), h = in.dim(1), w = in.dim(2), c = in.dim(3);
  const int64_t out_h = output.dim(1), out_w = output.dim(2);
  const Nhwc in_at{h, w, c}, out_at{out_h, out_w, c};
  OPBRIDGE_REQUIRE(out_w * c <= INT32_MAX, "output row of ", out_w * c, " values overflows TF Addons' int32 index");
  const float* updates = in.data<float>();
  const Index* mask = ctx.input(1).data<Index>();
  float* out = output.data<float>();
  std::fill(out, out + output.num_elements(), 0.0f);
  const auto floor_div = [](int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); };
  std::vector<Status> errors(static_cast<size_t>(batch));
  ctx.ParallelFor(batch, h * w * c * 8 + 50, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      for (int64_t y = 0; y < h; ++y) {
        for (int64_t x = 0; x < w; ++x) {
          for (int64_t ch = 0; ch < c; ++ch) {
            const int64_t i = in_at(b, y, x, ch);
            // tf.cast(mask, "int32") wraps int64 values modulo 2^32.
            const auto m = static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(mask[i])));
            const int64_t oy = floor_div(m, out_w * c);
            const int64_t q = floor_div(m, c);
            const int64_t ox = q - floor_div(q, out_w) * out_w;
            if (oy < 0 || oy >= out_h) {
              errors[static_cast<size_t>(b)] =
                  Errorf("mask value ", static_cast<int64_t>(mask[i]), " at [", b, ", ", y, ", ", x, ", ", ch,
                         "] points to output row ", oy, ", outside [0, ", out_h,
                         ") (TF Addons' scatter_nd fails on it too)");
              return;
            }
            out[out_at(b, oy, ox, ch)] += updates[i];
          }
        }
      }
    }
  });
  for (const Status& status : errors) OPBRIDGE_RETURN_IF_ERROR(status);
  return Status::Ok();
}

Status UnpoolKernel(KernelContext& ctx, const pooling::PoolParams& p) {
  switch (ctx.input(1).dtype()) {
    case DType::kFloat32: return UnpoolMediaPipe(ctx, p);
    case DType::kInt32: return UnpoolAddons<int32_t>(ctx);
    case DType::kInt64: return UnpoolAddons<int64_t>(ctx);
    default: return Errorf("mask has unsupported dtype ", DTypeName(ctx.input(1).dtype()));
  }
}

OPBRIDGE_REGISTER_OP(OpSpec("MaxUnpooling2D")
                         .Origin(OpOrigin::kTfLiteOnly)
                         .DefinedBy("MediaPipe; TFLite converter, TF Addons composite addons:MaxUnpooling2D")
                         .Doc("Unpools updates [N,H,W,C] by a mask of argmax positions: float mask = MediaPipe's "
                              "window positions, int mask = TF Addons' flat indices. Options: raw "
                              "TfLitePoolParams.")
                         .Input("updates: float")
                         .Input("mask: Tmask")
                         .Output("output: float")
                         .Attr("Tmask: {float, int32, int64}")
                         .Params<pooling::PoolParams>()
                         .OptionsDecoder(pooling::DecodePoolParams)
                         .ShapeRule(UnpoolShape)
                         .Kernel(UnpoolKernel));

}  // namespace
}  // namespace opbridge
