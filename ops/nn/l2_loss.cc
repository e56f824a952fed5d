// L2Loss: TF's sum(t ** 2) / 2 (tf.nn.l2_loss, the weight decay term of
// Keras kernel_regularizer=l2 and of hand-written train steps) in float64,
// half and bfloat16: the converter leaves CUSTOM "L2Loss" {T} for those
// dtypes, which TFLite's builtins lack (measured: a float64 model had no
// kernel). float32 too, as TF's attr allows.
//
// Each term is TF's: t * t rounded to T, times 0.5 rounded to T. TF then sums
// them in Eigen's tree of packets, rounding in T; here the terms are summed
// in double with Neumaier's compensation (the Sum kernel's, reduction.h) and
// rounded to T once, so the result is at least as close to the exact sum of
// TF's terms as TF's (not always the same bits: float64 differs from TF's in
// the last bit or two on long inputs).
#include <vector>

#include "../math/element_types.h"
#include "../math/reduction.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  const ConstTensor& t = ctx.input(0);
  return math::DispatchElement<double, float, Eigen::half, Eigen::bfloat16>(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = t.data<T>();
    const int64_t n = t.num_elements();
    math::CompensatedSum sum;
    constexpr int64_t kBlock = 1024;
    double terms[kBlock];
    for (int64_t b = 0; b < n; b += kBlock) {
      const int64_t m = std::min(kBlock, n - b);
      for (int64_t i = 0; i < m; ++i) {
        const T square = static_cast<T>(in[b + i] * in[b + i]);
        terms[i] = static_cast<double>(static_cast<T>(square * T(0.5)));
      }
      sum.AddSpan(terms, m);
    }
    ctx.output(0).data<T>()[0] = static_cast<T>(sum.Result());
    return Status::Ok();
  });
}

Status ShapeRule(ShapeContext& ctx) {
  ctx.set_output(0, Shape(std::vector<int64_t>{}));
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("L2Loss")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("sum(t ** 2) / 2 (tf.nn.l2_loss).")
                         .Input("t: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(ShapeRule)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
