// OneHot: TF's tf.one_hot(indices, depth, on_value, off_value, axis) with a
// result of any dtype TF's CPU kernel takes: the converter leaves CUSTOM
// "OneHot" {T, TI, axis} for float64, half, bfloat16, int16, uint16, uint32,
// uint64, complex and string, which TFLite's ONE_HOT lacks (measured by
// tools/census_float64.py and tests/test_parity_integer_reductions.py); the
// values are copied as raw elements of their size (array::ForElements).
// The new dim of size depth goes at `axis` (-1: last); an index outside
// [0, depth) gives a row of off_value, as TF. TF's checks and texts.
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

struct OneHotParams {
  int64_t axis = -1;

  static void Declare(ParamBinder& b, OneHotParams& p) { b.Attr("axis: int = -1", &p.axis); }
};

Status Plan(const Shape& indices, int64_t depth, int64_t axis_attr, int* axis, std::vector<int64_t>* dims) {
  const int rank = indices.rank();
  OPBRIDGE_REQUIRE(axis_attr == -1 || (axis_attr >= 0 && axis_attr <= rank), "Expected axis to be -1 or between [0, ",
                   rank, "].  But received: ", axis_attr);
  OPBRIDGE_REQUIRE(depth >= 0, "depth must be non-negative, got: ", depth);
  *axis = static_cast<int>(axis_attr == -1 ? rank : axis_attr);
  *dims = indices.dims();
  dims->insert(dims->begin() + *axis, depth);
  return indices.fully_known() ? array::CheckOutputSize(*dims) : Status::Ok();
}

Status OneHotShape(ShapeContext& ctx, const OneHotParams& p) {
  const ConstTensor* depth = ctx.input_value(1);
  if (depth == nullptr || depth->num_elements() != 1 || !ctx.input(0).rank_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  int axis = 0;
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), depth->data<int32_t>()[0], p.axis, &axis, &dims));
  ctx.set_output(0, Shape(dims));
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const OneHotParams& p) {
  const ConstTensor& indices = ctx.input(0);
  for (int i = 1; i < 4; ++i) {
    static const char* const kNames[] = {"", "depth", "on_value", "off_value"};
    OPBRIDGE_REQUIRE(ctx.input(i).rank() == 0, kNames[i], " must be a scalar, but got: ",
                     ctx.input(i).shape().ToString());
  }
  const int64_t depth = ctx.input(1).data<int32_t>()[0];
  int axis = 0;
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(indices.shape(), depth, p.axis, &axis, &dims));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(dims)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == dims, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(dims).ToString());
  return array::ForElements(y.dtype(), [&](auto value_tag) {
    using In = typename decltype(value_tag)::In;
    using Out = typename decltype(value_tag)::Out;
    const In on = ctx.input(2).data<In>()[0], off = ctx.input(3).data<In>()[0];  // bytes, or strings' views
    // Output [prefix, depth, suffix]; indices [prefix, suffix].
    int64_t prefix = 1, suffix = 1;
    for (int d = 0; d < axis; ++d) prefix *= indices.dim(d);
    for (int d = axis; d < indices.rank(); ++d) suffix *= indices.dim(d);
    Out* out = y.data<Out>();
    return Dispatch<uint8_t, int8_t, int32_t, int64_t>(indices.dtype(), [&](auto tag) {
      const auto* idx = indices.data<typename decltype(tag)::type>();
      // The range's [depth, suffix] blocks are filled with off_value at once
      // (array::FillElements: a memset for 0), then each index in [0, depth)
      // sets its one element (others, negative included, set none).
      const int64_t block = depth * suffix;
      array::ParallelForElements<Out>(ctx, prefix, block + 1, [&](int64_t begin, int64_t end) {
        Out* const rows = out + begin * block;
        const Out on_value = on;
        array::FillElements(rows, (end - begin) * block, off);
        for (int64_t a = 0; a < end - begin; ++a) {
          for (int64_t s = 0; s < suffix; ++s) {
            const auto k = static_cast<int64_t>(idx[(begin + a) * suffix + s]);
            if (k >= 0 && k < depth) rows[a * block + k * suffix + s] = on_value;
          }
        }
      });
      return Status::Ok();
    });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("OneHot")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("One-hot rows of on_value / off_value for indices (tf.one_hot).")
                         .Input("indices: TI")
                         .Input("depth: int32")
                         .Input("on_value: T")
                         .Input("off_value: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, bool, complex64, complex128, string}")
                         .Attr("TI: {uint8, int8, int32, int64} = DT_INT64")
                         .Params<OneHotParams>()
                         .ShapeRule(OneHotShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
