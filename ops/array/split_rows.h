// Shared by Unpack, Split and SplitV in float64 and string (the converter
// leaves them custom for both): copying consecutive pieces of `value` along one axis
// into the op's outputs (a list), and reading a scalar axis input.
#pragma once

#include <cstdint>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace array {

// Output k gets sizes[k] slices along `axis`; sum(sizes) == value.dim(axis).
// A slice is `inner` elements; `outer` runs of them precede each.
inline Status CopyPieces(KernelContext& ctx, const ConstTensor& value, int axis,
                         const std::vector<int64_t>& sizes) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= value.dim(d);
  for (int d = axis + 1; d < value.rank(); ++d) inner *= value.dim(d);
  const int64_t total = value.dim(axis);
  return ForElements(value.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* in = value.data<In>();
    int64_t start = 0;
    for (size_t k = 0; k < sizes.size(); ++k) {
      Out* out = ctx.output(static_cast<int>(k)).data<Out>();
      const int64_t run = sizes[k] * inner;
      for (int64_t o = 0; o < outer; ++o) {
        const In* src = in + (o * total + start) * inner;
        for (int64_t i = 0; i < run; ++i) out[o * run + i] = src[i];
      }
      start += sizes[k];
    }
    return Status::Ok();
  });
}

inline Status ReadAxis(const ConstTensor& t, int rank, const char* what, int* axis) {
  OPBRIDGE_REQUIRE(t.num_elements() == 1, what, " must be a scalar, got shape ", t.shape().ToString());
  const int64_t a = t.dtype() == DType::kInt64 ? t.data<int64_t>()[0] : t.data<int32_t>()[0];
  OPBRIDGE_REQUIRE(a >= -rank && a < rank, "-input rank(-", rank, ") <= split_dim < input rank (", rank,
                   "), but got ", a);
  *axis = static_cast<int>(a < 0 ? a + rank : a);
  return Status::Ok();
}

}  // namespace array
}  // namespace opbridge
