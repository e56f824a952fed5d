// MatrixDiagV3: TF's tf.linalg.diag(diagonal, k, num_rows, num_cols,
// padding_value, align) in every dtype TF's CPU kernel takes: the converter
// leaves CUSTOM "MatrixDiagV3" {T, align} for float64, half, bfloat16, uint16,
// uint32, uint64, bool and complex, which TFLite's MATRIX_DIAG lacks
// (measured by tools/census_float64.py and
// tests/test_parity_integer_reductions.py); elements are moved as raw
// elements of their size (array::ForElements).
// Builds [..., num_rows, num_cols] matrices with the packed diagonals k[0] ..
// k[1] in place (diag_band.h) and padding_value elsewhere. num_rows /
// num_cols -1 are inferred as TF does; TF's checks and texts. Exact copies.
#include <algorithm>
#include <cstring>
#include <vector>

#include "diag_band.h"
#include "../array/index_vector.h"

namespace opbridge {
namespace {

using linalg::DiagBand;

Status Plan(const Shape& diagonal, const ConstTensor& k, const ConstTensor& rows_t, const ConstTensor& cols_t,
            DiagBand* band, int64_t* rows, int64_t* cols, std::vector<int64_t>* dims) {
  OPBRIDGE_RETURN_IF_ERROR(linalg::ReadDiagBand(k, band));
  OPBRIDGE_REQUIRE(rows_t.num_elements() == 1 && rows_t.rank() == 0, "num_rows must be a scalar");
  OPBRIDGE_REQUIRE(cols_t.num_elements() == 1 && cols_t.rank() == 0, "num_cols must be a scalar");
  OPBRIDGE_REQUIRE(diagonal.rank() >= 1, "diagonal must be at least 1-dim, received shape: ", diagonal.ToString());
  const int rank = diagonal.rank();
  if (band->num_diags() > 1) {
    OPBRIDGE_REQUIRE(rank >= 2 && diagonal.dim(rank - 2) == band->num_diags(),
                     "The number of diagonals provided in the input does not match the lower_diag_index and "
                     "upper_diag_index range.");
  }
  const int64_t max_len = diagonal.dim(rank - 1);
  const int64_t min_rows = max_len - std::min<int64_t>(band->upper, 0);
  const int64_t min_cols = max_len + std::max<int64_t>(band->lower, 0);
  *rows = rows_t.data<int32_t>()[0];
  *cols = cols_t.data<int32_t>()[0];
  OPBRIDGE_REQUIRE(*rows == -1 || *rows >= min_rows, "The number of rows is too small.");
  OPBRIDGE_REQUIRE(*cols == -1 || *cols >= min_cols, "The number of columns is too small.");
  if (*rows == -1 && *cols == -1) {
    *rows = *cols = std::max(min_rows, min_cols);
  } else if (*rows == -1) {
    *rows = min_rows;
  } else if (*cols == -1) {
    *cols = min_cols;
  }
  OPBRIDGE_REQUIRE(*rows == min_rows || *cols == min_cols,
                   "The number of rows or columns is not consistent with the specified d_lower, d_upper, and "
                   "diagonal.");
  *dims = diagonal.dims();
  dims->resize(static_cast<size_t>(rank - (band->num_diags() > 1 ? 2 : 1)));
  dims->push_back(*rows);
  dims->push_back(*cols);
  return Status::Ok();
}

Status MatrixDiagV3Shape(ShapeContext& ctx, const linalg::DiagAlignParams&) {
  const ConstTensor* k = ctx.input_value(1);
  const ConstTensor* rows_t = ctx.input_value(2);
  const ConstTensor* cols_t = ctx.input_value(3);
  if (k == nullptr || rows_t == nullptr || cols_t == nullptr || !ctx.input(0).fully_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  DiagBand band;
  int64_t rows = 0, cols = 0;
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), *k, *rows_t, *cols_t, &band, &rows, &cols, &dims));
  ctx.set_output(0, Shape(dims));
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const linalg::DiagAlignParams& p) {
  const ConstTensor& diagonal = ctx.input(0);
  OPBRIDGE_REQUIRE(ctx.input(4).rank() == 0, "padding_value must be a scalar");
  DiagBand band;
  int64_t rows = 0, cols = 0;
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(
      Plan(diagonal.shape(), ctx.input(1), ctx.input(2), ctx.input(3), &band, &rows, &cols, &dims));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(dims)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == dims, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(dims).ToString());
  const int64_t max_len = diagonal.dim(diagonal.rank() - 1);
  const int64_t per_matrix = rows * cols, per_diag = band.num_diags() * max_len;
  const int64_t batch = per_matrix ? y.num_elements() / per_matrix : 0;
  return array::ForElements(diagonal.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In padding = ctx.input(4).data<In>()[0];  // bytes: no alignment assumed
    const In* in = diagonal.data<In>();
    Out* out = y.data<Out>();
    array::ParallelForElements<Out>(ctx, batch, per_matrix + 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        for (int64_t i = 0; i < rows; ++i) {
          for (int64_t j = 0; j < cols; ++j) {
            const int64_t at = linalg::PackedOffset(band, p.align, rows, cols, max_len, i, j);
            out[(b * rows + i) * cols + j] = at < 0 ? padding : in[b * per_diag + at];
          }
        }
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("MatrixDiagV3")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Matrices with the given diagonals k[0]..k[1], padding elsewhere (tf.linalg.diag).")
                         .Input("diagonal: T")
                         .Input("k: int32")
                         .Input("num_rows: int32")
                         .Input("num_cols: int32")
                         .Input("padding_value: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, bool, complex64, complex128}")
                         .Params<linalg::DiagAlignParams>()
                         .ShapeRule(MatrixDiagV3Shape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
