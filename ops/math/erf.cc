// Erf: TF's Gauss error function, elementwise. TFLite has no kernel for it
// (the converter emits CUSTOM "Erf" with options {T}).
//
// Eigen's vectorized erf is the very implementation TF's CPU kernel
// evaluates, so the two runtimes agree to the last few ulps.
#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

#include "opbridge/op.h"

namespace opbridge {
namespace {

Status ErfKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  return Dispatch<float, double>(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = y.data<T>();
    ctx.ParallelFor(x.num_elements(), 10, [&](int64_t begin, int64_t end) {
      Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>(out + begin, end - begin) =
          Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(in + begin, end - begin).erf();
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Erf")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gauss error function, elementwise (tf.math.erf).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(ErfKernel));

}  // namespace
}  // namespace opbridge
