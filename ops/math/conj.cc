// Conj: TF's complex conjugate (tf.math.conj on complex tensors). TFLite has
// no builtin: the converter emits CUSTOM "Conj" {T} for complex64 and
// complex128 (tf.math.conj of a real tensor is the identity and emits no op;
// TF's variant dtype never reaches a TFLite model). Exact: the imaginary
// part's sign is flipped, NaN and signed zeros included.
#include <complex>

#include "opbridge/op.h"

namespace opbridge {
namespace {

struct ConjParams {
  DType t = DType::kComplex64;

  static void Declare(ParamBinder& b, ConjParams& p) { b.Attr("T: {complex64, complex128} = DT_COMPLEX64", &p.t); }
};

Status ConjKernel(KernelContext& ctx, const ConjParams& p) {
  return Dispatch<std::complex<float>, std::complex<double>>(p.t, [&](auto tag) {
    using C = typename decltype(tag)::type;
    const C* in = ctx.input(0).data<C>();
    C* out = ctx.output(0).data<C>();
    ctx.ParallelFor(ctx.input(0).num_elements(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = C(in[i].real(), -in[i].imag());
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Conj")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Complex conjugate (tf.math.conj) of complex64 and complex128 tensors.")
                         .Input("input: T")
                         .Output("output: T")
                         .Params<ConjParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(ConjKernel));

}  // namespace
}  // namespace opbridge
