// Roll: TF's tf.roll. Each element moves `shift[i]` places along `axis[i]`
// and wraps around. TFLite has no kernel: the converter emits CUSTOM "Roll"
// with options {T, Tshift, Taxis} (Swin's shifted windows, with dynamic
// shapes; shift and axis are input tensors, constant or computed).
//
// TF's semantics (roll_op.cc), kept here:
//  - input of rank >= 1; shift and axis scalars or 1-D, of the same shape;
//  - negative axes count from the end; a repeated axis adds its shifts;
//  - each axis's total shift is reduced modulo its dim (a dim of 0 counts
//    as 1), so any shift, negative or larger than the dim, wraps;
//  - TF accumulates those totals in 32-bit ints (RollShifts below).
// Data is moved as raw bytes, so every dtype TFLite holds rolls the same way;
// strings (which the converter leaves custom too, measured) as views.
#include <algorithm>
#include <string_view>
#include <type_traits>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

constexpr int kShift = 1, kAxis = 2;

Status RollShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 1));
  for (const int i : {kShift, kAxis}) {
    const Shape& s = ctx.input(i);
    OPBRIDGE_REQUIRE(!s.rank_known() || s.rank() <= 1, "input '", ctx.input_name(i),
                     "' must be a scalar or a 1-D vector, got shape ", s.ToString());
  }
  const Shape& shift = ctx.input(kShift);
  const Shape& axis = ctx.input(kAxis);
  if (shift.rank_known() && axis.rank_known()) {
    bool same = shift.rank() == axis.rank();
    for (int d = 0; same && d < shift.rank(); ++d) {
      same = shift.dim(d) == axis.dim(d) || shift.dim(d) == kUnknownDim || axis.dim(d) == kUnknownDim;
    }
    OPBRIDGE_REQUIRE(same, "shift and axis must have the same size, got shift ", shift.ToString(), " and axis ",
                     axis.ToString());
  }
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

Status ReadInts(const ConstTensor& t, std::vector<int64_t>* values) {
  return Dispatch<int32_t, int64_t>(t.dtype(), [&](auto tag) {
    const auto* data = t.data<typename decltype(tag)::type>();
    values->assign(data, data + t.num_elements());
    return Status::Ok();
  });
}

