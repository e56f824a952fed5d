// Opbridge>TorchComplexBinary: torch's complex x * y, x / y and x ** y (the `fn` attr: mul, div,
// pow), elementwise with numpy broadcasting, as torch's CPU kernels compute them.
// litert-torch 0.10 lowers no complex arithmetic; opbridge.convert rewrites aten.mul / div / pow of
// complex tensors onto this op (python/opbridge/torch/aten_complex.py).
//
// - pow: std::pow of two std::complex (the C library's cpowf / cpow, exp(y log x)), in both of
//   torch's loop forms; torch promotes complex ** real scalar, real scalar ** complex and complex
//   ** real tensor to it (a real exponent e is e + 0i). Its special scalar exponents (2, 3, -2,
//   +-0.5, -1) take other formulas, which the rewrite sends to Opbridge>TorchComplexUnary.
// - div: c10::complex's division (numpy's Smith-like algorithm) in both forms, rounded as torch's
//   FMA build rounds it (torch_complex.h).
// - mul: torch's SIMD product (each product rounded) in the vectorized part of its loop, the
//   FMA-contracted c10::complex product in the scalar rest: TensorIterator's rule below.
// Checked bitwise against torch 2.13 (AVX512) over 65k random pairs and every pair of 0, -0, +-1,
// +-inf, NaN, 2, 0.5 per part, complex64 and complex128 (pow); mul and div end to end.
//
// Which elements torch computes in the scalar form (`block` > 0, elements per SIMD step; measured
// on torch 2.13's AVX512 build, where the product's loop steps one vector: 8 complex64, 4
// complex128): its TensorIterator drops size-1 dims, coalesces the output's innermost dims while
// every operand's strides allow (broadcast dims have stride 0), and runs each row of the coalesced
// inner dim with the SIMD form on whole blocks when both inputs are contiguous along it, or one is
// contiguous and the other constant along it; the rest of the row, or the whole row otherwise, is
// its scalar loop, which GCC compiled to FMA-contracted products, but for complex64 the last
// element of an odd rest (the loop's own epilogue, computed as the SIMD form). Above 32768
// elements torch also splits the range over its threads, each part with its own rest: not
// modelled.
#include <complex>
#include <cstdint>
#include <string>
#include <vector>

#include "broadcast.h"
#include "opbridge/op.h"
#include "torch_complex.h"

namespace opbridge {
namespace {

namespace tc = math::torch_complex;

enum class BinaryFn { kPow, kMul, kDiv };

struct TorchComplexBinaryParams {
  DType t = DType::kComplex64;
  std::string fn;
  int64_t block = 0;

