// SelectV2: TF's tf.where(condition, x, y) in float64: the converter leaves
// CUSTOM "SelectV2" {T} for double, which TFLite's SELECT_V2 lacks (measured
// by tools/census_float64.py), and for string (measured on tf.function(string
// input); array::ForElements). condition, t and e broadcast together, numpy
// style (TF's BCastList of three, at most 8 dims); elements are copied.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <algorithm>
#include <vector>

#include "../array/index_vector.h"
#include "cwise.h"

namespace opbridge {
namespace {

constexpr int kMaxRank = 8;  // TF's SelectV2 handles NDIMS 1..8

Status Broadcast3(const Shape& c, const Shape& t, const Shape& e, Shape* out) {
  Shape ct;
  Status s = math::BroadcastShape(c, t, &ct);
  if (s.ok()) s = math::BroadcastShape(ct, e, out);
  OPBRIDGE_REQUIRE(s.ok(), "condition ", c.ToString(), ", then ", t.ToString(), ", and else ", e.ToString(),
                   " must be broadcastable");
  return Status::Ok();
}

Status SelectV2Shape(ShapeContext& ctx) {
  Shape out;
  OPBRIDGE_RETURN_IF_ERROR(Broadcast3(ctx.input(0), ctx.input(1), ctx.input(2), &out));
  ctx.set_output(0, out);
  return Status::Ok();
}

Status Kernel(KernelContext& ctx) {
  const ConstTensor& cond = ctx.input(0);
  const ConstTensor& t = ctx.input(1);
  const ConstTensor& e = ctx.input(2);
  const Tensor& y = ctx.output(0);
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(Broadcast3(cond.shape(), t.shape(), e.shape(), &shape));
  OPBRIDGE_REQUIRE(shape.dims() == y.shape().dims(), "output '", y.name(), "' is ", y.shape().ToString(),
                   ", the inputs broadcast to ", shape.ToString());
  OPBRIDGE_REQUIRE(shape.rank() <= kMaxRank, "SelectV2 broadcasts at most ", kMaxRank, " dims, got ",
                   shape.ToString());
  const bool* c = cond.data<bool>();
  return array::ForElements(t.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* pt = t.data<In>();
    const In* pe = e.data<In>();
    Out* out = y.data<Out>();
    const std::vector<int64_t> strides[3] = {math::BroadcastStrides(cond.shape(), shape),
                                             math::BroadcastStrides(t.shape(), shape),
                                             math::BroadcastStrides(e.shape(), shape)};
    array::ParallelForElements<Out>(ctx, y.num_elements(), 2, [&](int64_t begin, int64_t end) {
      math::ForBroadcast(shape, strides, begin, end,
                         [&](int64_t o, const int64_t* at, const int64_t* step, int64_t run) {
                           // Locals: the elements are byte arrays, whose stores may alias
                           // anything reached through a pointer.
                           const bool* cc = c + at[0];
                           const In* tt = pt + at[1];
                           const In* ee = pe + at[2];
                           Out* dst = out + o;
                           const int64_t sc = step[0], st = step[1], se = step[2];
                           for (int64_t j = 0; j < run; ++j) dst[j] = math::Pick(cc[j * sc], tt[j * st], ee[j * se]);
                         });
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("SelectV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("condition ? t : e with the three broadcast together (tf.where).")
                         .Input("condition: bool")
                         .Input("t: T")
                         .Input("e: T")
                         .Output("output: T")
                         .Attr("T: type")
                         .ShapeRule(SelectV2Shape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
