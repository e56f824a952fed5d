// DenseBincount: TF's histogram of non-negative integers (tf.math.bincount,
// which computes `size` from minlength/maxlength and max(arr) + 1 with builtin
// ops). TFLite has no kernel: the converter emits CUSTOM "DenseBincount" with
// options {T, Tidx, binary_output}.
//
//   input [n] (or a scalar) -> output [size]: output[v] = sum of weights[i]
//     over input[i] == v (count of them without weights);
//   input [rows, n] -> output [rows, size], each row counted on its own.
// Values >= size are ignored; binary_output writes 1 where a value occurs.
// weights has input's shape, or no elements (all weights 1). TF's errors:
// rank > 2, size not a non-negative scalar, weights of another shape, a
// negative value. `size` is a run-time value: the output is dynamic.
//
// TF's 1-D kernel adds per-thread partial histograms, so its float sums
// depend on its thread pool; ours add fixed chunks in order, so they depend on
// nothing but the input, and can differ from TF's in the last bits
// (docs/ops/dense_bincount.md). Counts and integer weights are exact.
#include <algorithm>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace {

struct BincountParams {
  bool binary_output = false;

  static void Declare(ParamBinder& b, BincountParams& p) {
    b.Attr("binary_output: bool = false", &p.binary_output);
  }
};

Status DenseBincountShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 0));
  if (ctx.input(0).rank_known()) {
    OPBRIDGE_REQUIRE(ctx.input(0).rank() <= 2, "Shape must be at most rank 2 but is rank ", ctx.input(0).rank(),
                     " (input 'input' ", ctx.input(0).ToString(), ")");
  }
  const bool two_d = ctx.input(0).rank_known() && ctx.input(0).rank() == 2;
  ctx.set_output(0, two_d ? Shape({ctx.input(0).dim(0), kUnknownDim}) : Shape({kUnknownDim}));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

// Values checked for negatives per block of this many (one flag each).
constexpr int64_t kCheckBlock = 1 << 14;