// The 32-bit wrapping add TF's kernel does (its int overflow wraps on the
// compilers TF is built with; here it is written out, so no undefined behaviour).
int32_t WrapAdd32(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

// The shift of each dim, in [0, dim), as TF computes it: each axis and shift
// is read as a 32-bit int (int64 values are truncated), the running total of
// an axis is (total + shift) in 32-bit arithmetic, reduced modulo the dim.
Status RollShifts(const ConstTensor& input, const ConstTensor& shift_t, const ConstTensor& axis_t,
                  std::vector<int64_t>* shifts) {
  std::vector<int64_t> shift, axis;
  OPBRIDGE_RETURN_IF_ERROR(ReadInts(shift_t, &shift));
  OPBRIDGE_RETURN_IF_ERROR(ReadInts(axis_t, &axis));
  const int rank = input.rank();
  std::vector<int32_t> total(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < shift.size(); ++i) {
    int32_t a = static_cast<int32_t>(axis[i]);
    if (a < 0) a = WrapAdd32(a, rank);
    OPBRIDGE_REQUIRE(a >= 0 && a < rank, "axis ", axis[i], " (axis[", i, "]) is out of range for input '",
                     input.name(), "' of rank ", rank);
    const int64_t ds = std::max<int64_t>(input.dim(a), 1);
    const int64_t sum = WrapAdd32(total[static_cast<size_t>(a)], static_cast<int32_t>(shift[i]));
    total[static_cast<size_t>(a)] = static_cast<int32_t>((sum % ds + ds) % ds);
  }
  shifts->assign(total.begin(), total.end());
  return Status::Ok();
}

// The rolled copy of input 0: its elements are `elem` units of E each (bytes
// of a fixed-size dtype, or one string view: the output's views point into
// the input's strings, and the adapter copies each once).
template <typename E>
Status Move(KernelContext& ctx, const E* in, E* out, int64_t elem, const std::vector<int64_t>& shifts) {
  const ConstTensor& input = ctx.input(0);
  const int64_t total = input.num_elements();
  // The innermost shifted dim: the dims inside it move as contiguous blocks.
  const int rank = input.rank();
  int isd = rank - 1;
  while (isd >= 0 && shifts[static_cast<size_t>(isd)] == 0) --isd;
  if (isd < 0) {  // nothing moves
    const auto copy = [&](int64_t begin, int64_t end) { std::copy(in + begin, in + end, out + begin); };
    if constexpr (std::is_same_v<E, std::string_view>) {
      copy(0, total);  // views: on this thread (array::ParallelForElements)
    } else {
      ctx.ParallelFor(total * elem, 1, copy, /*grain=*/4096);
    }
    return Status::Ok();
  }
  int64_t block = elem;
  for (int d = isd + 1; d < rank; ++d) block *= input.dim(d);
  const int64_t n = input.dim(isd);
  const int64_t s = shifts[static_cast<size_t>(isd)];
  const int64_t row_units = n * block;
  const int64_t rows = total * elem / row_units;
  // Row r is the slice at one index of the dims before isd; it lands at the
  // shifted index of those dims, and inside it [0, n-s) goes to [s, n) and
  // [n-s, n) to [0, s).
  array::ParallelForElements<E>(ctx, rows, row_units / 8 + 20, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t rest = r, out_row = 0, stride = 1;
      for (int d = isd - 1; d >= 0; --d) {
        const int64_t dim = input.dim(d);
        int64_t index = rest % dim + shifts[static_cast<size_t>(d)];
        rest /= dim;
        if (index >= dim) index -= dim;
        out_row += index * stride;
        stride *= dim;
      }
      const E* src = in + r * row_units;
      E* dst = out + out_row * row_units;
      std::copy(src, src + (n - s) * block, dst + s * block);
      std::copy(src + (n - s) * block, src + n * block, dst);
    }
  });
  return Status::Ok();
}

Status RollKernel(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& shift_t = ctx.input(kShift);
  const ConstTensor& axis_t = ctx.input(kAxis);
  OPBRIDGE_REQUIRE(input.rank() >= 1, "input '", input.name(), "' must be 1-D or higher, got shape ",
                   input.shape().ToString());
  OPBRIDGE_REQUIRE(shift_t.rank() <= 1 && axis_t.rank() <= 1,
                   "shift and axis must be scalars or 1-D vectors, got shift ", shift_t.shape().ToString(),
                   " and axis ", axis_t.shape().ToString());
  OPBRIDGE_REQUIRE(shift_t.shape().dims() == axis_t.shape().dims(),
                   "shift and axis must have the same size, got shift ", shift_t.shape().ToString(), " and axis ",
                   axis_t.shape().ToString());
  std::vector<int64_t> shifts;
  OPBRIDGE_RETURN_IF_ERROR(RollShifts(input, shift_t, axis_t, &shifts));

  if (input.num_elements() == 0) return Status::Ok();
  if (input.dtype() == DType::kString) {
    return Move(ctx, input.data<std::string_view>(), ctx.output(0).data<std::string_view>(), 1, shifts);
  }
  const auto elem = static_cast<int64_t>(DTypeSize(input.dtype()));
  OPBRIDGE_REQUIRE(elem > 0, "input '", input.name(), "' has dtype ", DTypeName(input.dtype()),
                   ", which cannot be rolled");
  return Move(ctx, input.data<char>(), ctx.output(0).data<char>(), elem, shifts);
}

OPBRIDGE_REGISTER_OP(OpSpec("Roll")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Rolls the elements of `input` by `shift` places along `axis`, wrapping around; "
                              "shift and axis scalars or 1-D, repeated axes add (tf.roll).")
                         .Input("input: T")
                         .Input("shift: Tshift")
                         .Input("axis: Taxis")
                         .Output("output: T")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, complex64, complex128, string}")
                         .Attr("Tshift: {int32, int64}")
                         .Attr("Taxis: {int32, int64}")
                         .ShapeRule(RollShape)
                         .Kernel(RollKernel));

}  // namespace
}  // namespace opbridge
