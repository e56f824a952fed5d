// Convolution2DTransposeBias: MediaPipe's transposed convolution with a bias
// input (mediapipe/util/tflite/operations/transpose_conv_bias.cc), used by its
// segmentation models. Options: a raw TfLiteTransposeConvParams (int32
// padding 0/1/2 = unknown/SAME/VALID, stride_width, stride_height; newer
// writers append the activation, which MediaPipe's kernel does not read).
//
//   input [N, H, W, Cin], weights [Cout, kh, kw, Cin] (OHWI), bias [Cout]
//   -> output [N, s_h*(H-1) + kh - pad_h, s_w*(W-1) + kw - pad_w, Cout]
// with pad = max(0, k - (in-1) % s - 1) for SAME, else 0; input pixel (y, x)
// adds input . weights[:, ky, kx, :] at (y*s_h - pad_h/2 + ky, x*s_w -
// pad_w/2 + kx), taps outside the output dropped, on top of the bias.
//
// Computed as a gather (each output pixel sums the taps that reach it), so
// output rows run in parallel; sums are accumulated in float, like MediaPipe's.
#include <cstdint>
#include <cstring>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace {

constexpr int64_t kMaxStride = 1 << 16;

Status DecodeParams(const uint8_t* data, size_t size, AttrMap* attrs) {
  constexpr size_t kSize = 3 * sizeof(int32_t);
  OPBRIDGE_REQUIRE(data != nullptr && size >= kSize, "custom options are ", size,
                   " bytes; a TfLiteTransposeConvParams struct needs at least ", kSize);
  int32_t fields[3];
  std::memcpy(fields, data, sizeof(fields));  // little-endian, as the writers store it
  OPBRIDGE_REQUIRE(fields[0] >= 0 && fields[0] <= 2, "TfLiteTransposeConvParams.padding is ", fields[0],
                   ", not a TfLitePadding (0 unknown, 1 same, 2 valid)");
  OPBRIDGE_REQUIRE(fields[1] <= kMaxStride && fields[2] <= kMaxStride, "stride ", fields[2], "x", fields[1],
                   " is beyond ", kMaxStride);
  const char* paddings[] = {"UNKNOWN", "SAME", "VALID"};
  attrs->Set("padding", std::string(paddings[fields[0]]));
  attrs->Set("stride_width", int64_t{fields[1]});
  attrs->Set("stride_height", int64_t{fields[2]});
  return Status::Ok();
}

struct Geometry {
  int64_t out, pad_before;
};

// MediaPipe's output size and leading padding along one axis.
Geometry Axis(int64_t in, int64_t kernel, int64_t stride, bool same) {
  int64_t pad = 0;
  if (same) pad = std::max<int64_t>(0, kernel - (in - 1) % stride - 1);
  return Geometry{stride * (in - 1) + kernel - pad, pad / 2};
}

Status ConvShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(2, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(1, 3, 0, 3));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(2, 0, 1, 0));
  const Shape& in = ctx.input(0);
  const Shape& w = ctx.input(1);
  OPBRIDGE_REQUIRE(in.dim(1) >= 1 && in.dim(2) >= 1, "input 'input' must have non-empty height and width, got ",
                   in.ToString());
  OPBRIDGE_REQUIRE(w.dim(1) >= 1 && w.dim(2) >= 1, "input 'weights' must have a non-empty kernel, got ",
                   w.ToString());
  const bool same = ctx.attrs().Get<std::string>("padding") == "SAME";
  const Geometry gy = Axis(in.dim(1), w.dim(1), ctx.attrs().Get<int64_t>("stride_height"), same);
  const Geometry gx = Axis(in.dim(2), w.dim(2), ctx.attrs().Get<int64_t>("stride_width"), same);
  OPBRIDGE_REQUIRE(gy.out <= INT32_MAX && gx.out <= INT32_MAX, "output of ", gy.out, "x", gx.out,
                   " is beyond TFLite's int32 dims");
  ctx.set_output(0, Shape({in.dim(0), gy.out, gx.out, w.dim(0)}));
  return Status::Ok();
}

Status ConvKernel(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& weights = ctx.input(1);
  const Tensor& output = ctx.output(0);
  const int64_t batch = input.dim(0), in_h = input.dim(1), in_w = input.dim(2), cin = input.dim(3);
  const int64_t kh = weights.dim(1), kw = weights.dim(2), cout = weights.dim(0);
  const int64_t out_h = output.dim(1), out_w = output.dim(2);
  const int64_t sh = ctx.attrs().Get<int64_t>("stride_height"), sw = ctx.attrs().Get<int64_t>("stride_width");
  const bool same = ctx.attrs().Get<std::string>("padding") == "SAME";
  const int64_t pad_h = Axis(in_h, kh, sh, same).pad_before, pad_w = Axis(in_w, kw, sw, same).pad_before;
  const float* in = input.data<float>();
  const float* wt = weights.data<float>();
  const float* bias = ctx.input(2).data<float>();
  float* out = output.data<float>();

  ctx.ParallelFor(batch * out_h, out_w * cout * (cin * kh * kw / (sh * sw) + 2) + 20, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t b = row / out_h, oy = row % out_h;
      for (int64_t ox = 0; ox < out_w; ++ox) {
        float* dst = out + ((b * out_h + oy) * out_w + ox) * cout;
        std::memcpy(dst, bias, static_cast<size_t>(cout) * sizeof(float));
        // Taps ky with oy = iy*sh - pad_h + ky for an input row iy in range.
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t ty = oy + pad_h - ky;
          if (ty < 0 || ty % sh != 0 || ty / sh >= in_h) continue;
          const int64_t iy = ty / sh;
          for (int64_t kx = 0; kx < kw; ++kx) {
            const int64_t tx = ox + pad_w - kx;
            if (tx < 0 || tx % sw != 0 || tx / sw >= in_w) continue;
            const float* v = in + ((b * in_h + iy) * in_w + tx / sw) * cin;
            for (int64_t oc = 0; oc < cout; ++oc) {
              const float* w = wt + ((oc * kh + ky) * kw + kx) * cin;
              float sum = 0.0f;
              for (int64_t ic = 0; ic < cin; ++ic) sum += v[ic] * w[ic];
              dst[oc] += sum;
            }
          }
        }
      }
    }
  });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("Convolution2DTransposeBias")
                         .Origin(OpOrigin::kTfLiteOnly)
                         .DefinedBy("MediaPipe")
                         .Doc("Transposed convolution plus bias: input [N,H,W,Cin], weights [Cout,kh,kw,Cin], "
                              "bias [Cout]. Options: raw TfLiteTransposeConvParams.")
                         .Input("input: float")
                         .Input("weights: float")
                         .Input("bias: float")
                         .Output("output: float")
                         .Attr("padding: {'UNKNOWN', 'SAME', 'VALID'}")
                         .Attr("stride_width: int >= 1")
                         .Attr("stride_height: int >= 1")
                         .OptionsDecoder(DecodeParams)
                         .ShapeRule(ConvShape)
                         .Kernel(ConvKernel));

}  // namespace
}  // namespace opbridge
