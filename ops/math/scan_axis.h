// Shared by the scans along one axis (Cumsum, CumulativeLogsumexp): their
// exclusive/reverse attrs and TF's ScanOp checks of the axis input, which
// split the input into [outer, n, inner] around that axis.
#pragma once

#include <cstdint>

#include "opbridge/op.h"

namespace opbridge {
namespace math {

struct ScanParams {
  bool exclusive = false;
  bool reverse = false;

  static void Declare(ParamBinder& b, ScanParams& p) {
    b.Attr("exclusive: bool = false", &p.exclusive);
    b.Attr("reverse: bool = false", &p.reverse);
  }
};

// TF's checks (scan_ops.cc): axis a scalar in [-rank, rank); x viewed as
// [outer, n, inner] with n the axis's length.
inline Status PlanScan(const ConstTensor& x, const ConstTensor& axis_t, int64_t* outer, int64_t* n,
                       int64_t* inner) {
  OPBRIDGE_REQUIRE(axis_t.rank() == 0, "ScanOp: axis must be a scalar, not ", axis_t.shape().ToString());
  const int64_t a = axis_t.dtype() == DType::kInt64 ? axis_t.data<int64_t>()[0] : axis_t.data<int32_t>()[0];
  const int rank = x.rank();
  OPBRIDGE_REQUIRE(a >= -rank && a < rank, "ScanOp: Expected scan axis in the range [", -rank, ", ", rank,
                   "), but got ", a);
  const int axis = static_cast<int>(a < 0 ? a + rank : a);
  *outer = 1;
  *inner = 1;
  for (int d = 0; d < axis; ++d) *outer *= x.dim(d);
  for (int d = axis + 1; d < rank; ++d) *inner *= x.dim(d);
  *n = x.dim(axis);
  return Status::Ok();
}

}  // namespace math
}  // namespace opbridge
