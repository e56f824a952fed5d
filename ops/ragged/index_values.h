// Reading int32/int64 index tensors (splits, indices, shapes, range bounds)
// as int64, element by element through memcpy: a model's constant buffers
// are only 4-byte aligned, so typed 8-byte loads from them are misaligned
// (UBSan's finding in the sanitize stage).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace ragged {

// Element i of t, whatever its alignment.
template <typename T>
T Load(const ConstTensor& t, int64_t i) {
  T v;
  std::memcpy(&v, t.data<char>() + static_cast<size_t>(i) * sizeof(T), sizeof(T));
  return v;
}

// An int32 or int64 tensor as int64 values.
inline std::vector<int64_t> ReadInts(const ConstTensor& t) {
  std::vector<int64_t> out(static_cast<size_t>(t.num_elements()));
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t k = static_cast<int64_t>(i);
    out[i] = t.dtype() == DType::kInt32 ? Load<int32_t>(t, k) : Load<int64_t>(t, k);
  }
  return out;
}

}  // namespace ragged
}  // namespace opbridge
