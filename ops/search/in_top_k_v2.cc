// InTopKV2: whether each row's target class is among the row's k largest
// predictions (tf.math.in_top_k, tf.nn.in_top_k). TFLite has no kernel: the
// converter emits CUSTOM "InTopKV2" with options {T}.
//
//   predictions [batch, classes] float, targets [batch] T, k scalar T
//     -> precision [batch] bool.
//
// TF's CPU kernel, as measured: row i is true when its target is in
// [0, classes), every prediction of the row is finite, and fewer than k
// predictions are strictly greater than the target's (so ties are all in,
// k <= 0 gives false, k >= classes gives true). An out-of-range target or a
// NaN or infinite prediction anywhere in the row gives false, not an error.
// Errors as TF's kernel: k not a scalar, predictions not 2-D, targets not
// 1-D, their first dims differing.
#include <cmath>

#include "opbridge/op.h"

namespace opbridge {
namespace {

Status InTopKShape(ShapeContext& ctx) {
  // TF's kernel checks ranks with its own messages; the output is one flag
  // per target.
  const Shape& targets = ctx.input(1);
  ctx.set_output(0, targets.rank_known() && targets.rank() == 1 ? Shape({targets.dim(0)}) : Shape({kUnknownDim}));
  if (!targets.rank_known() || targets.rank() != 1) ctx.set_output_dynamic(0);
  return Status::Ok();
}

template <typename T>
Status InTopK(KernelContext& ctx) {
  const ConstTensor& predictions = ctx.input(0);
  const ConstTensor& targets = ctx.input(1);
  const auto k = static_cast<int64_t>(*ctx.input(2).data<T>());
  const int64_t batch = predictions.dim(0), classes = predictions.dim(1);
  const float* pred = predictions.data<float>();
  const T* target = targets.data<T>();
  bool* out = ctx.output(0).data<bool>();
  ctx.ParallelFor(batch, classes + 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* row = pred + r * classes;
      const auto t = static_cast<int64_t>(target[r]);
      if (t < 0 || t >= classes || !std::isfinite(row[t])) {
        out[r] = false;
        continue;
      }
      const float mine = row[t];
      int64_t greater = 0;
      bool finite = true;
      for (int64_t c = 0; c < classes; ++c) {
        finite &= std::isfinite(row[c]);
        greater += row[c] > mine;
      }
      out[r] = finite && greater < k;
    }
  });
  return Status::Ok();
}

Status InTopKKernel(KernelContext& ctx) {
  const ConstTensor& predictions = ctx.input(0);
  const ConstTensor& targets = ctx.input(1);
  const ConstTensor& k = ctx.input(2);
  OPBRIDGE_REQUIRE(k.rank() == 0, "k must be 0-D, got shape ", k.shape().ToString());
  OPBRIDGE_REQUIRE(predictions.rank() == 2, "predictions must be 2-dimensional");
  OPBRIDGE_REQUIRE(targets.rank() == 1, "targets must be 1-dimensional");
  OPBRIDGE_REQUIRE(predictions.dim(0) == targets.dim(0), "First dimension of predictions ", predictions.dim(0),
                   " must match length of targets ", targets.dim(0));
  OPBRIDGE_REQUIRE(k.dtype() == targets.dtype(), "inputs 'targets' and 'k' differ in dtype: ",
                   DTypeName(targets.dtype()), ", ", DTypeName(k.dtype()));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({targets.dim(0)})));
  return Dispatch<int32_t, int64_t>(targets.dtype(), [&](auto tag) { return InTopK<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("InTopKV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Whether each target class is among its row's k largest predictions; ties count in, "
                              "non-finite rows and out-of-range targets give false (tf.math.in_top_k).")
                         .Input("predictions: float")
                         .Input("targets: T")
                         .Input("k: T")
                         .Output("precision: bool")
                         .Attr("T: {int32, int64} = DT_INT32")
                         .ShapeRule(InTopKShape)
                         .Kernel(InTopKKernel));

}  // namespace
}  // namespace opbridge
