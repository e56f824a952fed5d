// Opbridge>MatrixExp: torch.linalg.matrix_exp (torch.matrix_exp) of each
// square matrix in a batch. litert-torch has no lowering for
// aten.linalg_matrix_exp; opbridge.convert rewrites it onto this op
// (python/opbridge/torch/aten_linalg.py).
//
// torch's CPU algorithm (linalg_matrix_exp / mexp, LinearAlgebra.cpp), after
// Bader, Blanes and Casas, "Computing the Matrix Exponential with an Optimized
// Taylor Polynomial Approximation" (Mathematics 2019, 7, 1174): Taylor
// polynomials of degree 1, 2, 4, 8, 12 and 18, each evaluated with few matrix
// products (2 for degree 12, 3 for 18: the paper's coefficient tables, stored
// in the element type as torch stores them). Which one, from the operator
// 1-norm |A|_1 (largest column sum of |a_ij|) and the thresholds theta_d
// (per element type, where the truncation error of degree d reaches the
// type's unit roundoff):
// - n = 0: nothing; n = 1: exp of the element;
// - a single matrix (the batch dims multiply to 1): the lowest degree d with
//   |A|_1 <= theta_d; degree 12 on (theta_8, theta_12); from theta_12 on,
//   degree 18 with scaling and squaring; a NaN norm gives an all-NaN matrix;
// - a batch of several matrices: every matrix by degree 18 with scaling and
//   squaring (torch switches to that path for batches, so a matrix's result
//   depends on whether it came alone: the kernel needs the whole batch's size,
//   which it has);
// - scaling and squaring: s = max(0, ceil(log2(|A|_1 / theta_18))), the
//   polynomial of A * 2^-s, squared s times. For a non-finite norm torch's
//   integer conversion of s leaves no squarings, and A * 2^-s is NaN (NaN
//   norm) or A * 0 (infinite norm); the kernel does the same.
// Never an error for square input. The products here are Eigen's, torch's
// are its BLAS's: the results agree to rounding (the squarings grow the
// difference with s, as they grow the rounding error itself).
#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>

#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

// theta_d for degrees 1, 2, 4, 8, 12, 18 (torch's mexp tables).
template <typename T>
struct Thetas;
template <>
struct Thetas<float> {
  static constexpr float kValues[6] = {1.192092800768788e-07f, 5.978858893805233e-04f, 5.116619363445086e-02f,
                                       5.800524627688768e-01f, 1.461661507209034e+00f, 3.010066362817634e+00f};
};
template <>
struct Thetas<double> {
  static constexpr double kValues[6] = {2.220446049250313e-16, 2.580956802971767e-08, 3.397168839976962e-04,
                                        4.991228871115323e-02, 2.996158913811580e-01, 1.090863719290036e+00};
};

// The largest column sum of |a_ij|; NaN if any element is NaN (torch's max
// propagates NaN).
template <typename T>
T OneNorm(const RowMatrix<T>& a) {
  T best = T(0);
  for (int64_t j = 0; j < a.cols(); ++j) {
    const T sum = a.col(j).cwiseAbs().sum();
    if (std::isnan(sum)) return sum;
    best = std::max(best, sum);
  }
  return best;
}

template <typename T>
RowMatrix<T> Identity(int64_t n) {
  return RowMatrix<T>::Identity(n, n);
}

// Degree 1: I + A.
template <typename T>
RowMatrix<T> Taylor1(const RowMatrix<T>& a) {
  return Identity<T>(a.rows()) + a;
}

// Degree 2: I + A + A^2 / 2.
template <typename T>
RowMatrix<T> Taylor2(const RowMatrix<T>& a) {
  const RowMatrix<T> a2 = a * a;
  return Identity<T>(a.rows()) + a + a2 / T(2);
}

// Degree 4: I + A + A^2 (I/2 + A/6 + A^2/24): two products.
template <typename T>
RowMatrix<T> Taylor4(const RowMatrix<T>& a) {
  const RowMatrix<T> i = Identity<T>(a.rows());
  const RowMatrix<T> a2 = a * a;
  const RowMatrix<T> inner = i * T(1 / 2.0) + a * T(1 / 6.0) + a2 * T(1 / 24.0);
  const RowMatrix<T> tail = a2 * inner;
  return i + a + tail;
}

// Degree 8 in three products: A4 = A2 (x1 A + x2 A2),
// A8 = (x3 A2 + A4)(x4 I + x5 A + x6 A2 + x7 A4), T8 = I + A + y2 A2 + A8.
// The constants are computed as torch does: from an element-type sqrt(177)
// and x3 = 2/3, each expression in double, rounded to T.
template <typename T>
RowMatrix<T> Taylor8(const RowMatrix<T>& a) {
  const T r = static_cast<T>(0.1330413469565007072504e+2);  // sqrt(177)
  const T x3 = static_cast<T>(2. / 3.);
  const T x1 = static_cast<T>(x3 * ((1. + r) / 88.));
  const T x2 = static_cast<T>(x3 * ((1. + r) / 352.));
  const T x4 = static_cast<T>((-271. + 29. * r) / (315. * x3));
  const T x5 = static_cast<T>((-11. + 11. * r) / (1260. * x3));
  const T x6 = static_cast<T>((-99. + 11. * r) / (5040. * x3));
  const T x7 = static_cast<T>((89. - r) / (5040. * x3));
  const T y2 = static_cast<T>((857. - 58. * r) / 630.);
  const RowMatrix<T> i = Identity<T>(a.rows());
  const RowMatrix<T> a2 = a * a;
  const RowMatrix<T> a4 = a2 * (a * x1 + a2 * x2);
  const RowMatrix<T> a8 = (a2 * x3 + a4) * (i * x4 + a * x5 + a2 * x6 + a4 * x7);
  return i + a + a2 * y2 + a8;
}

