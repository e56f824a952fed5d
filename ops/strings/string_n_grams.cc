// StringNGrams: tf.strings.ngrams on a ragged batch of tokens (values +
// row splits), which Keras TextVectorization emits for ngrams=(1..n) with
// separator " ". As TF's kernel (string_ngrams_op.cc):
// - every width must be > 0, checked first (even for empty data);
// - non-empty splits must start at 0, never decrease, stay <= the number of
//   tokens and end at it (TF's texts);
// - per row and width w: pad = min(pad_width < 0 ? w - 1 : pad_width, w - 1),
//   count = max(0, len + 2 * pad - w + 1); rows list their widths in attr
//   order; an ngram is its left pads, tokens and right pads joined by the
//   separator (an all-pad ngram ends with a right pad);
// - preserve_short_sequences: a non-empty row with no ngram gets one of
//   width len + 2 * pad_width (an error when pad_width < 0);
// - no data or no splits: the ngrams take data's shape (empty strings) and
//   every output split is 0.
// TF counts in 32-bit ints; here counts and sizes are 64-bit, and an output
// TFLite's int32 string offsets could not hold is refused before it is
// built (so a width TF would overflow on is an error, not TF's garbage).
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "string_outputs.h"

namespace opbridge {
namespace {

struct StringNGramsParams {
  std::string separator;
  std::vector<int64_t> ngram_widths;
  std::string left_pad;
  std::string right_pad;
  int64_t pad_width = 0;
  bool preserve_short_sequences = false;

  static void Declare(ParamBinder& b, StringNGramsParams& p) {
    b.Attr("separator: string", &p.separator);
    // TF's op has no default; the converter leaves an empty list out of the
    // options, which must then read as [] (measured).
    b.Attr("ngram_widths: list(int) = []", &p.ngram_widths);
    b.Attr("left_pad: string", &p.left_pad);
    b.Attr("right_pad: string", &p.right_pad);
    b.Attr("pad_width: int", &p.pad_width);
    b.Attr("preserve_short_sequences: bool", &p.preserve_short_sequences);
  }

  // TF reads the widths and pad_width as ints.
  Status Validate() const {
    for (int64_t w : ngram_widths) {
      OPBRIDGE_REQUIRE(w >= INT32_MIN && w <= INT32_MAX, "Attr ngram_widths has value ", w,
                       " out of range for an int32");
    }
    OPBRIDGE_REQUIRE(pad_width >= INT32_MIN && pad_width <= INT32_MAX, "Attr pad_width has value ", pad_width,
                     " out of range for an int32");
    return Status::Ok();
  }

