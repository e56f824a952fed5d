// ReverseV2: TF's input reversed along the dims in `axis` (tf.reverse) in
// float64: the converter leaves CUSTOM "ReverseV2" {T, Tidx} for double,
// which TFLite's REVERSE_V2 lacks (measured by tools/census_float64.py), and
// for string (measured on tf.function(string input); array::ForElements).
// Axes in [-rank, rank), none twice; TF's texts. Elements are copied: exact.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <algorithm>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  const ConstTensor& axis = ctx.input(1);
  OPBRIDGE_REQUIRE(axis.rank() == 1, "'dims' must be 1-dimension, not ", axis.rank());
  const int rank = x.rank();
  std::vector<bool> flip(static_cast<size_t>(rank), false);
  const std::vector<int64_t> axes = array::ReadIndices(axis);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = axes[i];
    OPBRIDGE_REQUIRE(a >= -rank && a < rank, "'axis'[", i, "] = ", a, " is out of valid range [", -rank, ", ",
                     rank - 1, "].");
    const auto d = static_cast<size_t>(a < 0 ? a + rank : a);
    OPBRIDGE_REQUIRE(!flip[d], "axis ", d, " specified more than once.");
    flip[d] = true;
  }
  if (x.num_elements() == 0) return Status::Ok();
  // Rows of the last dim: each output row is one input row, copied as it is
  // or backwards. A per-element index map was 1.3x TF's time on float64
  // [1024, 256]: the byte-array element stores may alias anything, so the
  // map's flags and dims were reloaded for every element.
  const std::vector<int64_t> dims = rank == 0 ? std::vector<int64_t>{1} : x.shape().dims();
  const int64_t inner = dims.back();
  const bool flip_inner = rank > 0 && flip.back();
  const int64_t rows = x.num_elements() / inner;
  return array::ForElements(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* in = x.data<In>();
    Out* out = ctx.output(0).data<Out>();
    array::ParallelForElements<Out>(ctx, rows, inner, [&](int64_t lo, int64_t hi) {
      array::ForEachRow(dims, lo, hi, [&](int64_t row, const std::vector<int64_t>& coord) {
        int64_t source = 0;  // the input row: each outer coordinate, flipped where asked
        for (size_t d = 0; d < coord.size(); ++d) {
          source = source * dims[d] + (flip[d] ? dims[d] - 1 - coord[d] : coord[d]);
        }
        const In* src = in + source * inner;
        Out* dst = out + row * inner;
        if (flip_inner) {
          for (int64_t k = 0; k < inner; ++k) dst[k] = src[inner - 1 - k];
        } else {
          std::copy(src, src + inner, dst);
        }
      });
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ReverseV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("input reversed along the given dims (tf.reverse).")
                         .Input("tensor: T")
                         .Input("axis: Tidx")
                         .Output("output: T")
                         .Attr("T: {uint8, int8, uint16, int16, int32, uint32, int64, uint64, bool, bfloat16, half, float, double, complex64, complex128, string}")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
