// SpaceToDepth: TF's tf.nn.space_to_depth (pixel unshuffle) in float64 and
// the other dtypes the converter leaves CUSTOM "SpaceToDepth" {T,
// block_size, data_format} for (TFLite's SPACE_TO_DEPTH has float32 and
// 8-bit kernels only). Exact copies; TF's checks and texts.
//
//   input [b, h * s, w * s, c] -> output [b, h, w, s * s * c]
#include <vector>

#include "space_depth.h"

namespace opbridge {
namespace {

using array::SpaceDepthParams;

Status Plan(const Shape& in, const SpaceDepthParams& p, std::vector<int64_t>* dims) {
  OPBRIDGE_RETURN_IF_ERROR(array::CheckSpaceDepthFormat("SpaceToDepth", p));
  OPBRIDGE_REQUIRE(in.rank() == 4, "Input rank should be 4 instead of ", in.rank());
  const int64_t s = p.block_size;
  const int64_t h = in.dim(1), w = in.dim(2), c = in.dim(3);
  OPBRIDGE_REQUIRE((h == kUnknownDim || h % s == 0) && (w == kUnknownDim || w % s == 0), "Image width ", w,
                   " and height ", h, " should be divisible by block_size: ", s);
  const auto over = [s](int64_t d) { return d == kUnknownDim ? kUnknownDim : d / s; };
  *dims = {in.dim(0), over(h), over(w), c == kUnknownDim ? kUnknownDim : c * s * s};
  return Status::Ok();
}

Status ShapeRule(ShapeContext& ctx, const SpaceDepthParams& p) {
  return array::SpaceDepthShape(ctx, p, "SpaceToDepth", Plan);
}

Status Kernel(KernelContext& ctx, const SpaceDepthParams& p) {
  return array::SpaceDepthKernel(ctx, p, Plan, /*to_depth=*/true);
}

OPBRIDGE_REGISTER_OP(OpSpec("SpaceToDepth")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Blocks of space moved into channels (tf.nn.space_to_depth), NHWC.")
                         .Input("input: T")
                         .Output("output: T")
                         .Attr("T: type")
                         .Params<SpaceDepthParams>()
                         .ShapeRule(ShapeRule)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
