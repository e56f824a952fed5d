// BandedTriangularSolve: X with A X = B (adjoint: A^H X = B) for triangular
// A given by its K bands, [..., K, M] (tf.linalg.banded_triangular_solve).
// TFLite has no kernel: the converter emits CUSTOM "BandedTriangularSolve"
// with options {T, lower, adjoint}.
//
// Band storage ('LEFT_RIGHT', cuSPARSE's): lower, row 0 is the diagonal and
// row d the d-th subdiagonal, A(i + d, i) at [d, i + d] (padded on the
// left); upper, row K - 1 is the diagonal and row K - 1 - d the d-th
// superdiagonal, A(i, i + d) at [K - 1 - d, i] (padded on the right).
//
// As TF's CPU kernel (tensorflow/core/kernels/linalg/
// banded_triangular_solve_op.cc): batch dims broadcast as in numpy
// (MatMulBCast); an empty input is an error ("In[0] must not be an empty
// tensor"); only the FIRST matrix of the batch has its diagonal checked
// ("Input matrix is not invertible." when a diagonal entry is zero), a zero
// elsewhere divides to inf/NaN; more bands than rows is accepted (TF checks
// that only in graph-time shape inference). The substitutions are TF's, in
// its order: without adjoint each row is (b_i - s) / a_ii, where s is the
// band's row-by-solution product as Eigen evaluates it (coefficient-based,
// from the first product, when bands + 1 + K < 20; otherwise a GEMV from 0,
// summed in blocks of 16 columns past 128 bands when K > 1); with adjoint
// each row is b_i minus one conj(a) x_j at a time, then divided (Eigen's
// packet division; without adjoint std::complex's, see Divide). Results are
// TF's bits in every dtype.
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../math/complex_scalar_ops.h"
#include "batch_broadcast.h"
#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

struct BandedTriangularSolveParams {
  bool lower = true;
  bool adjoint = false;

  static void Declare(ParamBinder& b, BandedTriangularSolveParams& p) {
    b.Attr("lower: bool = true", &p.lower);
    b.Attr("adjoint: bool = false", &p.adjoint);
  }
};

Status RequireNotEmpty(const Shape& s, const char* which, const std::string& name) {
  bool empty = false;
  for (int i = 0; s.rank_known() && i < s.rank(); ++i) empty = empty || s.dim(i) == 0;
  OPBRIDGE_REQUIRE(!empty, which, " must not be an empty tensor: input '", name, "' has shape ", s.ToString());
  return Status::Ok();
}

// TF's kernel checks, in its order (ranks, empties, batch broadcast, M).
Status BandedTriangularSolveShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(1, 2));
  const Shape& matrix = ctx.input(0);
  const Shape& rhs = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(RequireNotEmpty(matrix, "In[0]", ctx.input_name(0)));
  OPBRIDGE_RETURN_IF_ERROR(RequireNotEmpty(rhs, "In[1]", ctx.input_name(1)));
  if (!matrix.rank_known() || !rhs.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    return Status::Ok();
  }
  Shape out;
  OPBRIDGE_REQUIRE(BroadcastBatchDims(BatchShape(matrix), BatchShape(rhs), &out),
                   "In[0] and In[1] must have compatible batch dimensions: input 'matrix' ", matrix.ToString(),
                   " vs. input 'rhs' ", rhs.ToString());
  const int64_t m = matrix.dim(-1), rows = rhs.dim(-2);
  OPBRIDGE_REQUIRE(m < 0 || rows < 0 || m == rows, "In[0] mismatch In[1] shape: ", m, " vs. ", rows,
                   ": dim -1 of input 'matrix' ", matrix.ToString(), " must equal dim -2 of input 'rhs' ",
                   rhs.ToString());
  out.Append(m >= 0 ? m : rows);
  out.Append(rhs.dim(-1));
  ctx.set_output(0, out);
  return Status::Ok();
}

// One banded system: band [nb, m] (row-major), rhs and out [m, k].
template <typename T>
struct BandedSystem {
  const T* band;
  const T* rhs;
  T* out;
  int64_t nb, m, k;

  T a(int64_t row, int64_t col) const { return band[row * m + col]; }
  const T* b(int64_t i) const { return rhs + i * k; }
  T* x(int64_t i) const { return out + i * k; }

