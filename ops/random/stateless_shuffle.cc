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
// TF shuffles a vector's values in place and a higher-rank tensor's row
// indices, then gathers rows: both give out[i] = in[perm[i]], which is what
// this kernel computes for every rank. Rows move as raw bytes (strings as views).
#include <algorithm>
#include <numeric>
#include <string_view>
#include <type_traits>
#include <vector>

#include "stateless_random.h"

namespace opbridge {
namespace {

// perm[i]: the input row that lands in output row i.
std::vector<int64_t> Permutation(random::Philox gen, int64_t n) {
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  random::SingleSample single(&gen);
  for (int64_t i = 0; i + 1 < n; ++i) {
    const auto range = static_cast<uint32_t>(n - i);
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(i + single() % range)]);
  }
  return perm;
}

// out row i = in row perm[i], rows of `row` units of E.
template <typename E>
void Gather(KernelContext& ctx, const E* in, E* out, int64_t row, const std::vector<int64_t>& perm) {
  const auto n = static_cast<int64_t>(perm.size());
  const auto body = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const E* src = in + perm[static_cast<size_t>(i)] * row;
      std::copy(src, src + row, out + i * row);
    }
  };
  if constexpr (std::is_same_v<E, std::string_view>) {
    body(0, n);  // views are set on the calling thread only
  } else {
    ctx.ParallelFor(n, row / 16 + 4, body);
  }
}

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
  // Nothing to permute: TF hands the input on unchanged.
  const int64_t n = value.rank() == 0 ? 1 : value.dim(0);
  const std::vector<int64_t> perm =
      total <= 1 || n <= 1 ? std::vector<int64_t>(static_cast<size_t>(n), 0) : Permutation(gen, n);
  const int64_t row = total / n * elem;
  if (is_string) {
    Gather(ctx, value.data<std::string_view>(), ctx.output(0).data<std::string_view>(), row, perm);
  } else {
    Gather(ctx, value.data<char>(), ctx.output(0).data<char>(), row, perm);
  }
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
