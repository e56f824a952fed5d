// The input checks TF's two CTC decoders share (TF has them in one helper
// too): inputs [max_time, batch, num_classes], sequence_length [batch], each
// length at most max_time. Messages are TF's.
#pragma once

#include <cstdint>

#include "opbridge/op.h"

namespace opbridge::ctc {

// The shape rule's part: ranks and the batch size agree where known.
// `batch` gets inputs' batch dimension (kUnknownDim if unknown).
inline Status CheckInputShapes(ShapeContext& ctx, int64_t* batch) {
  const Shape& inputs = ctx.input(0);
  const Shape& lengths = ctx.input(1);
  OPBRIDGE_REQUIRE(!inputs.rank_known() || inputs.rank() == 3, "inputs is not a 3-Tensor (input 'inputs' has shape ",
                   inputs.ToString(), ")");
  OPBRIDGE_REQUIRE(!lengths.rank_known() || lengths.rank() == 1, "sequence_length is not a vector (shape ",
                   lengths.ToString(), ")");
  *batch = inputs.rank_known() ? inputs.dim(1) : kUnknownDim;
  if (*batch >= 0 && lengths.rank_known() && lengths.dim(0) >= 0) {
    OPBRIDGE_REQUIRE(lengths.dim(0) == *batch, "len(sequence_length) != batch_size.  len(sequence_length):  ",
                     lengths.dim(0), " batch_size: ", *batch);
  }
  return Status::Ok();
}

struct Inputs {
  int64_t max_time = 0, batch = 0, classes = 0;
  const int32_t* seq_len = nullptr;
};

// The kernel's part: non-empty logits, class count within int, lengths within max_time.
inline Status ReadInputs(KernelContext& ctx, Inputs* out) {
  const ConstTensor& inputs = ctx.input(0);
  OPBRIDGE_REQUIRE(inputs.num_elements() > 0, "inputs must not be empty (shape ", inputs.shape().ToString(), ")");
  out->max_time = inputs.dim(0);
  out->batch = inputs.dim(1);
  out->classes = inputs.dim(2);
  OPBRIDGE_REQUIRE(out->classes <= INT32_MAX, "num_classes cannot exceed max int");
  out->seq_len = ctx.input(1).data<int32_t>();
  for (int64_t b = 0; b < out->batch; ++b) {
    OPBRIDGE_REQUIRE(out->seq_len[b] <= out->max_time, "sequence_length(", b, ") <= ", out->max_time, " (it is ",
                     out->seq_len[b], ")");
  }
  return Status::Ok();
}

}  // namespace opbridge::ctc
