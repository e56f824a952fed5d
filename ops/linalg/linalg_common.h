// Shared pieces of the linear-algebra family (TF's LinearAlgebraOp kernels).
//
// TF's CPU kernels see each inner [rows, cols] matrix of a row-major tensor
// as an Eigen map of a *row-major* matrix and run one Eigen decomposition per
// matrix, the batch split over threads. Using the same matrix type and the
// same decomposition is what makes our results equal TF's (up to the last
// bits, which depend on the vector instructions each build uses).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <complex>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "opbridge/op.h"

namespace opbridge::linalg {

template <typename T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using ConstMatrixMap = Eigen::Map<const RowMatrix<T>>;
template <typename T>
using MatrixMap = Eigen::Map<RowMatrix<T>>;

// Inner matrix `b` of a tensor whose last two dims are [rows, cols].
template <typename T>
ConstMatrixMap<T> MatrixAt(const ConstTensor& t, int64_t b, int64_t rows, int64_t cols) {
  return ConstMatrixMap<T>(t.data<T>() + b * rows * cols, rows, cols);
}
template <typename T>
MatrixMap<T> MatrixAt(const Tensor& t, int64_t b, int64_t rows, int64_t cols) {
  return MatrixMap<T>(t.data<T>() + b * rows * cols, rows, cols);
}

// The batch dims of a rank >= 2 shape: all but the last two.
inline Shape BatchShape(const Shape& s) { return s.rank_known() ? s.Slice(0, s.rank() - 2) : Shape::UnknownRank(); }

// Number of matrices in a tensor of rank >= 2 (0 when any batch dim is 0).
inline int64_t BatchSize(const Shape& s) {
  int64_t n = 1;
  for (int i = 0; i + 2 < s.rank(); ++i) n *= s.dim(i);
  return n;
}

// batch dims + tail, keeping "unknown rank" unknown.
inline Shape WithBatch(const Shape& input, std::initializer_list<int64_t> tail) {
  if (!input.rank_known()) return Shape::UnknownRank();
  Shape out = BatchShape(input);
  for (int64_t d : tail) out.Append(d);
  return out;
}

// Dim `i` from the end of `s`, or unknown when the rank is unknown.
inline int64_t DimFromEnd(const Shape& s, int i) { return s.rank_known() ? s.dim(-i) : kUnknownDim; }

// Input 0 is a batch of square matrices: rank >= 2, last two dims equal.
inline Status RequireSquareMatrices(ShapeContext& ctx, int input) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(input, 2));
  return ctx.RequireSameDim(input, -2, input, -1);
}

// Rough nanoseconds per matrix for ParallelFor, capped so that
// total * cost cannot overflow int64.
inline int64_t MatrixCost(double flops) {
  return static_cast<int64_t>(std::min(std::max(flops, 1.0), 1e12));
}

// Errors found per matrix (in any thread) are reported for the first failing
// matrix only, after the parallel loop, as TF's first failing shard would.
class FailureLog {
 public:
  explicit FailureLog(int64_t batch) : failed_(static_cast<size_t>(std::max<int64_t>(batch, 0)), 0) {}
  void Mark(int64_t b) { failed_[static_cast<size_t>(b)] = 1; }
  // -1 when no matrix failed.
  int64_t First() const {
    const auto it = std::find(failed_.begin(), failed_.end(), 1);
    return it == failed_.end() ? -1 : static_cast<int64_t>(it - failed_.begin());
  }

 private:
  std::vector<char> failed_;  // char, not bool: threads write distinct bytes
};



}  // namespace opbridge::linalg
