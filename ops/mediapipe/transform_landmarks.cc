// TransformLandmarks (version 2): MediaPipe's affine transform of landmarks
// (mediapipe/util/tflite/operations/transform_landmarks.cc, the version its
// CPU op resolver registers, as opcode version 2). No options (any are ignored).
//
//   landmarks [B, N, D] (D = 2 or 3: x, y[, z]), matrix: B or 1 row-major 4x4
//   matrices (MediaPipe: [1, 4, 4]; the first two rows are read)
//   -> output [B, N, D]: (m0*x + m1*y + m2*0 + m3, m4*x + m5*y + m6*0 + m7[, z])
// in float, z passed through. MediaPipe's kernel transforms only the first
// batch entry; here each entry uses its own matrix (or the shared one).
#include <cstdint>

#include "opbridge/op.h"

namespace opbridge {
namespace {

// MediaPipe's v2 kernel reads no options: whatever a model carries is ignored.
Status IgnoreOptions(const uint8_t*, size_t, AttrMap*) { return Status::Ok(); }

Status LandmarksShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 3));
  const Shape& in = ctx.input(0);
  OPBRIDGE_REQUIRE(in.dim(2) == 2 || in.dim(2) == 3, "input 'landmarks' must have 2 or 3 values per landmark, "
                   "got shape ", in.ToString());
  const int64_t matrices = ctx.input(1).num_elements();
  if (matrices >= 0 && in.dim(0) >= 0) {
    OPBRIDGE_REQUIRE(matrices == 16 || matrices == 16 * in.dim(0), "input 'matrix' must hold one 4x4 matrix or one "
                     "per batch entry (", in.dim(0), "), got shape ", ctx.input(1).ToString());
  }
  ctx.set_output(0, in);
  return Status::Ok();
}

Status LandmarksKernel(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& matrix = ctx.input(1);
  const int64_t batch = input.dim(0), count = input.dim(1), dims = input.dim(2);
  const bool shared = matrix.num_elements() == 16;
  const float* in = input.data<float>();
  float* out = ctx.output(0).data<float>();
  ctx.ParallelFor(batch * count, 10, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float* m = matrix.data<float>() + (shared ? 0 : 16 * (i / count));
      const float x = in[i * dims], y = in[i * dims + 1];
      out[i * dims] = m[0] * x + m[1] * y + m[2] * 0.0f + m[3] * 1.0f;
      out[i * dims + 1] = m[4] * x + m[5] * y + m[6] * 0.0f + m[7] * 1.0f;
      if (dims == 3) out[i * dims + 2] = in[i * dims + 2];
    }
  });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("TransformLandmarks")
                         .Origin(OpOrigin::kTfLiteOnly)
                         .DefinedBy("MediaPipe")
                         .TfLiteVersion(2)
                         .Doc("Applies the 4x4 matrix's first two rows to landmarks [B,N,2|3] (x, y; z kept).")
                         .Input("landmarks: float")
                         .Input("matrix: float")
                         .Output("output: float")
                         .OptionsDecoder(IgnoreOptions)
                         .ShapeRule(LandmarksShape)
                         .Kernel(LandmarksKernel));

}  // namespace
}  // namespace opbridge
