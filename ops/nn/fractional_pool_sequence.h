// What FractionalMaxPool and FractionalAvgPool share: their attrs and TF's
// checks of them, the output size, and the row/column pooling sequences,
// drawn from TF's Philox stream exactly as TF draws them
// (fractional_pool_common.cc over a GuardedPhiloxRandom), so a seeded op
// gives TF's sequences element for element.
//
// TF's kernels (2.21) build a fresh generator from (seed, seed2) at every
// Compute, so with deterministic=true the sequences are a function of the
// attrs and the input shape. With deterministic=false TF requires
// seed = seed2 = 0 and the generator gets fresh random seeds each time; with
// deterministic=true and both seeds 0, TF draws the seeds once per kernel.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "../random/philox.h"
#include "opbridge/op.h"

namespace opbridge {
namespace nn {

// 64 fresh random bits (TF's random::New64: a Mersenne twister seeded from
// the OS's entropy, one per thread).
inline uint64_t FreshSeed() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine();
}

// The attrs of both ops. kMax only picks TF's wording of one message.
template <bool kMax>
struct FractionalPoolParams {
  std::vector<double> pooling_ratio;
  bool pseudo_random = false;
  bool overlapping = false;
  bool deterministic = false;
  int64_t seed = 0;
  int64_t seed2 = 0;
  // deterministic=true with both seeds 0: TF draws the seeds once, when the
  // kernel is built; this is filled once per node in Validate for the same
  // effect (the kernel only reads it).
  mutable uint64_t drawn_seed = 0, drawn_seed2 = 0;

  static void Declare(ParamBinder& b, FractionalPoolParams& p) {
    b.Attr("pooling_ratio: list(float)", &p.pooling_ratio);
    b.Attr("pseudo_random: bool = false", &p.pseudo_random);
    b.Attr("overlapping: bool = false", &p.overlapping);
    b.Attr("deterministic: bool = false", &p.deterministic);
    b.Attr("seed: int = 0", &p.seed);
    b.Attr("seed2: int = 0", &p.seed2);
  }

  // TF's op definition (list(float) >= 4) and kernel constructor, in TF's
  // order and words. The ratios are float attrs: TF compares and divides in
  // float, so they are rounded to float first.
  Status Validate() const {
    OPBRIDGE_REQUIRE(pooling_ratio.size() >= 4, "Length for attr 'pooling_ratio' of ", pooling_ratio.size(),
                     " must be at least minimum 4");
    OPBRIDGE_REQUIRE(pooling_ratio.size() == 4, "pooling_ratio field must specify 4 dimensions");
    for (double r : pooling_ratio) {
      OPBRIDGE_REQUIRE(static_cast<float>(r) >= 1.0f, "pooling_ratio cannot be smaller than 1, got: ",
                       static_cast<float>(r));
    }
    // TF 2.21 requires both; older TF accepted either and then wrote past
    // its output (batch) or read a prefix of the channels.
    OPBRIDGE_REQUIRE(Ratio(0) == 1.0f && Ratio(3) == 1.0f, "Fractional ", kMax ? "max" : "average",
                     " pooling is not yet supported on the batch nor channel dimension.");
    if (deterministic) {
      drawn_seed = static_cast<uint64_t>(seed);
      drawn_seed2 = static_cast<uint64_t>(seed2);
      if (seed == 0 && seed2 == 0) {
        drawn_seed = FreshSeed();
        drawn_seed2 = FreshSeed();
      }
    } else {
      OPBRIDGE_REQUIRE(seed == 0 && seed2 == 0, "Both seed and seed2 should be 0 if deterministic is false.");
    }
    return Status::Ok();
  }