  static void Declare(ParamBinder& b, TorchComplexBinaryParams& p) {
    b.Attr("T: {complex64, complex128}", &p.t);
    b.Attr("fn: string", &p.fn);
    b.Attr("block: int = 0", &p.block);
  }
};

Status Lookup(const std::string& name, BinaryFn* fn) {
  if (name == "pow") {
    *fn = BinaryFn::kPow;
  } else if (name == "mul") {
    *fn = BinaryFn::kMul;
  } else if (name == "div") {
    *fn = BinaryFn::kDiv;
  } else {
    return Status::Error("unknown fn '" + name + "' (pow, mul, div)");
  }
  return Status::Ok();
}

Status BinaryShape(ShapeContext& ctx, const TorchComplexBinaryParams& p) {
  BinaryFn fn;
  OPBRIDGE_RETURN_IF_ERROR(Lookup(p.fn, &fn));
  OPBRIDGE_REQUIRE(p.block >= 0, "block must be >= 0, got ", p.block);
  return math::BroadcastBinaryShape(ctx);
}

template <typename R>
tc::C<R> Evaluate(BinaryFn fn, tc::C<R> x, tc::C<R> y, bool simd) {
  switch (fn) {
    case BinaryFn::kPow:
      return std::pow(x, y);
    case BinaryFn::kMul:
      return simd ? tc::VectorMul(x, y) : tc::ScalarMul(x, y);
    case BinaryFn::kDiv:
      break;
  }
  return tc::Div(x, y);
}

// Element strides of `in` over the output's dims (0 where broadcast), numpy alignment.
std::vector<int64_t> Strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> strides(static_cast<size_t>(out.rank()), 0);
  int64_t step = 1;
  for (int i = in.rank() - 1; i >= 0; --i) {
    const int o = out.rank() - in.rank() + i;
    strides[static_cast<size_t>(o)] = in.dim(i) == 1 ? 0 : step;
    step *= in.dim(i);
  }
  return strides;
}

// TensorIterator's inner row (see the file comment): its length and whether it runs SIMD blocks.
void InnerRow(const Shape& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb, int64_t* row,
              bool* simd) {
  int64_t extent = 1, stride_a = 0, stride_b = 0;
  bool started = false;
  for (int d = out.rank() - 1; d >= 0; --d) {
    const int64_t n = out.dim(d);
    if (n == 1) continue;
    const int64_t a = sa[static_cast<size_t>(d)], b = sb[static_cast<size_t>(d)];
    if (!started) {
      extent = n;
      stride_a = a;
      stride_b = b;
      started = true;
      continue;
    }
    // merges when each operand continues its inner stride pattern (the output always does)
    if (a != stride_a * extent || b != stride_b * extent) break;
    extent *= n;
  }
  *row = extent;
  const bool a_contiguous = stride_a == 1, b_contiguous = stride_b == 1;
  *simd = (a_contiguous && b_contiguous) || (a_contiguous && stride_b == 0) || (stride_a == 0 && b_contiguous);
}

Status BinaryKernel(KernelContext& ctx, const TorchComplexBinaryParams& p) {
  BinaryFn fn;
  OPBRIDGE_RETURN_IF_ERROR(Lookup(p.fn, &fn));
  return Dispatch<std::complex<float>, std::complex<double>>(p.t, [&](auto tag) {
    using Cx = typename decltype(tag)::type;
    using Real = typename Cx::value_type;
    // Every element in the SIMD form first (the form of pow and div throughout) ...
    OPBRIDGE_RETURN_IF_ERROR((math::BinaryBroadcast<std::complex<float>, std::complex<double>>(
        ctx, 40, [fn](auto x, auto y) { return Evaluate(fn, x, y, true); })));
    if (fn != BinaryFn::kMul || p.block == 0) return Status::Ok();
    // ... then the product's elements torch computes in the scalar form.
    const Shape& out_shape = ctx.output(0).shape();
    const int64_t total = out_shape.num_elements();
    if (total == 0) return Status::Ok();
    const auto sa = Strides(ctx.input(0).shape(), out_shape);
    const auto sb = Strides(ctx.input(1).shape(), out_shape);
    int64_t row = 1;
    bool simd = false;
    InnerRow(out_shape, sa, sb, &row, &simd);
    const int64_t vector_part = simd ? row - row % p.block : 0;
    if (vector_part == row) return Status::Ok();
    const Cx* a = ctx.input(0).data<Cx>();
    const Cx* b = ctx.input(1).data<Cx>();
    Cx* out = ctx.output(0).data<Cx>();
    const int rank = out_shape.rank();
    const int64_t rest = row - vector_part;
    const bool odd_epilogue = sizeof(Real) == sizeof(float) && rest % 2 == 1;
    for (int64_t o = 0; o < total; ++o) {
      const int64_t position = o % row;
      if (position < vector_part || (odd_epilogue && position == row - 1)) continue;
      int64_t left = o, ia = 0, ib = 0;
      for (int d = rank - 1; d >= 0; --d) {
        const int64_t n = out_shape.dim(d);
        const int64_t i = left % n;
        left /= n;
        ia += i * sa[static_cast<size_t>(d)];
        ib += i * sb[static_cast<size_t>(d)];
      }
      out[o] = Evaluate<Real>(fn, a[ia], b[ib], false);
    }
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>TorchComplexBinary")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch's complex x * y, x / y, x ** y (the `fn` attr), numpy broadcasting, as "
                              "torch's CPU kernels compute them.")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Params<TorchComplexBinaryParams>()
                         .ShapeRule(BinaryShape)
                         // torch keeps subnormal values
                         .KeepDenormals()
                         .Kernel(BinaryKernel));

}  // namespace
}  // namespace opbridge
