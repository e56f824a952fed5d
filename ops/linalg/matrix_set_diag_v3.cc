// MatrixSetDiagV3: TF's tf.linalg.set_diag(input, diagonal, k, align) in
// every dtype TF's CPU kernel takes: the converter leaves CUSTOM
// "MatrixSetDiagV3" {T, align} for float64, half, bfloat16, uint16, uint32,
// uint64, bool and complex, which TFLite's MATRIX_SET_DIAG lacks (measured by
// tools/census_float64.py and tests/test_parity_integer_reductions.py);
// elements are moved as raw elements of their size (array::ForElements). A copy of input with the
// band k[0]..k[1] replaced by the packed diagonals (diag_band.h). k must lie
// in (-rows, cols) (or be 0) and the diagonals' shape must be TF's
// [..., num_diags (if > 1), max_diag_len]; TF's checks. Exact copies.
#include <algorithm>
#include <vector>

#include "diag_band.h"
#include "../array/index_vector.h"

namespace opbridge {
namespace {

using linalg::DiagBand;

Status Check(const Shape& input, const Shape& diagonal, const DiagBand& band, int64_t* max_len) {
  OPBRIDGE_REQUIRE(input.rank() >= 2, "input must be at least 2-dim, received shape: ", input.ToString());
  const int64_t rows = input.dim(input.rank() - 2), cols = input.dim(input.rank() - 1);
  OPBRIDGE_REQUIRE((-rows < band.lower && band.lower < cols) || band.lower == 0,
                   "lower_diag_index is out of bound: ", band.lower, " It must be between ", -rows, " and ", cols);
  OPBRIDGE_REQUIRE((-rows < band.upper && band.upper < cols) || band.upper == 0,
                   "upper_diag_index is out of bound: ", band.upper, " It must be between ", -rows, " and ", cols);
  *max_len = std::min(rows + std::min<int64_t>(band.upper, 0), cols - std::max<int64_t>(band.lower, 0));
  std::vector<int64_t> want = input.dims();
  want.resize(want.size() - 2);
  if (band.num_diags() > 1) want.push_back(band.num_diags());
  want.push_back(*max_len);
  OPBRIDGE_REQUIRE(diagonal.dims() == want,
                   "Either first dimensions of diagonal don't match input.shape[:-2], or diagonal.shape[:-1] is "
                   "not equal to the longests diagonal in range [lower_diag_index:upper_diag_index].\nInput "
                   "shape: ", input.ToString(), "\nDiagonal shape: ", diagonal.ToString(),
                   "\nExpected diagonal shape: ", Shape(want).ToString());
  return Status::Ok();
}

Status MatrixSetDiagV3Shape(ShapeContext& ctx, const linalg::DiagAlignParams&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 2));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const linalg::DiagAlignParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& diagonal = ctx.input(1);
  DiagBand band;
  OPBRIDGE_RETURN_IF_ERROR(linalg::ReadDiagBand(ctx.input(2), &band));
  int64_t max_len = 0;
  OPBRIDGE_RETURN_IF_ERROR(Check(input.shape(), diagonal.shape(), band, &max_len));
  const int64_t rows = input.dim(input.rank() - 2), cols = input.dim(input.rank() - 1);
  const int64_t per_matrix = rows * cols, per_diag = band.num_diags() * max_len;
  const int64_t batch = per_matrix ? input.num_elements() / per_matrix : 0;
  return array::ForElements(input.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* in = input.data<In>();
    const In* diag = diagonal.data<In>();
    Out* out = ctx.output(0).data<Out>();
    // Each matrix copied whole, then its band's elements set diagonal by
    // diagonal: the packed offset is computed only where it is used (per
    // element it cost more than the copy).
    array::ParallelForElements<Out>(ctx, batch, per_matrix + 1, [&](int64_t begin, int64_t end) {
      if (static_cast<const void*>(out + begin * per_matrix) != static_cast<const void*>(in + begin * per_matrix)) {
        std::copy(in + begin * per_matrix, in + end * per_matrix, out + begin * per_matrix);
      }
      for (int64_t b = begin; b < end; ++b) {
        Out* m = out + b * per_matrix;
        const In* values = diag + b * per_diag;
        for (int64_t d = std::max(band.lower, -rows + 1); d <= std::min(band.upper, cols - 1); ++d) {
          for (int64_t i = std::max<int64_t>(0, -d); i < rows && i + d < cols; ++i) {
            m[i * cols + i + d] = values[linalg::PackedOffset(band, p.align, rows, cols, max_len, i, i + d)];
          }
        }
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("MatrixSetDiagV3")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("input with diagonals k[0]..k[1] replaced (tf.linalg.set_diag).")
                         .Input("input: T")
                         .Input("diagonal: T")
                         .Input("k: int32")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, bool, complex64, complex128}")
                         .Params<linalg::DiagAlignParams>()
                         .ShapeRule(MatrixSetDiagV3Shape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
