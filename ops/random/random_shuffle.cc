// RandomShuffle (tf.random.shuffle): the rows (dim 0) of `value` in a random
// order from the node's seeded stream (stateful.h), TF's CPU kernel exactly:
// TF's own Fisher-Yates (row i swaps with row i + word % (n - i), i going
// up, one 32-bit word per step; std::shuffle draws differently), n - 1 words
// reserved per run. A tensor of at most one element or one row is passed
// through and reserves nothing, as in TF. Rows move as raw bytes (strings as
// views), so every dtype TF registers moves the same way. The shuffle itself
// is shuffle.h, shared with StatelessShuffle (a vector in place, rows by a
// permutation then a parallel gather).
#include <limits>
#include <string_view>

#include "shuffle.h"
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

Status ShuffleKernel(KernelContext& ctx, const ShuffleParams& p) {
  const ConstTensor& value = ctx.input(0);
  const int64_t total = value.num_elements();
  const int64_t n = value.rank() == 0 ? 1 : value.dim(0);
  if (total == 0) return Status::Ok();
  const bool is_string = value.dtype() == DType::kString;
  const int64_t elem = is_string ? 1 : static_cast<int64_t>(DTypeSize(value.dtype()));
  OPBRIDGE_REQUIRE(elem > 0, "input 'value' has dtype ", DTypeName(value.dtype()), ", which cannot be shuffled");
  const void* in = is_string ? static_cast<const void*>(value.data<std::string_view>()) : value.data<char>();
  void* out = is_string ? static_cast<void*>(ctx.output(0).data<std::string_view>()) : ctx.output(0).data<char>();
  if (total > 1 && n > 1) {
    // TF's kernel switches to 64-bit draws for this many rows; not matched here.
    OPBRIDGE_REQUIRE(n < std::numeric_limits<int32_t>::max(), "value has ", n,
                     " rows; opbridge shuffles at most 2^31 - 2");
    const random::Philox local = p.generator.Reserve32(static_cast<uint64_t>(n - 1));
    random::ShuffleFirstDim(ctx, in, out, total, n, elem, is_string, &local);
  } else {
    // Nothing to permute: passed through, nothing reserved (as TF).
    random::ShuffleFirstDim(ctx, in, out, total, n, elem, is_string, nullptr);
  }
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