  // acc[c] = sum_j coef(j) x(first + j)[c], j = 0..len-1, as Eigen evaluates
  // TF's (1 x len) * (len x k) product: coefficient-based from the first
  // product when len + 1 + k < 20, else a GEMV from zero whose columns are
  // summed in blocks (of 16, or 4 for rows of 32000 bytes and more) from
  // 128 on, except k == 1, a dot product.
  template <typename Coef>
  void Product(int64_t len, int64_t first, Coef coef, T* acc, T* part) const {
    if (len > 0 && len + 1 + k < 20) {
      const T c0 = coef(0);
      const T* x0 = x(first);
      for (int64_t c = 0; c < k; ++c) acc[c] = math::PacketMul(c0, x0[c]);
      for (int64_t j = 1; j < len; ++j) {
        const T cj = coef(j);
        const T* xj = x(first + j);
        for (int64_t c = 0; c < k; ++c) acc[c] = acc[c] + math::PacketMul(cj, xj[c]);
      }
      return;
    }
    std::fill(acc, acc + k, T(0));
    if (len < 128 || k == 1) {
      for (int64_t j = 0; j < len; ++j) {
        const T cj = coef(j);
        const T* xj = x(first + j);
        for (int64_t c = 0; c < k; ++c) acc[c] = acc[c] + math::PacketMul(cj, xj[c]);
      }
      return;
    }
    const int64_t block = k * static_cast<int64_t>(sizeof(T)) < 32000 ? 16 : 4;
    for (int64_t j2 = 0; j2 < len; j2 += block) {
      std::fill(part, part + k, T(0));
      for (int64_t j = j2; j < std::min(j2 + block, len); ++j) {
        const T cj = coef(j);
        const T* xj = x(first + j);
        for (int64_t c = 0; c < k; ++c) part[c] = part[c] + math::PacketMul(cj, xj[c]);
      }
      for (int64_t c = 0; c < k; ++c) acc[c] = part[c] + acc[c];
    }
  }

  // (b_i - s) / a_ii. TF's expression mixes rhs's row-major row with the product's column-major
  // temporary, which Eigen assigns coefficient by coefficient: std::complex's division (TF's
  // Smith's algorithm), not the packet one.
  void Divide(int64_t i, const T* acc, T diag) const {
    const T* bi = b(i);
    T* xi = x(i);
    for (int64_t c = 0; c < k; ++c) xi[c] = math::SmithDivide(bi[c] - acc[c], diag);
  }

  // Forward substitution down the rows: x_i = (b_i - sum) / a_ii.
  void Lower(T* acc, T* part) const {
    for (int64_t c = 0; c < k; ++c) x(0)[c] = math::PacketDivide(b(0)[c], a(0, 0));
    for (int64_t i = 1; i < m; ++i) {
      const int64_t len = std::min(i, nb - 1);
      Product(len, i - len, [&](int64_t j) { return a(len - j, i); }, acc, part);
      Divide(i, acc, a(0, i));
    }
  }

  // Back substitution up the rows.
  void Upper(T* acc, T* part) const {
    for (int64_t c = 0; c < k; ++c) x(m - 1)[c] = math::PacketDivide(b(m - 1)[c], a(nb - 1, m - 1));
    for (int64_t i = 1; i < m; ++i) {
      const int64_t row = m - 1 - i;
      const int64_t len = std::min(i, nb - 1);
      Product(len, row + 1, [&](int64_t j) { return a(nb - 2 - j, row); }, acc, part);
      Divide(row, acc, a(nb - 1, row));
    }
  }

  // A^H of a lower band is upper: back substitution, one term at a time.
  void LowerAdjoint() const {
    for (int64_t i = m - 1; i >= 0; --i) {
      T* xi = x(i);
      std::copy(b(i), b(i) + k, xi);
      for (int64_t j = i + 1; j < std::min(m, i + nb); ++j) {
        const T cj = math::Conj(a(j - i, j));
        const T* xj = x(j);
        for (int64_t c = 0; c < k; ++c) xi[c] = xi[c] - math::PacketMul(cj, xj[c]);
      }
      const T d = math::Conj(a(0, i));
      for (int64_t c = 0; c < k; ++c) xi[c] = math::PacketDivide(xi[c], d);
    }
  }