// B_k = sum_j b[k][j] P_j over the powers P = (I, A, A^2, A^3[, A^6]).
template <typename T, int kCount>
void Combine(const double (&b)[kCount][kCount], const RowMatrix<T> (&p)[kCount], RowMatrix<T> (&out)[kCount]) {
  for (int k = 0; k < kCount; ++k) {
    out[k] = p[0] * static_cast<T>(b[k][0]);
    for (int j = 1; j < kCount; ++j) out[k] += p[j] * static_cast<T>(b[k][j]);
  }
}

// Degree 12 with 4 products (A^2, A^3, then): B2 += B3 B3; T12 = B0 + (B1 + B2) B2.
template <typename T>
RowMatrix<T> Taylor12(const RowMatrix<T>& a) {
  static constexpr double kB[4][4] = {
      {9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740},
      {5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031, 0.01108844528519167989},
      {0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968, 0.00610700528898058230},
      {-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079, -0.00675951846863086359}};
  RowMatrix<T> p[4];
  p[0] = Identity<T>(a.rows());
  p[1] = a;
  p[2] = a * a;
  p[3] = a * p[2];
  RowMatrix<T> b[4];
  Combine<T, 4>(kB, p, b);
  b[2] += b[3] * b[3];
  b[1] += b[2];
  return b[0] + b[1] * b[2];
}

// Degree 18 with 5 products (A^2, A^3, A^6 = (A^3)^2, then): B3 += B0 B4;
// T18 = B1 + (B2 + B3) B3.
template <typename T>
RowMatrix<T> Taylor18(const RowMatrix<T>& a) {
  static constexpr double kB[5][5] = {
      {0., -1.00365581030144618291e-01, -8.02924648241156932449e-03, -8.92138498045729985177e-04, 0.},
      {0., 3.97849749499645077844e-01, 1.36783778460411720168e+00, 4.98289622525382669416e-01,
       -6.37898194594723280150e-04},
      {-1.09676396052962061844e+01, 1.68015813878906206114e+00, 5.71779846478865511061e-02,
       -6.98210122488052056106e-03, 3.34975017086070470649e-05},
      {-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02,
       2.95552570429315521194e-02, -1.39180257516060693404e-05},
      {0., 0., -9.23364619367118555360e-02, -1.69364939002081722752e-02, -1.40086798182036094347e-05}};
  RowMatrix<T> p[5];
  p[0] = Identity<T>(a.rows());
  p[1] = a;
  p[2] = a * a;
  p[3] = a * p[2];
  p[4] = p[3] * p[3];
  RowMatrix<T> b[5];
  Combine<T, 5>(kB, p, b);
  b[3] += b[0] * b[4];
  b[2] += b[3];
  return b[1] + b[2] * b[3];
}

// Degree 18 of A * 2^-s, squared s times (s from the norm, as torch).
template <typename T>
RowMatrix<T> ScaledSquared(const RowMatrix<T>& a, T norm) {
  const T s = std::max(std::ceil(std::log2(norm / Thetas<T>::kValues[5])), T(0));
  RowMatrix<T> x = Taylor18<T>(a * std::pow(T(2), -s));
  const int64_t squarings = std::isfinite(s) ? static_cast<int64_t>(s) : 0;
  for (int64_t k = 0; k < squarings; ++k) {
    const RowMatrix<T> y = x * x;
    x = y;
  }
  return x;
}

template <typename T>
RowMatrix<T> Exp(const RowMatrix<T>& a, bool batched) {
  const T norm = OneNorm(a);
  if (batched) return ScaledSquared(a, norm);
  const T* theta = Thetas<T>::kValues;
  if (norm <= theta[0]) return Taylor1(a);
  if (norm <= theta[1]) return Taylor2(a);
  if (norm <= theta[2]) return Taylor4(a);
  if (norm <= theta[3]) return Taylor8(a);
  if (norm < theta[4]) return Taylor12(a);
  if (norm >= theta[4]) return ScaledSquared(a, norm);
  return RowMatrix<T>::Constant(a.rows(), a.cols(), std::numeric_limits<T>::quiet_NaN());  // NaN norm
}

Status MatrixExpShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

template <typename T>
Status Exps(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.dim(-1);
  const int64_t batch = BatchSize(input.shape());
  if (n == 0 || batch == 0) return Status::Ok();
  const T* in = input.data<T>();
  T* out = ctx.output(0).data<T>();
  if (n == 1) {  // torch: a.exp()
    for (int64_t b = 0; b < batch; ++b) out[b] = std::exp(in[b]);
    return Status::Ok();
  }
  const bool batched = batch > 1;
  // Degree 18 plus a few squarings: about 10 products of n^3 multiply-adds.
  ctx.ParallelFor(batch, MatrixCost(20.0 * n * n * n), [&](int64_t begin, int64_t end) {
    RowMatrix<T> a(n, n);
    for (int64_t b = begin; b < end; ++b) {
      a = MatrixAt<T>(input, b, n, n);
      MatrixAt<T>(ctx.output(0), b, n, n) = Exp<T>(a, batched);
    }
  });
  return Status::Ok();
}

Status MatrixExpKernel(KernelContext& ctx) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Exps<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>MatrixExp")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch.linalg.matrix_exp: the exponential of each square matrix in a batch, by "
                              "torch's degree-selected Taylor polynomials with scaling and squaring.")
                         .Input("input: T")
                         .Output("output: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(MatrixExpShape)
                         .Kernel(MatrixExpKernel));

}  // namespace
}  // namespace opbridge
