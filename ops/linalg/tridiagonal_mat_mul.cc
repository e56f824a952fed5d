// TridiagonalMatMul: TF's tf.linalg.tridiagonal_matmul (compact form, and the
// 'sequence'/'matrix' forms the Python wrapper reduces to it): rhs [..., M, N]
// multiplied by the tridiagonal matrix with superdiag, maindiag and subdiag
// [..., 1, M] (superdiag's last and subdiag's first element unused). The
// converter has no builtin for it and leaves CUSTOM "TridiagonalMatMul" {T}.
//
// TF's CPU kernel (a LinearAlgebraOp, per matrix of the batch) evaluates three
// Eigen array expressions in turn: y = rhs * main; y[1:] += rhs[:-1] * sub[1:];
// y[:-1] += rhs[1:] * super[:-1]. Each element is therefore
// ((rhs[i] * main[i]) + rhs[i-1] * sub[i]) + rhs[i+1] * super[i], each product
// and sum rounded on its own (TF's wheel has no FMA contraction there; this
// file is built for baseline x86-64, which has none either), complex products
// as Eigen's packet product (complex_scalar_ops.h: no NaN recovery). Bits
// match TF's. The batch dims must be equal (no broadcasting), with TF's texts.
#include <complex>
#include <cstdint>

#include "../math/complex_scalar_ops.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using math::PacketMul;

// TF's LinearAlgebraOp input checks, in its order, then the op's own.
Status CheckShapes(const Shape* in, bool known_only) {
  auto rank_known = [&](int i) { return in[i].rank_known(); };
  if (rank_known(0)) {
    OPBRIDGE_REQUIRE(in[0].rank() >= 2, "Input tensor 0 must have rank >= 2, got ", in[0].rank());
  }
  for (int i = 1; i < 4; ++i) {
    if (!rank_known(0) || !rank_known(i)) continue;
    OPBRIDGE_REQUIRE(in[i].rank() == in[0].rank(), "All input tensors must have the same rank.");
    for (int d = 0; d < in[0].rank() - 2; ++d) {
      const int64_t a = in[0].dim(d), b = in[i].dim(d);
      OPBRIDGE_REQUIRE(a < 0 || b < 0 || a == b, "All input tensors must have the same outer dimensions.");
    }
  }
  if (!rank_known(3)) return Status::Ok();
  const int64_t m = in[3].dim(in[3].rank() - 2);
  static const char* const kNames[3] = {"superdiagonal", "main diagonal", "subdiagonal"};
  for (int i = 0; i < 3; ++i) {
    if (!rank_known(i)) continue;
    const int64_t rows = in[i].dim(in[i].rank() - 2), cols = in[i].dim(in[i].rank() - 1);
    const bool unknown = rows < 0 || cols < 0 || m < 0;
    OPBRIDGE_REQUIRE((unknown && known_only) || (rows == 1 && cols == m), "Invalid ", kNames[i], " shape.");
  }
  return Status::Ok();
}

Status TridiagonalMatMulShape(ShapeContext& ctx) {
  const Shape in[4] = {ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3)};
  OPBRIDGE_RETURN_IF_ERROR(CheckShapes(in, true));
  ctx.set_output(0, in[3]);
  return Status::Ok();
}

template <typename T>
void MatMul(KernelContext& ctx, int64_t batch, int64_t m, int64_t n) {
  const T* super = ctx.input(0).data<T>();
  const T* main = ctx.input(1).data<T>();
  const T* sub = ctx.input(2).data<T>();
  const T* rhs = ctx.input(3).data<T>();
  T* y = ctx.output(0).data<T>();
  // One unit per output row: three rows of rhs in, one row out.
  ctx.ParallelFor(batch * m, 3 * n + 1, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t b = row / m, i = row % m;
      const T* r = rhs + row * n;
      T* out = y + row * n;
      const T d = main[b * m + i];
      for (int64_t j = 0; j < n; ++j) out[j] = PacketMul(r[j], d);
      if (i > 0) {
        const T s = sub[b * m + i];
        const T* above = r - n;
        for (int64_t j = 0; j < n; ++j) out[j] = out[j] + PacketMul(above[j], s);
      }
      if (i + 1 < m) {
        const T s = super[b * m + i];
        const T* below = r + n;
        for (int64_t j = 0; j < n; ++j) out[j] = out[j] + PacketMul(below[j], s);
      }
    }
  });
}

Status TridiagonalMatMulKernel(KernelContext& ctx) {
  const Shape in[4] = {ctx.input(0).shape(), ctx.input(1).shape(), ctx.input(2).shape(), ctx.input(3).shape()};
  OPBRIDGE_RETURN_IF_ERROR(CheckShapes(in, false));
  const Shape& rhs = in[3];
  const int64_t m = rhs.dim(rhs.rank() - 2), n = rhs.dim(rhs.rank() - 1);
  const int64_t total = rhs.num_elements();
  if (total == 0) return Status::Ok();
  const int64_t batch = total / (m * n);
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(ctx.input(3).dtype(), [&](auto tag) {
    MatMul<typename decltype(tag)::type>(ctx, batch, m, n);
    return Status::Ok();
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("TridiagonalMatMul")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("A tridiagonal matrix, given by its three diagonals, times rhs "
                              "(tf.linalg.tridiagonal_matmul).")
                         .Input("superdiag: T")
                         .Input("maindiag: T")
                         .Input("subdiag: T")
                         .Input("rhs: T")
                         .Output("output: T")
                         .Attr("T: {double, float, complex64, complex128}")
                         .ShapeRule(TridiagonalMatMulShape)
                         .Kernel(TridiagonalMatMulKernel));

}  // namespace opbridge
