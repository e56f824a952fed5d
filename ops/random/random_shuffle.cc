// RandomShuffle (tf.random.shuffle): the rows (dim 0) of `value` in a random
// order from the node's seeded stream (stateful.h), TF's CPU kernel exactly:
// TF's own Fisher-Yates (row i swaps with row i + word % (n - i), i going
// up, one 32-bit word per step; std::shuffle draws differently), n - 1 words
// reserved per run. A tensor of at most one element or one row is passed
// through and reserves nothing, as in TF. Rows move as raw bytes (strings as
// views), so every dtype TF registers moves the same way.
#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <string_view>
#include <vector>

#include "stateful.h"

namespace opbridge {
namespace {

struct ShuffleParams : random::SeedAttrs {
  static void Declare(ParamBinder& b, ShuffleParams& p) { p.DeclareSeeds(b); }
};

Status SameShape(ShapeContext& ctx, const ShuffleParams&) {
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

// out row r = in row perm[r]; `row` units of E per row.
template <typename E>
void Gather(KernelContext& ctx, const E* in, E* out, int64_t row, const std::vector<int64_t>& perm) {
  const auto rows = static_cast<int64_t>(perm.size());
  const auto copy = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const E* src = in + perm[static_cast<size_t>(r)] * row;
      std::copy(src, src + row, out + r * row);
    }
  };
  if constexpr (std::is_same_v<E, std::string_view>) {
    copy(0, rows);  // views are written on the calling thread
  } else {
    ctx.ParallelFor(rows, row / 8 + 10, copy);
  }
}

Status ShuffleKernel(KernelContext& ctx, const ShuffleParams& p) {
  const ConstTensor& value = ctx.input(0);
  const int64_t total = value.num_elements();
  const int64_t n = value.rank() == 0 ? 1 : value.dim(0);
  std::vector<int64_t> perm;
  if (total > 1 && n > 1) {
    // TF's kernel switches to 64-bit draws for this many rows; not matched here.
    OPBRIDGE_REQUIRE(n < std::numeric_limits<int32_t>::max(), "value has ", n,
                     " rows; opbridge shuffles at most 2^31 - 2");
    random::Philox local = p.generator.Reserve32(static_cast<uint64_t>(n - 1));
    random::SingleSample single(&local);
    perm.resize(static_cast<size_t>(n));
    std::iota(perm.begin(), perm.end(), int64_t{0});
    for (int64_t i = 0; i + 1 < n; ++i) {
      const auto span = static_cast<uint32_t>(n - i);
      std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(i + single() % span)]);
    }
  } else {
    perm.resize(static_cast<size_t>(total > 0 ? n : 0));
    std::iota(perm.begin(), perm.end(), int64_t{0});
  }
  if (total == 0) return Status::Ok();
  const int64_t row = total / n;
  if (value.dtype() == DType::kString) {
    Gather(ctx, value.data<std::string_view>(), ctx.output(0).data<std::string_view>(), row, perm);
    return Status::Ok();
  }
  const auto elem = static_cast<int64_t>(DTypeSize(value.dtype()));
  OPBRIDGE_REQUIRE(elem > 0, "input 'value' has dtype ", DTypeName(value.dtype()), ", which cannot be shuffled");
  Gather(ctx, value.data<char>(), ctx.output(0).data<char>(), row * elem, perm);
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("RandomShuffle")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The rows of `value` in a random order from the node's seeded stream.")
                         .Input("value: T")
                         .Output("output: T")
                         .Params<ShuffleParams>()
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, complex64, complex128, string}")
                         .ShapeRule(SameShape)
                         .Kernel(ShuffleKernel));

}  // namespace
}  // namespace opbridge
