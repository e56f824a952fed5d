// DepthToSpace: TF's tf.nn.depth_to_space (pixel shuffle, sub-pixel
// upsampling in super-resolution models) in float64 and the other dtypes the
// converter leaves CUSTOM "DepthToSpace" {T, block_size, data_format} for
// (TFLite's DEPTH_TO_SPACE has float32 and 8-bit kernels only; measured: a
// float64 model had no kernel). Exact copies; TF's checks and texts.
//
//   input [b, h, w, s * s * c] -> output [b, h * s, w * s, c]
#include <vector>

#include "space_depth.h"

namespace opbridge {
namespace {

using array::SpaceDepthParams;

Status Plan(const Shape& in, const SpaceDepthParams& p, std::vector<int64_t>* dims) {
  OPBRIDGE_RETURN_IF_ERROR(array::CheckSpaceDepthFormat("DepthToSpace", p));
  OPBRIDGE_REQUIRE(in.rank() == 4, "Input rank should be: 4 instead of: ", in.rank());
  const int64_t s = p.block_size, square = s * s;
  const int64_t depth = in.dim(3);
  OPBRIDGE_REQUIRE(depth == kUnknownDim || depth % square == 0, "Input depth dimension ", depth,
                   " should be divisible by: ", square);
  const auto times = [s](int64_t d) { return d == kUnknownDim ? kUnknownDim : d * s; };
  *dims = {in.dim(0), times(in.dim(1)), times(in.dim(2)), depth == kUnknownDim ? kUnknownDim : depth / square};
  return Status::Ok();
}

Status ShapeRule(ShapeContext& ctx, const SpaceDepthParams& p) {
  return array::SpaceDepthShape(ctx, p, "DepthToSpace", Plan);
}

Status Kernel(KernelContext& ctx, const SpaceDepthParams& p) {
  return array::SpaceDepthKernel(ctx, p, Plan, /*to_depth=*/false);
}

OPBRIDGE_REGISTER_OP(OpSpec("DepthToSpace")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Blocks of channels moved into space (tf.nn.depth_to_space), NHWC.")
                         .Input("input: T")
                         .Output("output: T")
                         .Attr("T: type")
                         .Params<SpaceDepthParams>()
                         .ShapeRule(ShapeRule)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
