// FastBertNormalize: tensorflow-text's FastBertNormalizer (tf_text.FastBertNormalizer
// .normalize / .normalize_with_offsets; the first half of FastBertTokenizer).
// The converter leaves the TF op CUSTOM under its TF name with its get_offsets
// attr; input 1 is the normalizer's model flatbuffer, a uint8 constant tf-text
// builds in Python.
//
// Facts from tensorflow/text tensorflow_text/core/kernels:
// - fast_bert_normalizer_model.fbs: table FastBertNormalizerModel with fields
//   (in id order) lower_case_nfd_strip_accents bool, trie_array [uint32],
//   data_for_codepoint_zero int32, normalized_string_pool [ubyte]. The kernel
//   never reads the bool: both modes differ only in the trie and the pool.
// - fast_bert_normalizer_model_builder.cc: the trie maps the UTF-8 bytes of
//   each code point whose normalization (control characters to a space; with
//   lower_case_nfd_strip_accents also NFKC case folding, NFD and dropping
//   Mn marks) differs from itself to an int, and U+0000 is kept outside
//   the trie (darts-clone cannot store the empty key).
// - fast_bert_normalizer.h: that int holds bit 30 "differs", the
//   replacement's offset in the pool in bits 6..29 and its byte length in
//   bits 0..5 (a length of 0 deletes the code point). NormalizeText walks the
//   string one ICU U8_FWD_1 step at a time (a code point, or the maximal
//   ill-formed subpart: utf8_next.h advances the same way), looks each step's
//   bytes up (a NUL byte gives data_for_codepoint_zero), and copies unchanged
//   steps through. With offsets, each output byte maps to an input byte:
//   copied bytes to themselves, every byte of a replacement to the start of
//   the code point it replaced, plus one final entry, the input's size.
// - fast_bert_normalizer_kernel_template.h: outputs are the normalized
//   strings (input's shape), the offsets of all rows concatenated (int64),
//   and their row splits (int64, n + 1); without get_offsets the offsets are
//   empty and the row splits n + 1 zeros.
//
// The model is untrusted input: tf-text reads its vectors, trie units and
// pool unchecked (newer tf-text maps a replacement outside the pool to "");
// here each is checked and a bad model is an error naming the model input.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "darts_clone_trie.h"
#include "flatbuffer_table.h"
#include "opbridge/op.h"
#include "utf8_next.h"

namespace opbridge {
namespace {

using text::DartsCloneTrie;
using text::FlatTable;
using text::FlatVector;
using text::NextCodePoint;

enum Input { kValues = 0, kModel };
enum Output { kNormalized = 0, kOffsets, kRowSplits };

constexpr uint32_t kDiffers = 0x40000000u;
constexpr uint32_t kLengthMask = 0x3Fu;
constexpr uint32_t kOffsetMask = 0x3FFFFFC0u;
constexpr int kOffsetShift = 6;

class FastBertNormalizer {
 public:
  Status Parse(const uint8_t* data, uint64_t size) {
    what_ = "input 'fast_bert_normalizer_model'";
    OPBRIDGE_RETURN_IF_ERROR(table_.Parse(data, size, what_));
    FlatVector trie_array;
    OPBRIDGE_RETURN_IF_ERROR(table_.Vector(1, 4, "trie_array", &trie_array));
    OPBRIDGE_RETURN_IF_ERROR(table_.Scalar32(2, "data_for_codepoint_zero", &data_for_zero_));
    OPBRIDGE_RETURN_IF_ERROR(table_.Vector(3, 1, "normalized_string_pool", &pool_));
    // tf-text's own check, with its text.
    OPBRIDGE_REQUIRE(trie_array.present && pool_.present, what_,
                     ": FastBertNormalizerModel or its required fields are null");
    // tf-text reads the root unit of any trie.
    OPBRIDGE_REQUIRE(trie_array.length > 0, what_, ": trie_array is empty");
    trie_.Reset(table_.bytes(), trie_array, what_);
    // An ASCII byte is always one step: its lookups are made once here, so
    // the common byte costs a table read instead of a trie walk.
    for (int b = 0; b < 128; ++b) {
      const char c = static_cast<char>(b);
      OPBRIDGE_RETURN_IF_ERROR(Lookup(std::string_view(&c, 1), &ascii_[b]));
    }
    return Status::Ok();
  }

