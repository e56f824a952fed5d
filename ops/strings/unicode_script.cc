// UnicodeScript: tf.strings.unicode_script, the ICU script code (UScriptCode) of
// each int32 code point. TF asks its ICU (uscript_getScript); we read the same
// answers from unicode_script_table.h, measured from TF over every code point
// 0..0x10FFFF (surrogates included: ICU calls them Unknown, 103). A value ICU
// refuses (negative, or above 0x10FFFF) is -1, USCRIPT_INVALID_CODE, as TF
// writes it; that is not an error.
#include <algorithm>
#include <array>
#include <cstdint>

#include "opbridge/op.h"
#include "unicode_script_table.h"

namespace opbridge {
namespace {

constexpr uint32_t kLastCodePoint = 0x10FFFF;
constexpr int kBlockBits = 8;
constexpr uint32_t kBlocks = (kLastCodePoint >> kBlockBits) + 1;

// For each 256-code-point block, the run holding its first code point, so a
// lookup searches only the runs that start inside its block (most blocks have
// none: one script). Built once from the table; 8.7 KB.
struct BlockIndex {
  std::array<uint16_t, kBlocks + 1> first{};

  BlockIndex() {
    size_t run = 0;
    for (uint32_t b = 0; b < kBlocks; ++b) {
      const uint32_t cp = b << kBlockBits;
      while (run + 1 < unicode::kScriptRuns && unicode::kScriptStarts[run + 1] <= cp) ++run;
      first[b] = static_cast<uint16_t>(run);
    }
    first[kBlocks] = static_cast<uint16_t>(unicode::kScriptRuns - 1);
  }
};
static_assert(unicode::kScriptRuns <= 0xFFFF, "run indices are 16-bit");

const BlockIndex& Blocks() {
  static const BlockIndex index;
  return index;
}

int32_t ScriptOf(const BlockIndex& index, int32_t c) {
  if (c < 0 || static_cast<uint32_t>(c) > kLastCodePoint) return -1;  // USCRIPT_INVALID_CODE
  const uint32_t cp = static_cast<uint32_t>(c);
  const uint32_t b = cp >> kBlockBits;
  // The answer is the last run in [first[b], first[b + 1]] starting at or before cp.
  const uint32_t* lo = unicode::kScriptStarts + index.first[b] + 1;
  const uint32_t* hi = unicode::kScriptStarts + index.first[b + 1] + 1;
  const uint32_t* at = std::upper_bound(lo, hi, cp);
  return unicode::kScriptCodes[at - unicode::kScriptStarts - 1];
}

Status UnicodeScriptKernel(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const int32_t* in = input.data<int32_t>();
  int32_t* out = ctx.output(0).data<int32_t>();
  const BlockIndex& index = Blocks();
  ctx.ParallelFor(input.num_elements(), 4, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = ScriptOf(index, in[i]);
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("UnicodeScript")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The ICU script code of each code point, -1 for invalid ones (tf.strings.unicode_script).")
                         .Input("input: int32")
                         .Output("output: int32")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(UnicodeScriptKernel));

}  // namespace opbridge