  int64_t Pad(int64_t width) const { return std::min(pad_width < 0 ? width - 1 : pad_width, width - 1); }
  int64_t Count(int64_t length, int64_t width) const {
    return std::max<int64_t>(0, length + 2 * Pad(width) - width + 1);
  }
};

// One ngram: `left` left pads, tokens [first, first + tokens), `right` right pads.
struct NGram {
  int64_t left, first, tokens, right;
};

NGram Describe(const StringNGramsParams& p, int64_t index, int64_t count, int64_t width) {
  const int64_t pad = p.Pad(width);
  NGram g;
  g.left = std::max<int64_t>(0, pad - index);
  g.right = std::max<int64_t>(0, pad - (count - (index + 1)));
  g.tokens = width - (g.left + g.right);
  g.first = g.left > 0 ? 0 : index - pad;
  return g;
}

// Bytes of `g`, with `prefix` the running byte sums of the row's tokens.
uint64_t Bytes(const StringNGramsParams& p, const NGram& g, const std::vector<uint64_t>& prefix) {
  using strings::SaturatingAdd;
  using strings::SaturatingMul;
  const uint64_t separators = static_cast<uint64_t>(g.left + g.right + g.tokens - 1);
  uint64_t n = prefix[static_cast<size_t>(g.first + g.tokens)] - prefix[static_cast<size_t>(g.first)];
  n = SaturatingAdd(n, SaturatingMul(static_cast<uint64_t>(g.left), p.left_pad.size()));
  n = SaturatingAdd(n, SaturatingMul(static_cast<uint64_t>(g.right), p.right_pad.size()));
  return SaturatingAdd(n, SaturatingMul(separators, p.separator.size()));
}

void Build(const StringNGramsParams& p, const NGram& g, uint64_t bytes, const std::string_view* row,
           std::string* out) {
  out->reserve(bytes);
  for (int64_t n = 0; n < g.left; ++n) out->append(p.left_pad).append(p.separator);
  for (int64_t n = 0; n + 1 < g.tokens; ++n) out->append(row[g.first + n]).append(p.separator);
  if (g.tokens > 0) {
    out->append(row[g.first + g.tokens - 1]);
    for (int64_t n = 0; n < g.right; ++n) out->append(p.separator).append(p.right_pad);
  } else {  // only pads: end with a pad, not a separator
    for (int64_t n = 0; n + 1 < g.right; ++n) out->append(p.right_pad).append(p.separator);
    out->append(p.right_pad);
  }
}

Status StringNGramsShape(ShapeContext& ctx) {
  ctx.set_output(0, Shape({kUnknownDim}));
  ctx.set_output_dynamic(0);
  ctx.set_output(1, ctx.input(1));
  return Status::Ok();
}

template <typename S>
Status NGrams(KernelContext& ctx, const StringNGramsParams& p) {
  for (int64_t w : p.ngram_widths) OPBRIDGE_REQUIRE(w > 0, "ngram_widths must contain positive values");
  const ConstTensor& data = ctx.input(0);
  const std::string_view* tokens = data.data<std::string_view>();
  const int64_t num_tokens = data.num_elements();
  const ConstTensor& splits_t = ctx.input(1);
  const S* splits = splits_t.data<S>();
  const int64_t num_splits = splits_t.num_elements();
  if (num_splits > 0) {
    OPBRIDGE_REQUIRE(splits[0] == 0, "First split value must be 0, got ", splits[0]);
    int64_t prev = 0;
    for (int64_t i = 1; i < num_splits; ++i) {
      const int64_t s = splits[i];
      OPBRIDGE_REQUIRE(s >= prev && s <= num_tokens, "Invalid split value ", s, ", must be in [", prev, ", ",
                       num_tokens, "]");
      prev = s;
    }
    OPBRIDGE_REQUIRE(prev == num_tokens, "Last split value must be data size. Expected ", num_tokens, ", got ",
                     prev);
  }
  S* out_splits = ctx.output(1).data<S>();
  if (num_tokens == 0 || num_splits == 0) {
    OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput("ngrams", static_cast<uint64_t>(num_tokens), 0));
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, data.shape()));
    std::fill(out_splits, out_splits + num_splits, S(0));
    return Status::Ok();
  }

  // Counts first, capped row by row so that no sum can overflow.
  const int64_t rows = num_splits - 1;
  const uint64_t max_count = (strings::kMaxStringBufferBytes - 8) / 4;
  std::vector<int64_t> starts(static_cast<size_t>(num_splits), 0);
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t length = splits[i + 1] - splits[i];
    int64_t count = 0;
    for (int64_t w : p.ngram_widths) count += p.Count(length, w);  // each < 2^33
    if (p.preserve_short_sequences && length > 0 && count == 0) count = 1;
    starts[static_cast<size_t>(i + 1)] = starts[static_cast<size_t>(i)] + count;
    OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput(
        "ngrams", std::min<uint64_t>(static_cast<uint64_t>(starts[static_cast<size_t>(i + 1)]), max_count + 1), 0));
  }

  // Each row's ngrams in output order, as TF writes them: per width, then the
  // preserved short sequence. Walked twice (sizes, then strings) so that
  // nothing is stored per ngram before the size check passed.
  auto for_each_ngram = [&](auto&& visit) -> Status {
    int64_t k = 0;
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t length = splits[i + 1] - splits[i];
      const int64_t first = k;
      for (int64_t w : p.ngram_widths) {
        const int64_t count = p.Count(length, w);
        for (int64_t j = 0; j < count; ++j) OPBRIDGE_RETURN_IF_ERROR(visit(k++, i, Describe(p, j, count, w)));
      }
      if (p.preserve_short_sequences && k == first && length > 0) {
        // Only reachable with no widths at all: a dynamic pad always yields one.
        OPBRIDGE_REQUIRE(p.pad_width >= 0,
                         "Pad width should be >= 0 when preserve_short_sequences is True and ngram_widths are "
                         "not provided, got ",
                         p.pad_width);
        OPBRIDGE_RETURN_IF_ERROR(visit(k++, i, Describe(p, 0, 1, length + 2 * p.pad_width)));
      }
    }
    return Status::Ok();
  };
  const int64_t total_count = starts.back();
  std::vector<uint64_t> prefix(static_cast<size_t>(num_tokens) + 1, 0);
  for (int64_t t = 0; t < num_tokens; ++t) {
    prefix[static_cast<size_t>(t + 1)] = prefix[static_cast<size_t>(t)] + tokens[t].size();
  }
  uint64_t total = 0;
  OPBRIDGE_RETURN_IF_ERROR(for_each_ngram([&](int64_t, int64_t row, NGram g) {
    g.first += splits[row];  // the prefix sums run over all tokens
    total = strings::SaturatingAdd(total, Bytes(p, g, prefix));
    return strings::CheckStringOutput("ngrams", static_cast<uint64_t>(total_count), total);
  }));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({total_count})));
  std::string* out = ctx.output(0).data<std::string>();
  OPBRIDGE_RETURN_IF_ERROR(for_each_ngram([&](int64_t k, int64_t row, NGram g) {
    NGram shifted = g;
    shifted.first += splits[row];
    Build(p, g, Bytes(p, shifted, prefix), tokens + splits[row], &out[k]);
    return Status::Ok();
  }));
  for (int64_t i = 0; i < num_splits; ++i) out_splits[i] = static_cast<S>(starts[static_cast<size_t>(i)]);
  return Status::Ok();
}

Status StringNGramsKernel(KernelContext& ctx, const StringNGramsParams& p) {
  return Dispatch<int32_t, int64_t>(ctx.input(1).dtype(), [&](auto tag) {
    using S = typename decltype(tag)::type;
    return NGrams<S>(ctx, p);
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringNGrams")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Ngrams of each row of a ragged batch of tokens (tf.strings.ngrams), with "
                              "padding and short-sequence preservation.")
                         .Input("data: string")
                         .Input("data_splits: Tsplits")
                         .Output("ngrams: string")
                         .Output("ngrams_splits: Tsplits")
                         .Params<StringNGramsParams>()
                         .Attr("Tsplits: {int32, int64} = DT_INT64")
                         .ShapeRule(StringNGramsShape)
                         .Kernel(StringNGramsKernel));

}  // namespace opbridge
