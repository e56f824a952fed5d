// What DecodeRaw and DecodePaddedRaw share: putting decoded bytes in the
// host's order. TF copies bytes as they are when the data's order is the
// host's and otherwise reverses each element's bytes (each part of a complex
// number on its own).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace io {

constexpr bool kHostLittleEndian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

// The number of bytes reversed together for out_type in the order
// `little_endian` says, or 0 when the bytes stay as they are.
inline int64_t SwapUnit(DType out_type, bool little_endian) {
  const bool complex = out_type == DType::kComplex64 || out_type == DType::kComplex128;
  const int64_t unit = complex ? DTypeSize(out_type) / 2 : DTypeSize(out_type);
  return little_endian != kHostLittleEndian && unit > 1 ? unit : 0;
}

// Reverses each `unit` bytes of p[0, n) (n a multiple of unit; unit 0: none).
inline void SwapUnits(char* p, int64_t n, int64_t unit) {
  if (unit == 0) return;
  for (int64_t k = 0; k < n; k += unit) std::reverse(p + k, p + k + unit);
}

// Both decoders' shape rule: the input's shape and one more dimension, the
// elements per string, known only when the kernel runs (a dynamic output).
inline Status DecodedShape(ShapeContext& ctx) {
  const Shape& in = ctx.input(0);
  if (!in.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
  } else {
    std::vector<int64_t> dims = in.dims();
    dims.push_back(kUnknownDim);
    ctx.set_output(0, Shape(std::move(dims)));
  }
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

}  // namespace io
}  // namespace opbridge
