// The axis and shape rule of the torch-semantics ops that return values and their indices along
// one axis (Opbridge>Sort, Opbridge>CumMaxMin): torch's dim, negative counted from the end, a
// scalar having one axis (0 or -1); both outputs have the input's shape.
#pragma once

#include <algorithm>
#include <cstdint>

#include "opbridge/op.h"

namespace opbridge {

// The axis in [0, rank), or an error naming the bad one.
inline Status ResolveTorchAxis(int64_t axis, int rank, int64_t* out) {
  const int64_t r = std::max(rank, 1);
  OPBRIDGE_REQUIRE(axis >= -r && axis < r, "axis must be in [", -r, ", ", r, ") for input of rank ", rank, ", got ",
                   axis);
  *out = axis < 0 ? axis + r : axis;
  return Status::Ok();
}

// Outputs 0 (values) and 1 (indices) shaped as input 0, the axis checked once the rank is known.
inline Status ValuesAndIndicesShape(ShapeContext& ctx, int64_t axis) {
  const Shape& input = ctx.input(0);
  if (input.rank_known()) {
    int64_t resolved = 0;
    OPBRIDGE_RETURN_IF_ERROR(ResolveTorchAxis(axis, input.rank(), &resolved));
  }
  ctx.set_output(0, input);
  ctx.set_output(1, input);
  return Status::Ok();
}

}  // namespace opbridge
