// Softsign: TF's x / (|x| + 1) (tf.nn.softsign, Keras "softsign") in
// float64, half and bfloat16: the converter leaves CUSTOM "Softsign" {T} for
// those dtypes, which TFLite's builtins lack (measured: a float64 softsign
// model had no kernel). float32 too, as TF's attr allows.
//
// As TF's functor, features / (|features| + 1): the sum rounded to T, then
// the quotient rounded to T (half and bfloat16 computed in float, each step
// rounded back, as Eigen's half operators do). Its packet and scalar paths
// agree: two correctly rounded operations.
#include <cmath>

#include "../math/cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryMap<float, double, Eigen::half, Eigen::bfloat16>(ctx, 2, [](auto x) {
    using T = decltype(x);
    const T d = static_cast<T>(Eigen::numext::abs(x) + T(1));
    return static_cast<T>(x / d);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Softsign")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / (|x| + 1), elementwise (tf.nn.softsign).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
