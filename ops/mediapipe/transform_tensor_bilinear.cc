// TransformTensorBilinear (version 2): MediaPipe's affine resampling of a
// tensor (mediapipe/util/tflite/operations/transform_tensor_bilinear.cc, the
// version its CPU op resolver registers, as opcode version 2). Options: a
// flexbuffer map {output_height, output_width}.
//
//   input [B, H, W, C], matrix: B or 1 row-major 4x4 matrices (MediaPipe:
//   [1, 1, 4, 4]; only the first two rows are read) -> output [B, out_h, out_w, C]
//
// As MediaPipe's v2 kernel, in float: the matrix is corrected for pixel
// centres (m[3] += m[0]/2 + m[1]/2 - 1/2, m[7] likewise); output pixel (x, y)
// samples at (m0*x + m1*y + m2*0 + m3, m4*x + m5*y + m6*0 + m7); a sample
// outside [0, W-1] x [0, H-1] gives 0, otherwise bilinear with neighbours
// beyond the edge read as 0 and MediaPipe's mixed float/double arithmetic.
// A non-finite sample position (MediaPipe: undefined behaviour) gives 0.
#include <cmath>
#include <cstdint>

#include "opbridge/op.h"

namespace opbridge {
namespace {

struct Params {
  int64_t output_height = 0, output_width = 0;

  static void Declare(ParamBinder& b, Params& p) {
    b.Attr("output_height: int = 0", &p.output_height);
    b.Attr("output_width: int = 0", &p.output_width);
  }
};

Status TransformShape(ShapeContext& ctx, const Params& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  const int64_t out_h = p.output_height;
  const int64_t out_w = p.output_width;
  OPBRIDGE_REQUIRE(out_h > 0 && out_w > 0 && out_h <= INT32_MAX && out_w <= INT32_MAX,
                   "output_height and output_width must be positive, got ", out_h, " and ", out_w);
  const Shape& in = ctx.input(0);
  const int64_t matrices = ctx.input(1).num_elements();
  if (matrices >= 0 && in.dim(0) >= 0) {
    OPBRIDGE_REQUIRE(matrices == 16 || matrices == 16 * in.dim(0), "input 'matrix' must hold one 4x4 matrix or one "
                     "per batch entry (", in.dim(0), "), got shape ", ctx.input(1).ToString());
  }
  ctx.set_output(0, Shape({in.dim(0), out_h, out_w, in.dim(3)}));
  return Status::Ok();
}

Status TransformKernel(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& matrix = ctx.input(1);
  const Tensor& output = ctx.output(0);
  const int64_t batch = input.dim(0), in_h = input.dim(1), in_w = input.dim(2), channels = input.dim(3);
  const int64_t out_h = output.dim(1), out_w = output.dim(2);
  const bool shared = matrix.num_elements() == 16;
  const float* in = input.data<float>();
  float* out = output.data<float>();
  ctx.ParallelFor(batch * out_h, out_w * (channels * 12 + 20) + 20, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t b = row / out_h, oy = row % out_h;
      const float* m = matrix.data<float>() + (shared ? 0 : 16 * b);
      // Pixel-centre correction, as MediaPipe's v2 kernel (float += double -> float).
      float x_t[4] = {m[0], m[1], m[2], m[3]};
      float y_t[4] = {m[4], m[5], m[6], m[7]};
      x_t[3] = static_cast<float>(x_t[3] + (x_t[0] * 0.5 + x_t[1] * 0.5 - 0.5));
      y_t[3] = static_cast<float>(y_t[3] + (y_t[0] * 0.5 + y_t[1] * 0.5 - 0.5));
      const float* src = in + b * in_h * in_w * channels;
      const auto read = [&](int64_t h, int64_t w, int64_t c) -> float {
        return h < 0 || w < 0 || h >= in_h || w >= in_w ? 0.0f : src[(h * in_w + w) * channels + c];
      };
      for (int64_t ox = 0; ox < out_w; ++ox) {
        const float fx = static_cast<float>(ox), fy = static_cast<float>(oy);
        const float tx = x_t[0] * fx + x_t[1] * fy + x_t[2] * 0.0f + x_t[3] * 1.0f;
        const float ty = y_t[0] * fx + y_t[1] * fy + y_t[2] * 0.0f + y_t[3] * 1.0f;
        float* dst = out + ((b * out_h + oy) * out_w + ox) * channels;
        const bool outside = tx < 0.0f || tx > static_cast<float>(in_w - 1) || ty < 0.0f ||
                             ty > static_cast<float>(in_h - 1) || !std::isfinite(tx) || !std::isfinite(ty);
        if (outside) {
          std::fill(dst, dst + channels, 0.0f);
          continue;
        }
        const float x0 = std::floor(tx), y0 = std::floor(ty);
        const auto ix = static_cast<int64_t>(x0), iy = static_cast<int64_t>(y0);
        const float right = tx - x0, lower = ty - y0;
        for (int64_t c = 0; c < channels; ++c) {
          const float q11 = read(iy, ix, c), q21 = read(iy, ix + 1, c);
          const float q12 = read(iy + 1, ix, c), q22 = read(iy + 1, ix + 1, c);
          // (1.0 - r) is double in MediaPipe's source: keep its precision steps.
          const float upper = static_cast<float>((1.0 - right) * q11 + right * q21);
          const float bottom = static_cast<float>((1.0 - right) * q12 + right * q22);
          dst[c] = static_cast<float>(lower * bottom + (1.0 - lower) * upper);
        }
      }
    }
  });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("TransformTensorBilinear")
                         .Origin(OpOrigin::kTfLiteOnly)
                         .DefinedBy("MediaPipe")
                         .TfLiteVersion(2)
                         .Doc("Affine bilinear resampling of input [B,H,W,C] by the 4x4 matrix (output pixel -> "
                              "input position, pixel-centre corrected) to [B,output_height,output_width,C]; "
                              "outside the input: 0.")
                         .Input("input: float")
                         .Input("matrix: float")
                         .Output("output: float")
                         .Params<Params>()
                         .ShapeRule(TransformShape)
                         .Kernel(TransformKernel));

}  // namespace
}  // namespace opbridge
