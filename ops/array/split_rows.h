// Shared by Unpack, Split and SplitV in float64 and string (the converter
// leaves them custom for both): copying consecutive pieces of `value` along one axis
// into the op's outputs (a list), and reading a scalar axis input.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace array {

// Output k gets sizes[k] slices along `axis`; sum(sizes) == value.dim(axis).
// A slice is `inner` elements; `outer` runs of them precede each.
//
// Pieces shorter than a cache line (tf.unstack along the last axis: one
// element per row and output) are copied a group and a block of rows at a
// time: the group's pieces together span two lines of each input row, and
// the block has enough rows that each output receives four whole lines.
// Output by output, each input line was read once per piece (256 times for
// 256 outputs): Unpack f64 [1024,256] axis 1 took 0.84-0.88 ms (0.91x TF's
// time), now 0.51-0.55 ms, about one core's memory bandwidth for the 4 MB
// read and written. One line per group and row took 0.65 ms, a group of
// four lines 0.52-0.53, blocks of one line per output 0.65, of sixteen 0.54-0.56.
inline Status CopyPieces(KernelContext& ctx, const ConstTensor& value, int axis,
                         const std::vector<int64_t>& sizes) {
  constexpr int64_t kGroupBytes = 128, kBlockBytes = 256;
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= value.dim(d);
  for (int d = axis + 1; d < value.rank(); ++d) inner *= value.dim(d);
  const int64_t total = value.dim(axis);
  return ForElements(value.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    constexpr int64_t kElement = static_cast<int64_t>(sizeof(In));
    const In* in = value.data<In>();
    std::vector<int64_t> starts(sizes.size() + 1, 0);
    for (size_t k = 0; k < sizes.size(); ++k) starts[k + 1] = starts[k] + sizes[k];
    for (size_t k0 = 0; k0 < sizes.size();) {
      size_t k1 = k0;
      int64_t span = 0, shortest = 0;
      while (k1 < sizes.size() && (k1 == k0 || span * kElement < kGroupBytes)) {
        const int64_t run = sizes[k1] * inner;
        if (run > 0 && (shortest == 0 || run < shortest)) shortest = run;
        span += run;
        ++k1;
      }
      const int64_t rows = shortest == 0 ? outer : std::max<int64_t>(1, kBlockBytes / (shortest * kElement));
      for (int64_t o0 = 0; o0 < outer; o0 += rows) {
        const int64_t o1 = std::min(outer, o0 + rows);
        for (size_t k = k0; k < k1; ++k) {
          Out* out = ctx.output(static_cast<int>(k)).data<Out>();
          const int64_t run = sizes[k] * inner;
          for (int64_t o = o0; o < o1; ++o) {
            const In* src = in + (o * total + starts[k]) * inner;
            for (int64_t i = 0; i < run; ++i) out[o * run + i] = src[i];
          }
        }
      }
      k0 = k1;
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
