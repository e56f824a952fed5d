// SparseFillEmptyRows: tf.sparse.fill_empty_rows (and the first step of
// tf.nn.safe_embedding_lookup_sparse): every row of dim 0 the SparseTensor
// leaves empty gets one entry [row, 0, ...] = default_value. TFLite has no
// kernel.
//
// As TF's CPU kernel (sparse_fill_empty_rows_op.cc):
// - checks in TF's order and words: dense_shape a vector, indices a matrix,
//   values a vector of indices' rows, dense_shape as long as indices' rows,
//   default_value a scalar, dense_shape not empty; dense_shape[0] == 0 takes no entries; each entry's row in
//   [0, dense_shape[0]) ("indices(3, 0) is invalid: 7 >= 5"). Only the row of
//   an index is checked, and entries need not be sorted;
// - the output lists the rows in order, each row's entries in their input
//   order, an empty row's default entry in its place; when no row is empty
//   and the rows are in order the input comes out as it is;
// - empty_row_indicator[r]: row r had no entry; reverse_index_map[i]: where
//   input entry i went.
// Values of every dtype TF registers (strings too) are only moved.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "sparse_util.h"

namespace opbridge {
namespace {

using sparse::ShapeText;

Status FillEmptyRowsShape(ShapeContext& ctx) {
  for (int i = 0; i < 4; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

Status FillEmptyRowsKernel(KernelContext& ctx) {
  const ConstTensor& indices = ctx.input(0);
  const ConstTensor& values = ctx.input(1);
  const ConstTensor& dense_shape = ctx.input(2);
  const ConstTensor& default_value = ctx.input(3);
  OPBRIDGE_REQUIRE(dense_shape.rank() == 1, "dense_shape must be a vector, saw: ", ShapeText(dense_shape.shape()));
  OPBRIDGE_REQUIRE(indices.rank() == 2, "indices must be a matrix, saw: ", ShapeText(indices.shape()));
  OPBRIDGE_REQUIRE(values.rank() == 1, "values must be a vector, saw: ", ShapeText(values.shape()));
  OPBRIDGE_REQUIRE(indices.dim(0) == values.dim(0), "The length of `values` (", values.dim(0),
                   ") must match the first dimension of `indices` (", indices.dim(0), ").");
  OPBRIDGE_REQUIRE(indices.dim(1) == dense_shape.dim(0), "The length of `dense_shape` (", dense_shape.dim(0),
                   ") must match the second dimension of `indices` (", indices.dim(1), ").");
  OPBRIDGE_REQUIRE(default_value.rank() == 0, "default_value must be a scalar, saw: ",
                   ShapeText(default_value.shape()));
  OPBRIDGE_REQUIRE(dense_shape.num_elements() != 0, "Dense shape cannot be empty.");

  const int64_t n = indices.dim(0);
  const int64_t rank = indices.dim(1);
  const int64_t dense_rows = dense_shape.data<int64_t>()[0];
  OPBRIDGE_REQUIRE(dense_rows >= 0, "Expected shape dimensions to be non-negative, got ", dense_rows);
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({dense_rows})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(3, Shape({n})));
  bool* empty_row = ctx.output(2).data<bool>();
  int64_t* reverse_map = ctx.output(3).data<int64_t>();
  const int64_t* ix = indices.data<int64_t>();

  if (dense_rows == 0) {
    OPBRIDGE_REQUIRE(n == 0, "Received SparseTensor with dense_shape[0] = 0 but indices.shape[0] = ", n);
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({0, rank})));
    return ctx.AllocateOutput(1, Shape({0}));
  }

  // offset[r]: entries of rows before r + 1 in the output (each row >= 1).
  std::vector<int64_t> offset(static_cast<size_t>(dense_rows), 0);
  bool ordered = true;
  int64_t last_row = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = ix[i * rank];
    OPBRIDGE_REQUIRE(row >= 0 && row < dense_rows, "indices(", i, ", 0) is invalid: ", row, " >= ", dense_rows);
    ++offset[static_cast<size_t>(row)];
    ordered = ordered && row >= last_row;
    last_row = row;
  }
  bool all_full = true;
  for (int64_t r = 0; r < dense_rows; ++r) {
    int64_t& count = offset[static_cast<size_t>(r)];
    empty_row[r] = count == 0;
    all_full = all_full && count != 0;
    count = std::max<int64_t>(count, 1) + (r > 0 ? offset[static_cast<size_t>(r - 1)] : 0);
  }
  const int64_t n_full = offset.back();
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({n_full, rank})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({n_full})));
  int64_t* out_ix = ctx.output(0).data<int64_t>();

  return sparse::DispatchMove(values.dtype(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    const E* in = values.data<E>();
    E* out = ctx.output(1).data<E>();
    if (all_full && ordered) {
      if (n) std::memcpy(out_ix, ix, static_cast<size_t>(n * rank) * sizeof(int64_t));
      for (int64_t i = 0; i < n; ++i) {
        out[i] = in[i];
        reverse_map[i] = i;
      }
      return Status::Ok();
    }
    // filled[r]: entries of row r written so far.
    std::vector<int64_t> filled(static_cast<size_t>(dense_rows), 0);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t row = ix[i * rank];
      const int64_t at = (row == 0 ? 0 : offset[static_cast<size_t>(row - 1)]) + filled[static_cast<size_t>(row)]++;
      std::memcpy(out_ix + at * rank, ix + i * rank, static_cast<size_t>(rank) * sizeof(int64_t));
      out[at] = in[i];
      reverse_map[i] = at;
    }
    const E fill = default_value.data<E>()[0];
    for (int64_t r = 0; r < dense_rows; ++r) {
      if (filled[static_cast<size_t>(r)] != 0) continue;
      const int64_t at = r == 0 ? 0 : offset[static_cast<size_t>(r - 1)];
      out_ix[at * rank] = r;
      for (int64_t c = 1; c < rank; ++c) out_ix[at * rank + c] = 0;
      out[at] = fill;
    }
    return Status::Ok();
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseFillEmptyRows")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gives each empty row of a 2-D+ SparseTensor one default entry "
                              "(tf.sparse.fill_empty_rows).")
                         .Input("indices: int64")
                         .Input("values: T")
                         .Input("dense_shape: int64")
                         .Input("default_value: T")
                         .Output("output_indices: int64")
                         .Output("output_values: T")
                         .Output("empty_row_indicator: bool")
                         .Output("reverse_index_map: int64")
                         .Attr("T: {bfloat16, bool, complex128, complex64, half, float, double, int16, int32, int64, "
                               "int8, string, uint16, uint32, uint64, uint8}")
                         .ShapeRule(FillEmptyRowsShape)
                         .Kernel(FillEmptyRowsKernel));

}  // namespace opbridge