  // NormalizeText on one string. *changed false: the output is the input
  // itself (and *out untouched); else *out holds it. With kOffsets, appends
  // the string's (output size + 1) offsets.
  template <bool kOffsets>
  Status Normalize(std::string_view in, bool* changed, std::string* out, std::vector<int64_t>* offsets) const {
    *changed = false;
    size_t pos = 0, copied = 0;  // input bytes before `copied` are in *out
    while (pos < in.size()) {
      const auto lead = static_cast<uint8_t>(in[pos]);
      uint32_t data;
      size_t next = pos;
      if (lead < 0x80) {
        data = ascii_[lead];
        ++next;
      } else {
        NextCodePoint(in, &next);
        OPBRIDGE_RETURN_IF_ERROR(Lookup(in.substr(pos, next - pos), &data));
      }
      if ((data & kDiffers) == 0) {
        pos = next;
        continue;
      }
      std::string_view replacement;
      OPBRIDGE_RETURN_IF_ERROR(Replacement(data, &replacement));
      if (!*changed) {
        *changed = true;
        out->clear();
        out->reserve(in.size() + replacement.size());
      }
      Copy<kOffsets>(in, copied, pos, out, offsets);
      out->append(replacement);
      if constexpr (kOffsets) offsets->insert(offsets->end(), replacement.size(), static_cast<int64_t>(pos));
      pos = copied = next;
    }
    if (*changed) {
      Copy<kOffsets>(in, copied, in.size(), out, offsets);
    } else if constexpr (kOffsets) {
      for (size_t k = 0; k < in.size(); ++k) offsets->push_back(static_cast<int64_t>(k));
    }
    if constexpr (kOffsets) offsets->push_back(static_cast<int64_t>(in.size()));
    return Status::Ok();
  }

 private:
  template <bool kOffsets>
  static void Copy(std::string_view in, size_t begin, size_t end, std::string* out, std::vector<int64_t>* offsets) {
    out->append(in.data() + begin, end - begin);
    if constexpr (kOffsets) {
      for (size_t k = begin; k < end; ++k) offsets->push_back(static_cast<int64_t>(k));
    }
  }

  // LookupData: the encoded int of one step's bytes, 0 (unchanged) when the
  // trie holds none.
  Status Lookup(std::string_view step, uint32_t* data) const {
    if (step[0] == '\0') {
      *data = data_for_zero_;
      return Status::Ok();
    }
    *data = 0;
    DartsCloneTrie::Cursor cursor;
    OPBRIDGE_RETURN_IF_ERROR(trie_.SetCursor(0, &cursor));
    if (!trie_.StepSeveral(&cursor, step)) return Status::Ok();
    bool has = false;
    uint32_t value = 0;
    OPBRIDGE_RETURN_IF_ERROR(trie_.Data(cursor, &has, &value));
    if (has) *data = value;
    return Status::Ok();
  }

  // GetNormalizedString, checked against the pool.
  Status Replacement(uint32_t data, std::string_view* out) const {
    const uint64_t length = data & kLengthMask;
    const uint64_t offset = (data & kOffsetMask) >> kOffsetShift;
    if (length == 0) {
      *out = std::string_view();
      return Status::Ok();
    }
    OPBRIDGE_REQUIRE(offset + length <= pool_.length, what_, ": a replacement of ", length, " bytes at offset ",
                     offset, " runs past the ", pool_.length, "-byte normalized_string_pool");
    *out = table_.bytes().View(pool_.pos + offset, length);
    return Status::Ok();
  }

  std::string what_;
  FlatTable table_;
  DartsCloneTrie trie_;
  FlatVector pool_;
  uint32_t data_for_zero_ = 0;
  uint32_t ascii_[128] = {};
};

struct FastBertNormalizeParams {
  bool get_offsets = false;

