// Select: TF's tf.compat.v1.where(condition, t, e) in float64: the converter
// leaves CUSTOM "Select" {T} for double, which TFLite's SELECT lacks
// (measured by tools/census_float64.py), and for string (measured on
// tf.function(string input); array::ForElements). TF's three forms: a scalar condition
// picks all of t or all of e; a vector condition over a higher-rank t picks
// rows (its length is t's first dim); otherwise condition has t's shape and
// picks per element. t and e must have the same shape; TF's error texts.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include "../array/index_vector.h"
#include "cwise.h"

namespace opbridge {
namespace {

Status SelectShape(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input(1));
  return Status::Ok();
}

Status Kernel(KernelContext& ctx) {
  const ConstTensor& cond = ctx.input(0);
  const ConstTensor& t = ctx.input(1);
  const ConstTensor& e = ctx.input(2);
  OPBRIDGE_REQUIRE(t.shape().dims() == e.shape().dims(), "'then' and 'else' must have the same size.  but received: ",
                   t.shape().ToString(), " vs. ", e.shape().ToString());
  const bool* c = cond.data<bool>();
  return array::ForElements(t.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* pt = t.data<In>();
    const In* pe = e.data<In>();
    Out* out = ctx.output(0).data<Out>();
    const int64_t n = t.num_elements();
    if (cond.rank() == 0) {
      const In* src = c[0] ? pt : pe;
      for (int64_t i = 0; i < n; ++i) out[i] = src[i];
      return Status::Ok();
    }
    if (cond.rank() == 1 && t.rank() > 1) {
      OPBRIDGE_REQUIRE(cond.dim(0) == t.dim(0), "Number of batches of 'then' must match size of 'cond', but saw: ",
                       t.dim(0), " vs. ", cond.dim(0));
      const int64_t row = t.dim(0) ? n / t.dim(0) : 0;
      array::ParallelForElements<Out>(ctx, n, 1, [&](int64_t begin, int64_t end) {
        // Locals: the elements are byte arrays, whose stores may alias the captured pointers.
        const bool* cc = c;
        const In* tt = pt;
        const In* ee = pe;
        Out* dst = out;
        for (int64_t i = begin; i < end; ++i) dst[i] = math::Pick(cc[i / row], tt[i], ee[i]);
      });
      return Status::Ok();
    }
    OPBRIDGE_REQUIRE(cond.shape().dims() == t.shape().dims(),
                     "'condition' and 'then' must have the same size.  but received: ", cond.shape().ToString(),
                     " vs. ", t.shape().ToString());
    array::ParallelForElements<Out>(ctx, n, 1, [&](int64_t begin, int64_t end) {
      const bool* cc = c;  // locals, as above
      const In* tt = pt;
      const In* ee = pe;
      Out* dst = out;
      for (int64_t i = begin; i < end; ++i) dst[i] = math::Pick(cc[i], tt[i], ee[i]);
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Select")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("condition ? t : e; condition a scalar, a row vector or t's shape "
                              "(tf.compat.v1.where).")
                         .Input("condition: bool")
                         .Input("t: T")
                         .Input("e: T")
                         .Output("output: T")
                         .Attr("T: type")
                         .ShapeRule(SelectShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
