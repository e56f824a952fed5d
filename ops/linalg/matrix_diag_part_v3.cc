// MatrixDiagPartV3: diagonals k[0]..k[1] of each matrix in a batch, padded
// to the longest with padding_value (tf.linalg.diag_part with k, align,
// padding_value). TFLite has no kernel: the converter emits CUSTOM
// "MatrixDiagPartV3" with options {T, align}; k and padding_value are
// inputs (usually constants).
//
// As TF's CPU kernel: k is a scalar or a vector of 1 or 2 int32; each index
// must satisfy -rows < k < cols (or be 0) and k[0] <= k[1], with TF's error
// texts. Output: batch dims, then the number of diagonals if > 1 (from k[1]
// down to k[0]), then the longest diagonal's length. align says where a
// shorter diagonal sits in its row: superdiagonals (k >= 0) by the first
// word, subdiagonals (k <= 0) by the second; the main diagonal is left
// aligned unless align is RIGHT_RIGHT. When k is not a constant the output
// shape is known only at run time (a dynamic output).
//
// Pure data movement: any element type, copied by its size in bytes.
#include <cstring>

#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

enum class Align { kLeftRight, kRightLeft, kLeftLeft, kRightRight };

struct DiagPartParams {
  Align align = Align::kRightLeft;

  static void Declare(ParamBinder& b, DiagPartParams& p) {
    b.Enum("align: {'LEFT_RIGHT', 'RIGHT_LEFT', 'LEFT_LEFT', 'RIGHT_RIGHT'} = 'RIGHT_LEFT'", &p.align,
           {{"LEFT_RIGHT", Align::kLeftRight},
            {"RIGHT_LEFT", Align::kRightLeft},
            {"LEFT_LEFT", Align::kLeftLeft},
            {"RIGHT_RIGHT", Align::kRightRight}});
  }
};

struct DiagRange {
  int64_t lower = 0, upper = 0;
  int64_t num_diags() const { return upper - lower + 1; }
};

// Reads and checks k against a [rows, cols] matrix, as TF's kernel does.
Status ReadK(const ConstTensor& k, int64_t rows, int64_t cols, DiagRange* range) {
  OPBRIDGE_REQUIRE(k.rank() <= 1, "diag_index must be a scalar or vector, received shape: ",
                   k.shape().ToString(), " (input 'k')");
  const int64_t size = k.num_elements();
  OPBRIDGE_REQUIRE(k.rank() == 0 || (size > 0 && size <= 2),
                   "diag_index must have only one or two elements, received ", size, " elements. (input 'k')");
  const int32_t* values = k.data<int32_t>();
  range->lower = values[0];
  range->upper = size > 1 ? values[1] : values[0];
  if (rows < 0 || cols < 0) return Status::Ok();  // graph time, dims unknown
  OPBRIDGE_REQUIRE((-rows < range->lower && range->lower < cols) || range->lower == 0,
                   "lower_diag_index is out of bound: ", range->lower, ". It must be between ", -rows, " and ",
                   cols);
  OPBRIDGE_REQUIRE((-rows < range->upper && range->upper < cols) || range->upper == 0,
                   "upper_diag_index is out of bound: ", range->upper, " It must be between ", -rows, " and ",
                   cols);
  OPBRIDGE_REQUIRE(range->lower <= range->upper, "lower_diag_index must not be larger than upper_diag_index: ",
                   range->lower, " > ", range->upper);
  return Status::Ok();
}

int64_t MaxDiagLen(const DiagRange& r, int64_t rows, int64_t cols) {
  return std::min(rows + std::min<int64_t>(r.upper, 0), cols - std::max<int64_t>(r.lower, 0));
}

Shape OutputShape(const Shape& input, const DiagRange& r) {
  Shape out = BatchShape(input);
  if (r.num_diags() > 1) out.Append(r.num_diags());
  const int64_t rows = input.dim(-2), cols = input.dim(-1);
  out.Append(rows < 0 || cols < 0 ? kUnknownDim : MaxDiagLen(r, rows, cols));
  return out;
}

