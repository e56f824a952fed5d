// Shared by ScatterNd and TensorScatterUpdate in float64 (the converter
// leaves them custom for double): TF's shape rules for (indices [..., K],
// updates = indices.shape[:-1] + shape[K:]) and the walk over the updates'
// slices in order, naming a bad index in TF's words.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace array {

inline Status CheckScatter(const Shape& indices, const Shape& updates, const std::vector<int64_t>& shape) {
  OPBRIDGE_REQUIRE(indices.rank() >= 1, "Indices shape must have rank at least one. Found:", indices.ToString());
  const int64_t k = indices.dim(indices.rank() - 1);
  OPBRIDGE_REQUIRE(k <= static_cast<int64_t>(shape.size()),
                   "Index innermost dimension length must be <= output rank; saw: ", k, " vs. output rank: ",
                   shape.size());
  std::vector<int64_t> want = indices.dims();
  want.pop_back();
  for (size_t d = static_cast<size_t>(k); d < shape.size(); ++d) want.push_back(shape[d]);
  OPBRIDGE_REQUIRE(updates.dims() == want, "Dimensions [0,", indices.rank() - 1, ") of indices[shape=",
                   indices.ToString(), "] = ", Shape(want).ToString(),
                   " must match the outer dimensions of updates[shape=", updates.ToString(), "]");
  return Status::Ok();
}

// fn(update_slice_index, output_offset) for each update slice, in order;
// an index outside `shape` is an error.
template <typename Fn>
Status ForEachScatter(const ConstTensor& indices, const std::vector<int64_t>& shape, Fn fn) {
  const int k = static_cast<int>(indices.dim(indices.rank() - 1));
  const std::vector<int64_t> index = ReadIndices(indices);
  const std::vector<int64_t> strides = Strides(shape);
  const int64_t n = k ? indices.num_elements() / k : 0;
  for (int64_t r = 0; r < n; ++r) {
    int64_t offset = 0;
    for (int d = 0; d < k; ++d) {
      const int64_t i = index[static_cast<size_t>(r * k + d)];
      if (i < 0 || i >= shape[static_cast<size_t>(d)]) {
        std::string at;
        for (int e = 0; e < k; ++e) at += (e ? ", " : "") + std::to_string(index[static_cast<size_t>(r * k + e)]);
        // The shape as TF's TensorShape::DebugString prints it: "[4,2]".
        std::string dims;
        for (size_t e = 0; e < shape.size(); ++e) dims += (e ? "," : "") + std::to_string(shape[e]);
        return Errorf("indices[", r, "] = [", at, "] does not index into shape [", dims, "]");
      }
      offset += i * strides[static_cast<size_t>(d)];
    }
    fn(r, offset);
  }
  return Status::Ok();
}

}  // namespace array
}  // namespace opbridge
