// Eig: eigenvalues e and, with compute_v, eigenvectors v (columns) of each
// general square matrix in a batch (tf.linalg.eig, tf.linalg.eigvals). TFLite
// has no kernel: the converter emits CUSTOM "Eig" with options
// {compute_v, T, Tout}; float and complex64 give complex64, double and
// complex128 give complex128 (tf.linalg.eig's rule).
//
// As TF's CPU kernel (EigOp): Eigen's EigenSolver for real input and
// ComplexEigenSolver for complex input, on row-major matrices (see
// Eigendecompose), with denormals kept. A matrix the solver cannot decompose
// (NaN or inf met by the QR iteration) is an error, as in TF: "Eigen
// decomposition was not successful. The input might not be valid." Without
// compute_v, v is a [0] tensor as TF's shape function says (TF 2.21's kernel
// leaves an uninitialized scalar there; no model reads it).
//
// TF's Eigen is compiled for AVX, this library for baseline x86-64: the
// Hessenberg reduction's products round differently beyond 5x5 (complex64:
// at most sizes), and the real Schur iteration can then deflate eigenvalues in
// another order. Up to 5x5 the float32/float64/complex128 eigenvalues are
// TF's bit for bit (docs/ops/eig.md has the measurements).
#include <complex>
#include <memory>

#include "eig_batch.h"
#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

struct EigParams {
  bool compute_v = true;
  DType t = DType::kFloat32;
  DType tout = DType::kComplex64;

  static void Declare(ParamBinder& b, EigParams& p) {
    b.Attr("compute_v: bool = true", &p.compute_v);
    b.Attr("T: {float, double, complex64, complex128}", &p.t);
    b.Attr("Tout: {complex64, complex128}", &p.tout);
  }

  // TF registers one kernel per T whose output type is fixed by T's
  // precision; another Tout fails there ("Invalid output dtype").
  Status Validate() const {
    const bool single = t == DType::kFloat32 || t == DType::kComplex64;
    const DType want = single ? DType::kComplex64 : DType::kComplex128;
    OPBRIDGE_REQUIRE(tout == want, "attr Tout is ", DTypeName(tout), " but an input of type ", DTypeName(t),
                     " gives ", DTypeName(want));
    return Status::Ok();
  }
};

Status EigShape(ShapeContext& ctx, const EigParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  const Shape& input = ctx.input(0);
  const int64_t n = DimFromEnd(input, 1);
  ctx.set_output(0, WithBatch(input, {n}));
  ctx.set_output(1, p.compute_v ? WithBatch(input, {n, n}) : Shape({0}));
  return Status::Ok();
}

// Writes matrix b's eigenvalues (and eigenvectors) or marks it failed.
template <typename In, typename C>
Status Eigendecompose(KernelContext& ctx, const EigParams& p) {
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.dim(-1);
  if (n == 0) return Status::Ok();
  const int64_t batch = BatchSize(input.shape());
  const bool compute_v = p.compute_v;
  C* e_out = ctx.output(0).data<C>();
  C* v_out = compute_v ? ctx.output(1).data<C>() : nullptr;
  std::unique_ptr<bool[]> failed(new bool[static_cast<size_t>(batch)]());
  const double flops = (Eigen::NumTraits<In>::IsComplex ? 4.0 : 1.0) * (compute_v ? 25.0 : 10.0) * n * n * n;
  ctx.ParallelFor(batch, MatrixCost(flops), [&](int64_t begin, int64_t end) {
    RunDecomposeGeneral<In>(input.data<In>() + begin * n * n, end - begin, n, compute_v, e_out + begin * n,
                            compute_v ? v_out + begin * n * n : nullptr, failed.get() + begin);
  });
  // The first failing matrix, as TF's first failing shard reports.
  int64_t bad = -1;
  for (int64_t b = 0; b < batch && bad < 0; ++b) {
    if (failed[static_cast<size_t>(b)]) bad = b;
  }
  OPBRIDGE_REQUIRE(bad < 0, "Eigen decomposition was not successful. The input might not be valid. (matrix ", bad,
                   " of ", batch, " in input '", input.name(), "')");
  return Status::Ok();
}

Status EigKernel(KernelContext& ctx, const EigParams& p) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(ctx.input(0).dtype(), [&](auto tag) {
    using In = typename decltype(tag)::type;
    using Real = typename Eigen::NumTraits<In>::Real;
    return Eigendecompose<In, std::complex<Real>>(ctx, p);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Eig")
                         .Origin(OpOrigin::kTensorFlow)
                         // TF turns denormals back on for this solver: it relies on them.
                         .KeepDenormals()
                         .Doc("Eigenvalues and optionally eigenvectors of each general square matrix in a batch "
                              "(tf.linalg.eig, tf.linalg.eigvals); complex output.")
                         .Input("input: T")
                         .Output("e: Tout")
                         .Output("v: Tout")
                         .Params<EigParams>()
                         .ShapeRule(EigShape)
                         .Kernel(EigKernel));

}  // namespace
}  // namespace opbridge