  float Ratio(int i) const { return static_cast<float>(pooling_ratio[static_cast<size_t>(i)]); }
};

// Output dims of a [N, H, W, C] input: floor(dim / ratio) in float, as TF's
// kernel computes it (int dim converted to float). Unknown dims stay unknown.
// TF's check that no ratio exceeds its dim also makes every output dim >= 1.
template <bool kMax>
Status FractionalOutputDims(const FractionalPoolParams<kMax>& p, const Shape& in, int64_t out[4]) {
  OPBRIDGE_REQUIRE(in.rank() == 4, "tensor_in must be 4-dimensional, got shape ", in.ToString());
  for (int i = 0; i < 4; ++i) {
    const int64_t d = in.dim(i);
    out[i] = kUnknownDim;
    if (d == kUnknownDim) continue;
    // TF keeps sizes in int; larger dims would be truncated there.
    OPBRIDGE_REQUIRE(d <= std::numeric_limits<int32_t>::max(), "dimension ", i, " of tensor_in is ", d,
                     ", more than TF's kernel handles (2^31 - 1)");
    const auto size = static_cast<float>(d);
    OPBRIDGE_REQUIRE(size >= p.Ratio(i), "Pooling ratio is higher than input dimension size for dimension ", i,
                     ". Input dim size: ", d, " pooling ratio: ", p.Ratio(i));
    out[i] = static_cast<int64_t>(std::floor(size / p.Ratio(i)));
  }
  return Status::Ok();
}

// Shape rule of both ops: output [N', H', W', C], the two sequences one
// longer than the output's rows and columns.
template <bool kMax>
Status FractionalPoolShape(ShapeContext& ctx, const FractionalPoolParams<kMax>& p) {
  const Shape& in = ctx.input(0);
  if (!in.rank_known()) {
    ctx.set_output(0, Shape({kUnknownDim, kUnknownDim, kUnknownDim, kUnknownDim}));
    ctx.set_output(1, Shape({kUnknownDim}));
    ctx.set_output(2, Shape({kUnknownDim}));
    return Status::Ok();
  }
  int64_t out[4];
  OPBRIDGE_RETURN_IF_ERROR(FractionalOutputDims(p, in, out));
  ctx.set_output(0, Shape({out[0], out[1], out[2], out[3]}));
  ctx.set_output(1, Shape({out[1] == kUnknownDim ? kUnknownDim : out[1] + 1}));
  ctx.set_output(2, Shape({out[2] == kUnknownDim ? kUnknownDim : out[2] + 1}));
  return Status::Ok();
}

// TF's GuardedPhiloxRandom: one Philox stream from which each consumer
// reserves whole 128-bit blocks, getting a copy at the current counter while
// the stream skips past the reservation.
class GuardedPhilox {
 public:
  // TF's PhiloxRandom(seed, seed2): the key is seed, counter words 2 and 3
  // are seed2, words 0 and 1 start at 0.
  GuardedPhilox(uint64_t seed, uint64_t seed2)
      : gen_({0u, 0u, static_cast<uint32_t>(seed2), static_cast<uint32_t>(seed2 >> 32)},
             static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)) {}

  random::Philox ReserveSamples32(int64_t samples) { return ReserveSamples128((samples + 3) / 4); }
  random::Philox ReserveSamples128(int64_t samples) {
    random::Philox local = gen_;
    gen_.Skip(static_cast<uint64_t>(samples));
    return local;
  }

 private:
  random::Philox gen_;
};

// Pseudo-random region sizes (Graham's a_i = ceil(alpha * (i + u)), with TF's
// bounds on u so that every size is k or k + 1): one uniform double from two
// 32-bit words.
inline std::vector<int64_t> PseudoRandomSizes(int in, int out, GuardedPhilox& gen) {
  const double alpha = static_cast<double>(in) / out;
  const int k = in / out;
  const double u_max1 = (k + 2) / alpha - 1;
  const double u_max2 = (in + 1 - k) / alpha - (out - 1);
  random::Philox local = gen.ReserveSamples32(2);
  random::SingleSample single(&local);
  const uint32_t x0 = single();
  const uint32_t x1 = single();
  const double u = random::Uint64ToDouble(x0, x1) * std::min(u_max1, u_max2);
  std::vector<int64_t> cum(static_cast<size_t>(out) + 1);
  cum[0] = 1;
  cum[static_cast<size_t>(out)] = in + 1;
  for (int i = 1; i < out; ++i) cum[static_cast<size_t>(i)] = static_cast<int>(std::ceil(alpha * (i + u)));
  std::vector<int64_t> sizes(static_cast<size_t>(out));
  for (size_t i = 0; i < sizes.size(); ++i) sizes[i] = cum[i + 1] - cum[i];
  return sizes;
}

// Random region sizes: in % out regions of k + 1 and the rest of k, shuffled
// by TF's own Fisher-Yates (element i swaps with i + word % (n - i), one
// 32-bit word per step; not std::shuffle, whose draws differ).
inline std::vector<int64_t> RandomSizes(int in, int out, GuardedPhilox& gen) {
  const int k = in / out;
  std::vector<int64_t> sizes(static_cast<size_t>(out), k);
  for (int i = 0; i < in % out; ++i) ++sizes[static_cast<size_t>(i)];
  random::Philox local = gen.ReserveSamples32(out);
  random::SingleSample single(&local);
  const size_t n = sizes.size();
  for (size_t i = 0; i + 1 < n; ++i) {
    const uint32_t span = static_cast<uint32_t>(n - i);
    std::swap(sizes[i], sizes[i + single() % span]);
  }
  return sizes;
}

