// Pack: TF's tf.stack(values, axis) in float64: the converter leaves CUSTOM
// "Pack" {T, N, axis} for double, which TFLite's PACK lacks (measured by
// tools/census_float64.py), and for string (measured on tf.function(string
// input); array::ForElements). The N inputs have one shape; the output has a new
// dim of N at `axis` (in [-(rank + 1), rank + 1)). TF's checks and texts.
// Elements are copied: exact.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <type_traits>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

struct PackParams {
  int64_t axis = 0;

  static void Declare(ParamBinder& b, PackParams& p) { b.Attr("axis: int = 0", &p.axis); }
};

Status Plan(const Shape& first, int n, int64_t axis_attr, int64_t* axis, std::vector<int64_t>* dims) {
  const int rank = first.rank();
  *axis = axis_attr < 0 ? axis_attr + rank + 1 : axis_attr;
  OPBRIDGE_REQUIRE(*axis >= 0 && *axis <= rank, "axis = ", axis_attr, " not in [", -(rank + 1), ", ", rank + 1, ")");
  *dims = first.dims();
  dims->insert(dims->begin() + *axis, n);
  return Status::Ok();
}

Status PackShape(ShapeContext& ctx, const PackParams& p) {
  const Shape& first = ctx.input(0);
  if (!first.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    return Status::Ok();
  }
  int64_t axis = 0;
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(first, ctx.num_inputs(), p.axis, &axis, &dims));
  const Shape out(dims);
  ctx.set_output(0, out);
  array::ForwardInputIfSameSize(ctx, out);
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const PackParams& p) {
  const int n = ctx.num_inputs();
  const Shape& first = ctx.input(0).shape();
  const DType first_dtype = ctx.input(0).dtype();
  for (int i = 1; i < n; ++i) {
    OPBRIDGE_REQUIRE(ctx.input(i).shape().dims() == first.dims(),
                     "Shapes of all inputs must match: values[0].shape = ", first.ToString(), " != values[", i,
                     "].shape = ", ctx.input(i).shape().ToString());
  }
  int64_t axis = 0;
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(first, n, p.axis, &axis, &dims));
  // Each input is `outer` blocks of `inner` elements; output block j holds
  // input 0's block j, then input 1's, ...
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= first.dim(d);
  for (int d = static_cast<int>(axis); d < first.rank(); ++d) inner *= first.dim(d);
  // Output piece p = j * n + i (inner elements) is input i's block j. The
  // pieces are split between threads (each piece one copy): tf.stack of two
  // [1024, 256] float64 on one thread took TF's time, which TF's ConcatCPU
  // splits.
  return array::ForElements(first_dtype, [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    static_assert(std::is_same_v<In, Out>, "Pack copies elements as they are");
    Out* const out = ctx.output(0).data<Out>();
    std::vector<const In*> ins(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) ins[static_cast<size_t>(i)] = ctx.input(i).data<In>();
    const int64_t cost = inner * static_cast<int64_t>(sizeof(Out)) / 16 + 1;  // ns per piece, roughly
    array::ParallelForElements<Out>(ctx, outer * n, cost, [&](int64_t begin, int64_t end) {
      int64_t j = begin / n;
      int i = static_cast<int>(begin % n);
      for (int64_t p = begin; p < end; ++p) {
        array::CopyElements(out + p * inner, ins[static_cast<size_t>(i)] + j * inner, inner);
        if (++i == n) {
          i = 0;
          ++j;
        }
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Pack")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("N tensors of one shape stacked along a new dim (tf.stack).")
                         .Input("values: N * T")
                         .Output("output: T")
                         .Attr("N: int >= 1")
                         .Attr("T: type")
                         .Params<PackParams>()
                         .MayForwardInput()
                         .ShapeRule(PackShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
