// Tile: TF's input repeated `multiples` times along each dim (tf.tile) in
// float64: the converter leaves CUSTOM "Tile" {T, Tmultiples} for double,
// which TFLite's TILE lacks (measured by tools/census_float64.py). TF's
// checks and texts; elements are copied: exact.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <algorithm>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

Status Plan(const Shape& input, const ConstTensor& multiples_t, std::vector<int64_t>* out_dims) {
  const int rank = input.rank();
  OPBRIDGE_REQUIRE(multiples_t.rank() == 1 && multiples_t.num_elements() == rank,
                   "Expected multiples argument to be a vector of length ", rank, " but got length ",
                   multiples_t.rank() == 1 ? multiples_t.dim(0) : multiples_t.num_elements());
  const std::vector<int64_t> multiples = array::ReadIndices(multiples_t);
  out_dims->clear();
  for (int i = 0; i < rank; ++i) {
    const int64_t m = multiples[static_cast<size_t>(i)];
    OPBRIDGE_REQUIRE(m >= 0, "Expected multiples[", i, "] >= 0, but got ", m);
    int64_t d = kUnknownDim;
    OPBRIDGE_REQUIRE(input.dim(i) == kUnknownDim || !__builtin_mul_overflow(input.dim(i), m, &d),
                     "output dimension ", i, " (", input.dim(i), " x ", m, ") is too large");
    out_dims->push_back(d);
  }
  return input.fully_known() ? array::CheckOutputSize(*out_dims) : Status::Ok();
}

Status TileShape(ShapeContext& ctx) {
  const ConstTensor* multiples = ctx.input_value(1);
  if (multiples == nullptr || !ctx.input(0).rank_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), *multiples, &dims));
  const Shape out(dims);
  ctx.set_output(0, out);
  array::ForwardInputIfSameSize(ctx, out);
  return Status::Ok();
}

Status Kernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(x.shape(), ctx.input(1), &dims));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(dims)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == dims, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(dims).ToString());
  const std::vector<int64_t> in_dims = x.shape().dims();
  // TF's CPU TileOp has no uint16 kernel: past its identity and empty cases
  // it refuses the type, with this text.
  OPBRIDGE_REQUIRE(x.dtype() != DType::kUInt16 || dims == in_dims || y.num_elements() == 0,
                   "TileOp : The input data type is not supported, DataType : uint16, Dimension : ", dims.size());
  const std::vector<int64_t> strides = array::Strides(in_dims);
  return array::ForElements(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* in = x.data<In>();
    Out* out = y.data<Out>();
    if (y.num_elements() == 0) return Status::Ok();
    if (dims.empty()) {
      out[0] = in[0];
      return Status::Ok();
    }
    // Row by row of the output: the input row it repeats (outer coordinates
    // modulo the input's dims), copied multiples[last] times.
    const size_t last = dims.size() - 1;
    const int64_t width = dims[last], in_width = in_dims[last];
    array::ParallelForElements<Out>(ctx, y.num_elements() / width, width + 1, [&](int64_t lo, int64_t hi) {
      array::ForEachRow(dims, lo, hi, [&](int64_t row, const std::vector<int64_t>& coord) {
        int64_t offset = 0;
        for (size_t d = 0; d < last; ++d) offset += (coord[d] % in_dims[d]) * strides[d];
        Out* dst = out + row * width;
        // Whole runs with std::copy_n (a memmove for the numeric types, which
        // an element loop does not become).
        for (int64_t k = 0; k < width; k += in_width) std::copy_n(in + offset, in_width, dst + k);
      });
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Tile")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("input repeated multiples[i] times along dim i (tf.tile).")
                         .Input("input: T")
                         .Input("multiples: Tmultiples")
                         .Output("output: T")
                         .Attr("T: type")
                         .Attr("Tmultiples: {int32, int64} = DT_INT32")
                         .MayForwardInput()
                         .ShapeRule(TileShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
