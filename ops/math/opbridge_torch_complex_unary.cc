// Opbridge>TorchComplexUnary: torch's elementwise functions of complex tensors (exp, log, log10,
// log2, log1p, expm1, sqrt, rsqrt, reciprocal, sin, cos, tan, asin, acos, atan, sinh, cosh, tanh,
// asinh, acosh, atanh, sigmoid, sgn and the powers z^2, z^3, z^-2), as torch's CPU kernels compute
// them. `block` (elements per SIMD step of torch's loop; 0: all): the last n % block elements take
// torch's scalar form, which differs for z^2, z^3, z^-2 (FMA-contracted product) and sgn (times
// 1/|z| rather than divided; measured); above 32768 elements torch's thread split adds rests that
// are not modelled. litert-torch 0.10 lowers none of them on complex64 ("Unsupported ir element type:
// complex<f32>"); opbridge.convert rewrites each onto this op (python/opbridge/torch/aten_complex.py).
//
// Why a kernel: torch's results are the C library's complex functions (cexpf, clogf, csinf ...,
// through std::exp of std::complex), whose branch cuts, signed zeros and inf/NaN rules a
// decomposition onto real builtins would have to rebuild, and would still round differently; here
// the same calls give the same bits. What torch writes itself (division, log1p, expm1, sigmoid's
// steps, the vectorized complex double acos) is torch_complex.h, rounded as torch's FMA build rounds
// it. Bitwise equal to torch 2.13 (AVX512 kernels) over 330k random and special values (0, -0,
// +-1, +-inf, NaN, subnormals, 88/89 at float's exp overflow, 1e30) per function and dtype, except
// complex128 sgn: torch's vectorized |z| is Sleef's hypot (0.5001 ulp), here the C library's
// hypot; 1860 of 330k elements were 1 ulp apart.
#include <cstdint>
#include <string>

#include "opbridge/op.h"
#include "torch_complex.h"

namespace opbridge {
namespace {

namespace tc = math::torch_complex;

struct TorchComplexUnaryParams {
  DType t = DType::kComplex64;
  std::string fn;
  int64_t block = 0;

  static void Declare(ParamBinder& b, TorchComplexUnaryParams& p) {
    b.Attr("T: {complex64, complex128}", &p.t);
    b.Attr("fn: string", &p.fn);
    b.Attr("block: int = 0", &p.block);
  }
};

Status Lookup(const std::string& name, tc::Fn* fn) {
  for (int i = 0; i < static_cast<int>(tc::Fn::kCount); ++i) {
    if (name == tc::kFnNames[i]) {
      *fn = static_cast<tc::Fn>(i);
      return Status::Ok();
    }
  }
  std::string known;
  for (const char* k : tc::kFnNames) known += std::string(known.empty() ? "" : ", ") + k;
  return Status::Error("unknown fn '" + name + "' (" + known + ")");
}

Status UnaryShape(ShapeContext& ctx, const TorchComplexUnaryParams& p) {
  tc::Fn fn;
  OPBRIDGE_RETURN_IF_ERROR(Lookup(p.fn, &fn));
  OPBRIDGE_REQUIRE(p.block >= 0, "block must be >= 0, got ", p.block);
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

Status UnaryKernel(KernelContext& ctx, const TorchComplexUnaryParams& p) {
  tc::Fn fn;
  OPBRIDGE_RETURN_IF_ERROR(Lookup(p.fn, &fn));
  return Dispatch<std::complex<float>, std::complex<double>>(p.t, [&](auto tag) {
    using Cx = typename decltype(tag)::type;
    using Real = typename Cx::value_type;
    const Cx* in = ctx.input(0).data<Cx>();
    Cx* out = ctx.output(0).data<Cx>();
    const int64_t n = ctx.input(0).num_elements();
    // torch's loop over the (contiguous, hence one-dim) tensor: SIMD blocks, then a scalar rest
    const int64_t vector_part = p.block > 0 ? n - n % p.block : n;
    ctx.ParallelFor(n, 60, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = tc::Apply<Real>(fn, in[i], i < vector_part);
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>TorchComplexUnary")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch's elementwise functions of complex tensors (exp, log, sqrt, sin, tanh, "
                              "reciprocal, sigmoid, sgn ...; the `fn` attr), as torch's CPU kernels compute "
                              "them.")
                         .Input("x: T")
                         .Output("y: T")
                         .Params<TorchComplexUnaryParams>()
                         .ShapeRule(UnaryShape)
                         // torch keeps subnormal values
                         .KeepDenormals()
                         .Kernel(UnaryKernel));

}  // namespace
}  // namespace opbridge