  static void Declare(ParamBinder& b, FastBertNormalizeParams& p) {
    b.Attr("get_offsets: bool = false", &p.get_offsets);
  }
};

Status FastBertNormalizeShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(kValues, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(kModel, 1));
  ctx.set_output(kNormalized, ctx.input(kValues));
  ctx.set_output_dynamic(kOffsets);
  ctx.set_output_dynamic(kRowSplits);
  return Status::Ok();
}

// One block of rows: their offsets and each row's offset count.
struct Block {
  std::vector<int64_t> offsets;
  std::vector<int64_t> counts;
  Status status = Status::Ok();
};

template <bool kOffsets>
Status NormalizeRows(const FastBertNormalizer& normalizer, const std::string_view* in, int64_t begin, int64_t end,
                     const Tensor& output, Block* block) {
  std::string* strings = output.data<std::string>();
  std::string_view* views = output.data<std::string_view>();
  for (int64_t i = begin; i < end; ++i) {
    const size_t before = block->offsets.size();
    bool changed = false;
    OPBRIDGE_RETURN_IF_ERROR(normalizer.Normalize<kOffsets>(in[i], &changed, &strings[i], &block->offsets));
    // An unchanged string is passed on as a view of the input.
    if (!changed) views[i] = in[i];
    if constexpr (kOffsets) block->counts.push_back(static_cast<int64_t>(block->offsets.size() - before));
  }
  return Status::Ok();
}

Status FastBertNormalizeKernel(KernelContext& ctx, const FastBertNormalizeParams& p) {
  const ConstTensor& values = ctx.input(kValues);
  const ConstTensor& model = ctx.input(kModel);
  FastBertNormalizer normalizer;
  OPBRIDGE_RETURN_IF_ERROR(
      normalizer.Parse(model.data<uint8_t>(), static_cast<uint64_t>(model.num_elements())));
  const std::string_view* in = values.data<std::string_view>();
  const int64_t n = values.dim(0);
  // Rows are normalized in blocks, on the threads when there are several;
  // the offsets are joined in row order and the earliest failing block's
  // error is reported, so neither depends on the thread count.
  int64_t bytes = 0;
  for (int64_t i = 0; i < n; ++i) bytes += static_cast<int64_t>(in[i].size());
  const int64_t blocks = ctx.num_threads() <= 1 ? std::min<int64_t>(n, 1) : std::min<int64_t>(n, 4 * ctx.num_threads());
  std::vector<Block> parts(static_cast<size_t>(blocks));
  const auto first_row = [&](int64_t b) { return n * b / blocks; };
  const Tensor& output = ctx.output(kNormalized);
  // Cost: a few ns a byte (mostly ASCII table reads), rows' bookkeeping aside.
  ctx.ParallelFor(blocks, 8 * (bytes / std::max<int64_t>(blocks, 1) + n / std::max<int64_t>(blocks, 1) + 1),
                  [&](int64_t begin, int64_t end) {
                    for (int64_t b = begin; b < end; ++b) {
                      Block& part = parts[static_cast<size_t>(b)];
                      part.status = p.get_offsets
                                        ? NormalizeRows<true>(normalizer, in, first_row(b), first_row(b + 1), output,
                                                              &part)
                                        : NormalizeRows<false>(normalizer, in, first_row(b), first_row(b + 1),
                                                               output, &part);
                    }
                  });
  for (const Block& part : parts) OPBRIDGE_RETURN_IF_ERROR(part.status);

  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kRowSplits, Shape({n + 1})));
  int64_t* splits = ctx.output(kRowSplits).data<int64_t>();
  splits[0] = 0;
  if (!p.get_offsets) {
    std::fill(splits, splits + n + 1, 0);
    return ctx.AllocateOutput(kOffsets, Shape({0}));
  }
  int64_t total = 0, row = 0;
  for (const Block& part : parts) {
    for (const int64_t count : part.counts) splits[++row] = total += count;
  }
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kOffsets, Shape({total})));
  int64_t* offsets = ctx.output(kOffsets).data<int64_t>();
  for (const Block& part : parts) offsets = std::copy(part.offsets.begin(), part.offsets.end(), offsets);
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("FastBertNormalize")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's FastBertNormalizer over its model flatbuffer: each string's BERT "
                              "normalization (control characters to spaces; optionally lower case, NFD, accents "
                              "stripped) and, with get_offsets, each output byte's offset in the input.")
                         .Input("input_values: string")
                         .Input("fast_bert_normalizer_model: uint8")
                         .Output("output_values: string")
                         .Output("output_offsets: int64")
                         .Output("output_row_splits: int64")
                         .Params<FastBertNormalizeParams>()
                         .ShapeRule(FastBertNormalizeShape)
                         .Kernel(FastBertNormalizeKernel));

}  // namespace opbridge
