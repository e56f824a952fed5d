// What the string ops of this directory share about their outputs: the size
// limit of a TFLite string tensor, checked before anything is built, and the
// sparse (indices, values, shape) triple the split ops return.
//
// A TFLite string buffer addresses its bytes with int32 offsets after a
// header of 4 bytes per string plus 8; an output that could not be written
// is refused before the kernel builds it, so a hostile input (a huge ngram
// width, a huge num_segments) costs an error, not the memory.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace strings {

constexpr uint64_t kMaxStringBufferBytes = static_cast<uint64_t>(INT32_MAX);

// a + b, stuck at UINT64_MAX instead of wrapping.
inline uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
// a * b, stuck at UINT64_MAX instead of wrapping.
inline uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  return (a != 0 && b > UINT64_MAX / a) ? UINT64_MAX : a * b;
}

// The bytes TFLite's buffer needs for `count` strings holding `bytes` bytes.
inline uint64_t StringBufferBytes(uint64_t count, uint64_t bytes) {
  return SaturatingAdd(SaturatingAdd(SaturatingMul(count, 4), 8), bytes);
}

// Refuses output `tensor` of `count` strings and `bytes` bytes when TFLite's
// int32 offsets could not address it.
inline Status CheckStringOutput(const char* tensor, uint64_t count, uint64_t bytes) {
  const uint64_t total = StringBufferBytes(count, bytes);
  OPBRIDGE_REQUIRE(total <= kMaxStringBufferBytes, "output '", tensor, "' would hold ", count, " strings of ",
                   bytes, " bytes in all, beyond what TFLite's int32 string offsets address");
  return Status::Ok();
}

// Split ops' outputs as TF builds them: row i's tokens are values
// [starts[i], starts[i+1]) with indices (i, j); shape = (rows, longest row).
// `tokens` are views into the inputs, `row_sizes` the token count per row.
inline Status WriteSparseTokens(KernelContext& ctx, const std::vector<std::string_view>& tokens,
                                const std::vector<int64_t>& row_sizes) {
  const int64_t n = static_cast<int64_t>(tokens.size());
  uint64_t bytes = 0;
  for (std::string_view t : tokens) bytes += t.size();  // views of the inputs: no overflow
  OPBRIDGE_RETURN_IF_ERROR(CheckStringOutput("values", static_cast<uint64_t>(n), bytes));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({n, 2})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({n})));
  int64_t* indices = ctx.output(0).data<int64_t>();
  std::string_view* values = ctx.output(1).data<std::string_view>();  // copied once by the adapter
  int64_t* shape = ctx.output(2).data<int64_t>();
  int64_t c = 0, longest = 0;
  for (size_t row = 0; row < row_sizes.size(); ++row) {
    longest = std::max(longest, row_sizes[row]);
    for (int64_t j = 0; j < row_sizes[row]; ++j, ++c) {
      indices[2 * c] = static_cast<int64_t>(row);
      indices[2 * c + 1] = j;
      values[c] = tokens[static_cast<size_t>(c)];
    }
  }
  shape[0] = static_cast<int64_t>(row_sizes.size());
  shape[1] = longest;
  return Status::Ok();
}

// The shape rule both split ops share: input a vector, the separator a
// scalar (TF's shape function and kernel texts); indices and values sized at
// run time, shape = [2].
inline Status SparseSplitShape(ShapeContext& ctx, const char* separator_name) {
  const Shape& input = ctx.input(0);
  OPBRIDGE_REQUIRE(!input.rank_known() || input.rank() == 1, "input must be a vector, got shape: ",
                   input.ToString());
  const Shape& sep = ctx.input(1);
  OPBRIDGE_REQUIRE(!sep.rank_known() || sep.rank() == 0, separator_name, " must be a scalar, got shape: ",
                   sep.ToString());
  ctx.set_output(0, Shape({kUnknownDim, 2}));
  ctx.set_output_dynamic(0);
  ctx.set_output(1, Shape({kUnknownDim}));
  ctx.set_output_dynamic(1);
  ctx.set_output(2, Shape({2}));
  return Status::Ok();
}

}  // namespace strings
}  // namespace opbridge
