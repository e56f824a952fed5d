// RandomGamma and RandomPoissonV2 share their shapes: the output is `shape`
// (input 0, the samples per parameter) followed by the parameter tensor's
// shape (input 1: alpha, rate), sample s of parameter a at s * num_params + a
// (SampleLayout).
#pragma once

#include <utility>
#include <vector>

#include "sampling.h"

namespace opbridge {
namespace random {

// Known when `shape` is a constant and every dim of the parameter is.
inline Status SamplesPerParamShape(ShapeContext& ctx) {
  const Shape& s = ctx.input(0);
  OPBRIDGE_REQUIRE(!s.rank_known() || s.rank() == 1, "shape must be a vector of {int32,int64}, got shape ",
                   s.ToString());
  const Shape& param = ctx.input(1);
  const ConstTensor* value = ctx.input_value(0);
  bool known = value != nullptr && param.rank_known();
  for (int i = 0; known && i < param.rank(); ++i) known = param.dim(i) >= 0;
  if (!known) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  Shape out;
  OPBRIDGE_RETURN_IF_ERROR(ShapeFromTensor(*value, &out));
  std::vector<int64_t> dims = out.dims();
  dims.insert(dims.end(), param.dims().begin(), param.dims().end());
  ctx.set_output(0, Shape(std::move(dims)));
  return Status::Ok();
}

// Allocates output 0 and sets `layout`; the caller samples only when the
// output is not empty.
inline Status SamplesPerParamOutput(KernelContext& ctx, Tensor* out, SampleLayout* layout) {
  const ConstTensor& param = ctx.input(1);
  Shape samples;
  OPBRIDGE_RETURN_IF_ERROR(ShapeFromTensor(ctx.input(0), &samples));
  std::vector<int64_t> dims = samples.dims();
  dims.insert(dims.end(), param.shape().dims().begin(), param.shape().dims().end());
  OPBRIDGE_RETURN_IF_ERROR(ShapedOutput(ctx, Shape(std::move(dims)), out));
  layout->batches = param.num_elements();
  layout->samples = layout->batches == 0 ? 0 : out->num_elements() / layout->batches;
  return Status::Ok();
}

}  // namespace random
}  // namespace opbridge
