// Angle: TF's argument of complex numbers (tf.math.angle), atan2(imag, real)
// in the element's precision. TFLite has no builtin: the converter emits
// CUSTOM "Angle" {T, Tout} for complex64 (-> float) and complex128
// (-> double). TF's kernel evaluates Eigen's scalar_arg_op, which calls
// std::arg (the C library's atan2, as here): the results are bit-identical.
#include <complex>

#include "opbridge/op.h"

namespace opbridge {
namespace {

struct AngleParams {
  DType t = DType::kComplex64;
  DType tout = DType::kFloat32;

  static void Declare(ParamBinder& b, AngleParams& p) {
    b.Attr("T: {complex64, complex128} = DT_COMPLEX64", &p.t);
    b.Attr("Tout: {float, double} = DT_FLOAT", &p.tout);
  }
};

Status AngleShape(ShapeContext& ctx, const AngleParams& p) {
  OPBRIDGE_REQUIRE((p.t == DType::kComplex64 && p.tout == DType::kFloat32) ||
                       (p.t == DType::kComplex128 && p.tout == DType::kFloat64),
                   "attr Tout is ", DTypeName(p.tout), " but an input of type ", DTypeName(p.t), " gives ",
                   p.t == DType::kComplex64 ? "float" : "double");
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

Status AngleKernel(KernelContext& ctx, const AngleParams& p) {
  return Dispatch<std::complex<float>, std::complex<double>>(p.t, [&](auto tag) {
    using C = typename decltype(tag)::type;
    using Real = typename C::value_type;
    const C* in = ctx.input(0).data<C>();
    Real* out = ctx.output(0).data<Real>();
    ctx.ParallelFor(ctx.input(0).num_elements(), 20, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = std::arg(in[i]);
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Angle")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Argument of complex numbers, atan2(imag, real) (tf.math.angle); complex64 gives "
                              "float, complex128 double.")
                         .Input("input: T")
                         .Output("output: Tout")
                         .Params<AngleParams>()
                         .ShapeRule(AngleShape)
                         .Kernel(AngleKernel));

}  // namespace
}  // namespace opbridge