Status MatrixDiagPartV3Shape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(2, 0));
  const ConstTensor* k = ctx.input_value(1);
  const Shape& input = ctx.input(0);
  if (k == nullptr || !input.rank_known()) {
    if (ctx.input(1).rank_known()) {
      OPBRIDGE_REQUIRE(ctx.input(1).rank() <= 1, "diag_index must be a scalar or vector, received shape: ",
                       ctx.input(1).ToString(), " (input 'k')");
    }
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  DiagRange range;
  OPBRIDGE_RETURN_IF_ERROR(ReadK(*k, input.dim(-2), input.dim(-1), &range));
  ctx.set_output(0, OutputShape(input, range));
  return Status::Ok();
}

// An element of `Size` bytes, copied as a whole.
template <size_t Size>
struct Element {
  unsigned char bytes[Size];
};

template <size_t Size>
Status CopyDiagonals(KernelContext& ctx, const DiagPartParams& p, const DiagRange& range, const Tensor& output) {
  using E = Element<Size>;
  const ConstTensor& input = ctx.input(0);
  const int64_t rows = input.dim(-2), cols = input.dim(-1);
  const int64_t max_len = MaxDiagLen(range, rows, cols);
  const int64_t batch = BatchSize(input.shape());
  if (output.num_elements() == 0) return Status::Ok();
  E padding;
  std::memcpy(&padding, ctx.input(2).data<void>(), Size);
  const bool left_super = p.align == Align::kLeftLeft || p.align == Align::kLeftRight;
  const bool left_sub = p.align == Align::kLeftLeft || p.align == Align::kRightLeft;
  const E* in = input.data<E>();
  E* out = output.data<E>();
  const int64_t per_batch = range.num_diags() * max_len;
  ctx.ParallelFor(batch, 4 * per_batch + 10, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const E* matrix = in + b * rows * cols;
      E* dst = out + b * per_batch;
      for (int64_t d = range.upper; d >= range.lower; --d, dst += max_len) {
        const int64_t row0 = std::max<int64_t>(0, -d), col0 = std::max<int64_t>(0, d);
        const int64_t len = std::min(rows - row0, cols - col0);
        const bool left = (d >= 0 && left_super) || (d <= 0 && left_sub);
        const int64_t offset = left ? 0 : max_len - len;
        for (int64_t i = 0; i < offset; ++i) dst[i] = padding;
        for (int64_t i = 0; i < len; ++i) dst[offset + i] = matrix[(row0 + i) * cols + col0 + i];
        for (int64_t i = offset + len; i < max_len; ++i) dst[i] = padding;
      }
    }
  });
  return Status::Ok();
}

Status MatrixDiagPartV3Kernel(KernelContext& ctx, const DiagPartParams& p) {
  const ConstTensor& input = ctx.input(0);
  OPBRIDGE_REQUIRE(ctx.input(2).num_elements() == 1, "input 'padding_value' must be a scalar, got shape ",
                   ctx.input(2).shape().ToString());
  DiagRange range;
  OPBRIDGE_RETURN_IF_ERROR(ReadK(ctx.input(1), input.dim(-2), input.dim(-1), &range));
  Tensor output = ctx.output(0);
  if (!ctx.output(0).shape().rank_known()) {
    // k was not a constant: the shape rule left the output dynamic.
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, OutputShape(input.shape(), range)));
    output = ctx.output(0);
  }
  switch (DTypeSize(input.dtype())) {
    case 1: return CopyDiagonals<1>(ctx, p, range, output);
    case 2: return CopyDiagonals<2>(ctx, p, range, output);
    case 4: return CopyDiagonals<4>(ctx, p, range, output);
    case 8: return CopyDiagonals<8>(ctx, p, range, output);
    case 16: return CopyDiagonals<16>(ctx, p, range, output);
    default: return Errorf("input 'input' has unsupported dtype ", DTypeName(input.dtype()));
  }
}

OPBRIDGE_REGISTER_OP(OpSpec("MatrixDiagPartV3")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Diagonals k[0]..k[1] of each matrix in a batch, aligned and padded "
                              "(tf.linalg.diag_part).")
                         .Input("input: T")
                         .Input("k: int32")
                         .Input("padding_value: T")
                         .Output("diagonal: T")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, complex64, complex128}")
                         .Params<DiagPartParams>()
                         .ShapeRule(MatrixDiagPartV3Shape)
                         .Kernel(MatrixDiagPartV3Kernel));

}  // namespace
}  // namespace opbridge