// TF's GeneratePoolingSequence: the cumulative sequence [0, ..., in] of
// out + 1 boundaries. Even when out divides in, TF draws (and consumes the
// stream) as in the fractional case; the pseudo-random sequence then starts
// one later than regular pooling would.
inline std::vector<int64_t> PoolingSequence(int in, int out, GuardedPhilox& gen, bool pseudo_random) {
  const std::vector<int64_t> sizes = pseudo_random ? PseudoRandomSizes(in, out, gen) : RandomSizes(in, out, gen);
  std::vector<int64_t> cum(sizes.size() + 1, 0);
  for (size_t i = 1; i < cum.size(); ++i) cum[i] = cum[i - 1] + sizes[i - 1];
  return cum;
}

// Everything a kernel needs: sizes and both sequences (rows first, as TF
// draws them), written to outputs 1 and 2.
struct FractionalRegions {
  int64_t in[4], out[4];
  std::vector<int64_t> rows, cols;
};

template <bool kMax>
Status FractionalPoolRegions(KernelContext& ctx, const FractionalPoolParams<kMax>& p, FractionalRegions* r) {
  const ConstTensor& input = ctx.input(0);
  OPBRIDGE_REQUIRE(input.rank() == 4, "tensor_in must be 4-dimensional, got shape ", input.shape().ToString());
  OPBRIDGE_RETURN_IF_ERROR(FractionalOutputDims(p, input.shape(), r->out));
  for (int i = 0; i < 4; ++i) r->in[i] = input.dim(i);
  uint64_t seed = p.drawn_seed, seed2 = p.drawn_seed2;
  if (!p.deterministic) {  // seeds are 0 here (Validate): TF's GuardedPhiloxRandom draws fresh ones
    seed = FreshSeed();
    seed2 = FreshSeed();
  }
  GuardedPhilox gen(seed, seed2);
  r->rows = PoolingSequence(static_cast<int>(r->in[1]), static_cast<int>(r->out[1]), gen, p.pseudo_random);
  r->cols = PoolingSequence(static_cast<int>(r->in[2]), static_cast<int>(r->out[2]), gen, p.pseudo_random);
  OPBRIDGE_REQUIRE(ctx.output(1).num_elements() == static_cast<int64_t>(r->rows.size()) &&
                       ctx.output(2).num_elements() == static_cast<int64_t>(r->cols.size()),
                   "pooling sequence outputs have shapes ", ctx.output(1).shape().ToString(), " and ",
                   ctx.output(2).shape().ToString(), ", expected [", r->rows.size(), "] and [", r->cols.size(), "]");
  std::copy(r->rows.begin(), r->rows.end(), ctx.output(1).data<int64_t>());
  std::copy(r->cols.begin(), r->cols.end(), ctx.output(2).data<int64_t>());
  return Status::Ok();
}

// The input window of output index o along a dim: [seq[o], seq[o + 1]),
// one more with overlapping (the shared boundary), clipped to the input.
inline void RegionBounds(const std::vector<int64_t>& seq, int64_t o, bool overlapping, int64_t size,
                         int64_t* begin, int64_t* end) {
  *begin = seq[static_cast<size_t>(o)];
  *end = std::min(overlapping ? seq[static_cast<size_t>(o) + 1] + 1 : seq[static_cast<size_t>(o) + 1], size);
}

// The gradients' one attr.
struct FractionalPoolGradParams {
  bool overlapping = false;
  static void Declare(ParamBinder& b, FractionalPoolGradParams& p) {
    b.Attr("overlapping: bool = false", &p.overlapping);
  }
};

// A gradient's sequence input as a vector (a .tflite constant may be
// unaligned for int64).
inline std::vector<int64_t> GradSequence(const ConstTensor& seq) {
  std::vector<int64_t> v(static_cast<size_t>(seq.num_elements()));
  if (!v.empty()) std::memcpy(v.data(), seq.data<char>(), v.size() * sizeof(int64_t));
  return v;
}

// A gradient's region [begin, last] along a dim as TF's grad kernels take
// it: last = next boundary (overlapping) or the one before it, clipped to
// size - 1. Saturating, where TF's `next - 1` would overflow.
inline void GradRegion(const std::vector<int64_t>& seq, int64_t o, bool overlapping, int64_t size,
                       int64_t* begin, int64_t* last) {
  const int64_t next = seq[static_cast<size_t>(o) + 1];
  *begin = seq[static_cast<size_t>(o)];
  *last = std::min(overlapping || next == std::numeric_limits<int64_t>::min() ? next : next - 1, size - 1);
}

}  // namespace nn
}  // namespace opbridge
