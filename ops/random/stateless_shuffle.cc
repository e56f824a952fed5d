// StatelessShuffle: tf.random.experimental.stateless_shuffle. Permutes `value`
// along its first dim with a Philox stream from (key, counter, alg), the same
// permutation TF draws (stateless_shuffle_op.cc + shuffle_common.h):
//  - key/counter/alg checked as every V2 stateless op (stateless_random.h),
//    then any alg but Philox (or AUTO_SELECT) is "Unsupported algorithm id",
//    even for an input with nothing to shuffle;
//  - an input of at most one element, or whose first dim is at most 1, is
//    copied unchanged (a scalar too);
//  - otherwise a Fisher-Yates pass from the front: for i in [0, n-1), swap
//    slot i with slot i + (u % (n - i)), u the next 32-bit word of one Philox
//    stream taken word by word (TF's SingleSampleAdapter; n - i truncated to
//    32 bits as TF's uint32 parameter), so n - 1 words are used.
// The shuffle itself is shuffle.h (shared with RandomShuffle): a vector's
// values are swapped in place in the output as TF does, a higher-rank
// tensor's row order is drawn first and rows gathered; both give
// out[i] = in[perm[i]]. Rows move as raw bytes (strings as views).
#include "shuffle.h"
#include "stateless_random.h"

namespace opbridge {
namespace {

Status StatelessShuffleKernel(KernelContext& ctx) {
  const ConstTensor& value = ctx.input(0);
  int alg = 0;
  OPBRIDGE_RETURN_IF_ERROR(random::ReadKeyCounterAlg(ctx, &alg));
  OPBRIDGE_REQUIRE(alg == random::kAlgPhilox, "Unsupported algorithm id: ", alg);
  random::Philox gen;
  OPBRIDGE_RETURN_IF_ERROR(random::PhiloxFromKeyCounter(ctx, alg, &gen));
  const int64_t total = value.num_elements();
  if (total == 0) return Status::Ok();
  const bool is_string = value.dtype() == DType::kString;
  const int64_t elem = is_string ? 1 : static_cast<int64_t>(DTypeSize(value.dtype()));
  OPBRIDGE_REQUIRE(elem > 0, "input 'value' has dtype ", DTypeName(value.dtype()), ", which cannot be shuffled");
  // Nothing to permute (at most one element or row): TF hands the input on
  // unchanged; shuffle.h copies it.
  const int64_t n = value.rank() == 0 ? 1 : value.dim(0);
  const void* in = is_string ? static_cast<const void*>(value.data<std::string_view>()) : value.data<char>();
  void* out = is_string ? static_cast<void*>(ctx.output(0).data<std::string_view>()) : ctx.output(0).data<char>();
  random::ShuffleFirstDim(ctx, in, out, total, n, elem, is_string, &gen);
  return Status::Ok();
}

Status StatelessShuffleShape(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessShuffle")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Shuffles `value` along its first dim with a Philox key and counter "
                              "(tf.random.experimental.stateless_shuffle).")
                         .Input("value: T")
                         .Input("key: uint64")
                         .Input("counter: uint64")
                         .Input("alg: int32")
                         .Output("output: T")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, complex64, complex128, string}")
                         .ShapeRule(StatelessShuffleShape)
                         .Kernel(StatelessShuffleKernel));

}  // namespace
}  // namespace opbridge