  // A^H of an upper band is lower: forward substitution, one term at a time.
  void UpperAdjoint() const {
    for (int64_t i = 0; i < m; ++i) {
      T* xi = x(i);
      std::copy(b(i), b(i) + k, xi);
      for (int64_t j = std::max<int64_t>(0, i - (nb - 1)); j < i; ++j) {
        const T cj = math::Conj(a(nb - 1 - (i - j), j));
        const T* xj = x(j);
        for (int64_t c = 0; c < k; ++c) xi[c] = xi[c] - math::PacketMul(cj, xj[c]);
      }
      const T d = math::Conj(a(nb - 1, i));
      for (int64_t c = 0; c < k; ++c) xi[c] = math::PacketDivide(xi[c], d);
    }
  }
};

template <typename T>
Status BandedSolve(KernelContext& ctx, const BandedTriangularSolveParams& p) {
  using R = typename Eigen::NumTraits<T>::Real;
  const ConstTensor& matrix = ctx.input(0);
  const ConstTensor& rhs = ctx.input(1);
  const Tensor& output = ctx.output(0);
  OPBRIDGE_RETURN_IF_ERROR(RequireNotEmpty(matrix.shape(), "In[0]", matrix.name()));
  OPBRIDGE_RETURN_IF_ERROR(RequireNotEmpty(rhs.shape(), "In[1]", rhs.name()));
  if (output.num_elements() == 0) return Status::Ok();
  const int64_t nb = matrix.dim(-2);
  const int64_t m = matrix.dim(-1);
  const int64_t k = rhs.dim(-1);
  const bool lower = p.lower;
  const bool adjoint = p.adjoint;

  // TF checks the diagonal of the first matrix only (its first row when
  // lower, its last row otherwise), before any solve.
  {
    const T* diag = matrix.data<T>() + (lower ? 0 : (nb - 1) * m);
    R min_abs = std::abs(diag[0]);
    for (int64_t i = 1; i < m; ++i) min_abs = std::min(min_abs, static_cast<R>(std::abs(diag[i])));
    OPBRIDGE_REQUIRE(min_abs > R(0), "Input matrix is not invertible. (the diagonal of the first matrix in input '",
                     matrix.name(), "' ", matrix.shape().ToString(), " has a zero",
                     std::isnan(min_abs) ? " or NaN" : "", ")");
  }

  const Shape out_batch = BatchShape(output.shape());
  const Shape matrix_batch = BatchShape(matrix.shape());
  const Shape rhs_batch = BatchShape(rhs.shape());
  const int64_t batch = BatchSize(output.shape());
  const int64_t cost = MatrixCost(2.0 * static_cast<double>(std::min(nb, m)) * static_cast<double>(m * k));
  ctx.ParallelFor(batch, cost, [&](int64_t begin, int64_t end) {
    std::vector<T> scratch(static_cast<size_t>(2 * k));
    for (int64_t i = begin; i < end; ++i) {
      const BandedSystem<T> system{matrix.data<T>() + SourceIndex(i, out_batch, matrix_batch) * nb * m,
                                   rhs.data<T>() + SourceIndex(i, out_batch, rhs_batch) * m * k,
                                   output.data<T>() + i * m * k, nb, m, k};
      if (lower && adjoint) {
        system.LowerAdjoint();
      } else if (lower) {
        system.Lower(scratch.data(), scratch.data() + k);
      } else if (adjoint) {
        system.UpperAdjoint();
      } else {
        system.Upper(scratch.data(), scratch.data() + k);
      }
    }
  });
  return Status::Ok();
}

Status BandedTriangularSolveKernel(KernelContext& ctx, const BandedTriangularSolveParams& p) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return BandedSolve<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("BandedTriangularSolve")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Solves A X = B (adjoint: A^H X = B) for triangular A given by its K bands [..., K, M], "
                              "lower or upper, with broadcast batch dims (tf.linalg.banded_triangular_solve).")
                         .Input("matrix: T")
                         .Input("rhs: T")
                         .Output("output: T")
                         .Params<BandedTriangularSolveParams>()
                         .Attr("T: {float, double, complex64, complex128}")
                         .ShapeRule(BandedTriangularSolveShape)
                         .Kernel(BandedTriangularSolveKernel));

}  // namespace
}  // namespace opbridge