template <typename Idx, typename T>
Status Count(KernelContext& ctx, const BincountParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& size_t_ = ctx.input(1);
  const ConstTensor& weights = ctx.input(2);
  const bool binary = p.binary_output;
  OPBRIDGE_REQUIRE(input.rank() <= 2, "Shape must be at most rank 2 but is rank ", input.rank());
  OPBRIDGE_REQUIRE(size_t_.rank() == 0, "Shape must be rank 0 but is rank ", size_t_.rank(), " (input 'size')");
  const Idx size = *size_t_.data<Idx>();
  OPBRIDGE_REQUIRE(size >= 0, "size (", static_cast<int64_t>(size), ") must be non-negative");
  OPBRIDGE_REQUIRE(weights.num_elements() == 0 || weights.shape().dims() == input.shape().dims(),
                   "`weights` must be the same shape as `arr` or a length-0 `Tensor`, in which case it acts as "
                   "all weights equal to 1. Received ",
                   weights.shape().ToString(), " for input ", input.shape().ToString());
  const bool two_d = input.rank() == 2;
  const int64_t rows = two_d ? input.dim(0) : 1;
  const int64_t n = two_d ? input.dim(1) : input.num_elements();
  const Idx* values = input.data<Idx>();
  // TF's check, in parallel and without a branch per value; the first
  // negative value (for the message) is looked for only when there is one.
  std::vector<char> negative(static_cast<size_t>(rows * n > 0 ? (rows * n + kCheckBlock - 1) / kCheckBlock : 0), 0);
  ctx.ParallelFor(static_cast<int64_t>(negative.size()), kCheckBlock, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      Idx low = 0;
      for (int64_t i = b * kCheckBlock; i < std::min(rows * n, (b + 1) * kCheckBlock); ++i) {
        low = std::min(low, values[i]);
      }
      negative[static_cast<size_t>(b)] = low < 0;
    }
  });
  if (std::find(negative.begin(), negative.end(), 1) != negative.end()) {
    const Idx* first = std::find_if(values, values + rows * n, [](Idx v) { return v < 0; });
    if (two_d) {
      return Errorf("Input 'in' must be non-negative! Negative input value found: ", static_cast<int64_t>(*first));
    }
    return Errorf("Input arr must be non-negative!");
  }
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, two_d ? Shape({rows, static_cast<int64_t>(size)})
                                                       : Shape({static_cast<int64_t>(size)})));
  T* out = ctx.output(0).data<T>();
  const T* w = weights.num_elements() ? weights.data<T>() : nullptr;
  const auto bins = static_cast<int64_t>(size);
  std::fill(out, out + rows * bins, T(0));

  // Counts values [begin, end) into hist, in input order; one loop per mode
  // (binary, weighted, counted) so that none tests the mode per value.
  const auto count = [&](T* hist, int64_t begin, int64_t end) {
    if (binary) {
      for (int64_t i = begin; i < end; ++i) {
        const auto v = static_cast<int64_t>(values[i]);
        if (v < bins) hist[v] = T(1);
      }
    } else if (w != nullptr) {
      for (int64_t i = begin; i < end; ++i) {
        const auto v = static_cast<int64_t>(values[i]);
        if (v < bins) hist[v] += w[i];
      }
    } else {
      for (int64_t i = begin; i < end; ++i) {
        const auto v = static_cast<int64_t>(values[i]);
        if (v < bins) hist[v] += T(1);
      }
    }
  };
  if (two_d) {
    ctx.ParallelFor(rows, n + 1, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) count(out + r * bins, r * n, (r + 1) * n);
    });
    return Status::Ok();
  }
  // One row: fixed chunks of the input each fill a partial histogram, then
  // the partials are added in chunk order. The chunks depend on n and size
  // only, never on the thread count, so neither do the (float) sums.
  constexpr int64_t kChunk = 1 << 16, kMaxChunks = 16;
  int64_t chunks = std::min(kMaxChunks, n / kChunk);
  if (chunks < 2 || chunks * bins > 4 * n) chunks = 1;  // partials may take at most ~4x the input's memory
  std::vector<T> partials(static_cast<size_t>((chunks - 1) * bins), T(0));
  ctx.ParallelFor(chunks, n / chunks * 2, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      T* hist = c == 0 ? out : partials.data() + (c - 1) * bins;
      count(hist, n * c / chunks, n * (c + 1) / chunks);
    }
  });
  if (chunks == 1) return Status::Ok();
  ctx.ParallelFor(bins, chunks, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      for (int64_t c = 1; c < chunks; ++c) {
        const T partial = partials[static_cast<size_t>((c - 1) * bins + b)];
        out[b] = binary ? (out[b] != T(0) || partial != T(0) ? T(1) : T(0)) : out[b] + partial;
      }
    }
  });
  return Status::Ok();
}

Status DenseBincountKernel(KernelContext& ctx, const BincountParams& p) {
  return Dispatch<int32_t, int64_t>(ctx.input(0).dtype(), [&](auto idx_tag) {
    using Idx = typename decltype(idx_tag)::type;
    return Dispatch<int32_t, int64_t, float, double>(
        ctx.input(2).dtype(), [&](auto tag) { return Count<Idx, typename decltype(tag)::type>(ctx, p); });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("DenseBincount")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Counts (or sums weights of) each value in [0, size) of a 1-D or 2-D (per row) "
                              "non-negative integer input; binary_output marks presence (tf.math.bincount).")
                         .Input("input: Tidx")
                         .Input("size: Tidx")
                         .Input("weights: T")
                         .Output("output: T")
                         .Attr("Tidx: {int32, int64}")
                         .Attr("T: {int32, int64, float, double}")
                         .Params<BincountParams>()
                         .ShapeRule(DenseBincountShape)
                         .Kernel(DenseBincountKernel));

}  // namespace
}  // namespace opbridge
