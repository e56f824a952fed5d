// Shared by MatrixDiagV3 and MatrixSetDiagV3 in float64 (the converter leaves
// them custom for double): TF's reading of k (a scalar or [lower, upper]
// int32), its align attr, and where element (i, j) of a matrix sits in the
// packed diagonals ([num_diags, max_diag_len], row upper - d for diagonal
// d = j - i; a diagonal shorter than max_diag_len is left- or right-aligned:
// superdiagonals by align's first word, subdiagonals by its second, the main
// diagonal left unless RIGHT_RIGHT).
#pragma once

#include <algorithm>
#include <cstdint>

#include "opbridge/op.h"

namespace opbridge {
namespace linalg {

enum class DiagAlign { kLeftRight, kRightLeft, kLeftLeft, kRightRight };

struct DiagAlignParams {
  DiagAlign align = DiagAlign::kRightLeft;

  static void Declare(ParamBinder& b, DiagAlignParams& p) {
    b.Enum("align: {'LEFT_RIGHT', 'RIGHT_LEFT', 'LEFT_LEFT', 'RIGHT_RIGHT'} = 'RIGHT_LEFT'", &p.align,
           {{"LEFT_RIGHT", DiagAlign::kLeftRight},
            {"RIGHT_LEFT", DiagAlign::kRightLeft},
            {"LEFT_LEFT", DiagAlign::kLeftLeft},
            {"RIGHT_RIGHT", DiagAlign::kRightRight}});
  }
};

struct DiagBand {
  int64_t lower = 0, upper = 0;
  int64_t num_diags() const { return upper - lower + 1; }
};

inline Status ReadDiagBand(const ConstTensor& k, DiagBand* band) {
  OPBRIDGE_REQUIRE(k.rank() <= 1, "diag_index must be a scalar or vector, received shape: ", k.shape().ToString());
  const int64_t size = k.num_elements();
  OPBRIDGE_REQUIRE(size > 0 && size <= 2, "diag_index must have only one or two elements, received ", size,
                   " elements.");
  band->lower = k.data<int32_t>()[0];
  band->upper = size > 1 ? k.data<int32_t>()[1] : band->lower;
  OPBRIDGE_REQUIRE(band->lower <= band->upper, "lower_diag_index must not be larger than upper_diag_index: ",
                   band->lower, " > ", band->upper);
  return Status::Ok();
}

// The offset into the packed diagonals of element (i, j) of a rows x cols
// matrix, or -1 when (i, j) is outside the band.
inline int64_t PackedOffset(const DiagBand& band, DiagAlign align, int64_t rows, int64_t cols, int64_t max_len,
                            int64_t i, int64_t j) {
  const int64_t d = j - i;
  if (d < band.lower || d > band.upper) return -1;
  const bool left_super = align == DiagAlign::kLeftLeft || align == DiagAlign::kLeftRight;
  const bool left_sub = align == DiagAlign::kLeftLeft || align == DiagAlign::kRightLeft;
  const bool left = (d >= 0 && left_super) || (d <= 0 && left_sub);
  const int64_t len = std::min(rows + std::min<int64_t>(0, d), cols - std::max<int64_t>(0, d));
  const int64_t content = left ? 0 : max_len - len;
  return (band.upper - d) * max_len + content + std::min(i, j);
}

}  // namespace linalg
}  // namespace opbridge
