// Batch dims of the solvers that broadcast them (MatrixTriangularSolve,
// BandedTriangularSolve: TF's MatMulBCast): numpy's rule on the two batch
// shapes, right-aligned, and where a batch entry of the output reads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace linalg {

// The broadcast of batch shapes a and b into *out; an unknown dim takes the
// other side's. False where two known dims differ and neither is 1 (each op
// words its own error).
inline bool BroadcastBatchDims(const Shape& a, const Shape& b, Shape* out) {
  const int rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    const int ia = i - (rank - a.rank()), ib = i - (rank - b.rank());
    const int64_t da = ia >= 0 ? a.dim(ia) : 1, db = ib >= 0 ? b.dim(ib) : 1;
    if (da == 1) {
      dims[static_cast<size_t>(i)] = db;
    } else if (db == 1 || db < 0) {
      dims[static_cast<size_t>(i)] = da;
    } else if (da < 0 || da == db) {
      dims[static_cast<size_t>(i)] = db;
    } else {
      return false;
    }
  }
  *out = Shape(std::move(dims));
  return true;
}

// The index of the matrix (or rhs) with batch shape in_batch that output
// batch entry i reads (a dim of 1 repeats).
inline int64_t SourceIndex(int64_t i, const Shape& out_batch, const Shape& in_batch) {
  int64_t index = 0, stride = 1;
  for (int d = out_batch.rank() - 1, di = in_batch.rank() - 1; di >= 0; --d, --di) {
    const int64_t coord = i % out_batch.dim(d);
    i /= out_batch.dim(d);
    if (in_batch.dim(di) != 1) index += coord * stride;
    stride *= in_batch.dim(di);
  }
  return index;
}

}  // namespace linalg
}  // namespace opbridge
