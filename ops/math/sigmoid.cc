// Sigmoid: TF's logistic function (tf.math.sigmoid) in float64, half, bfloat16, complex64 and complex128:
// the converter leaves CUSTOM "Sigmoid" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Eigen's scalar_logistic_op, as TF's CPU kernel evaluates it.
// Complex: Eigen has no packet path, so TF computes e = exp(x), then 1 where
// real(e) is infinite, else e / (e + 1), per element with std::complex.
// complex64 takes TF's wheel's division (clang's: complex_float_scalar.h), so
// its bits are TF's; GCC's rounded some quotients 1 ulp apart and, with
// cexpf per element, took 1.7x TF's time. Complex128 is exact through Eigen.
#include <complex>

#include "complex_float_scalar.h"
#include "complex_scalar_ops.h"
#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  if (IsBuilt(DType::kComplex64) && x.dtype() == DType::kComplex64) {
    const auto* in = x.data<std::complex<float>>();
    auto* out = ctx.output(0).data<std::complex<float>>();
    ctx.ParallelFor(x.num_elements(), 20, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const std::complex<float> e = math::ExpGlibc(in[i]);
        const std::complex<float> one(1.0f);
        out[i] = std::isinf(e.real()) ? one : math::SmithDivide(e, e + one);
      }
    });
    return Status::Ok();
  }
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16, std::complex<double>>(
      ctx, 5, math::packet_exprs::Sigmoid{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Sigmoid")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("1 / (1 + e^-x), elementwise (tf.math.sigmoid).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
