// MatrixBandPart: TF's tf.linalg.band_part. TFLite has no kernel for it in
// float64, complex and the other types its builtins lack (float32 and int32
// lower to builtins), so the converter emits CUSTOM "MatrixBandPart" with
// options {T, Tindex}; num_lower and num_upper are input tensors.
//
//   input [..., M, N], num_lower, num_upper -> band [..., M, N]: element
//   (m, n) kept where (num_lower < 0 || m - n <= num_lower) and
//   (num_upper < 0 || n - m <= num_upper), zero elsewhere.
//
// As TF's CPU kernel (matrix_band_part_op.cc), with its texts: rank >= 2,
// scalar bounds, each bound negative (the whole triangle) or at most M
// (num_lower) / N (num_upper). Elements are copied as raw bytes, so every
// dtype is exact.
#include <cstdint>
#include <cstring>

#include "opbridge/op.h"

namespace opbridge {
namespace {

Status MatrixBandPartShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 0));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(2, 0));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

Status ReadBound(const ConstTensor& t, const char* what, int64_t* value) {
  OPBRIDGE_REQUIRE(t.rank() == 0, what, " must be scalar, got shape ", t.shape().ToString());
  return Dispatch<int32_t, int64_t>(t.dtype(), [&](auto tag) {
    *value = static_cast<int64_t>(t.data<typename decltype(tag)::type>()[0]);
    return Status::Ok();
  });
}

Status MatrixBandPartKernel(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  OPBRIDGE_REQUIRE(input.rank() >= 2, "input must be at least 2-dim, received shape: ", input.shape().ToString());
  int64_t lower = 0, upper = 0;
  OPBRIDGE_RETURN_IF_ERROR(ReadBound(ctx.input(1), "num_lower", &lower));
  const int64_t m = input.dim(-2), n = input.dim(-1);
  OPBRIDGE_REQUIRE(lower <= m, "num_lower must be negative or less or equal to number of rows (", m,
                   ") got: ", lower);
  OPBRIDGE_RETURN_IF_ERROR(ReadBound(ctx.input(2), "num_upper", &upper));
  OPBRIDGE_REQUIRE(upper <= n, "num_upper must be negative or less or equal to number of columns (", n,
                   ") got: ", upper);
  const auto elem = static_cast<int64_t>(DTypeSize(input.dtype()));
  OPBRIDGE_REQUIRE(elem > 0, "input '", input.name(), "' has dtype ", DTypeName(input.dtype()),
                   ", which has no band part");
  if (input.num_elements() == 0) return Status::Ok();
  const int64_t rows = input.num_elements() / n;  // every row of every matrix
  const char* in = input.data<char>();
  char* out = ctx.output(0).data<char>();
  ctx.ParallelFor(rows, n / 4 + 10, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t i = r % m;
      // Kept columns: [i - lower, i + upper] clipped to [0, n).
      const int64_t lo = lower < 0 ? 0 : std::max<int64_t>(0, i - lower);
      const int64_t hi = upper < 0 ? n : std::min<int64_t>(n, i + upper + 1);
      char* dst = out + r * n * elem;
      const char* src = in + r * n * elem;
      if (lo >= hi) {
        std::memset(dst, 0, static_cast<size_t>(n * elem));
        continue;
      }
      std::memset(dst, 0, static_cast<size_t>(lo * elem));
      std::memcpy(dst + lo * elem, src + lo * elem, static_cast<size_t>((hi - lo) * elem));
      std::memset(dst + hi * elem, 0, static_cast<size_t>((n - hi) * elem));
    }
  });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("MatrixBandPart")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Keeps a central band of each innermost matrix, zeroing the rest; negative bounds "
                              "keep the whole triangle (tf.linalg.band_part).")
                         .Input("input: T")
                         .Input("num_lower: Tindex")
                         .Input("num_upper: Tindex")
                         .Output("band: T")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, complex64, complex128}")
                         .Attr("Tindex: {int32, int64} = DT_INT64")
                         .ShapeRule(MatrixBandPartShape)
                         .Kernel(MatrixBandPartKernel));

}  // namespace
}  // namespace opbridge
