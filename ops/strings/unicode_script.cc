// UnicodeScript: tf.strings.unicode_script, the ICU script code (UScriptCode) of
// each int32 code point. TF asks its ICU (uscript_getScript); we read the same
// answers from unicode_script_table.h, measured from TF over every code point
// 0..0x10FFFF (surrogates included: ICU calls them Unknown, 103). A value ICU
// refuses (negative, or above 0x10FFFF) is -1, USCRIPT_INVALID_CODE, as TF
// writes it; that is not an error.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "opbridge/op.h"
#include "unicode_script_table.h"

namespace opbridge {
namespace {

constexpr uint32_t kLastCodePoint = 0x10FFFF;
constexpr int kPageBits = 7;
constexpr uint32_t kPageSize = 1u << kPageBits;
constexpr uint32_t kPages = (kLastCodePoint >> kPageBits) + 1;

// The run table expanded once into a two-stage lookup: page[cp >> 7] is the
// offset of that 128-code-point page's script bytes in `codes`, identical
// pages stored once (238 distinct of 8704: 65 KB, built in a few ms at the
// first invoke). Two loads per element, no
// branches: a binary search over the runs took twice TF's time on text.
constexpr bool CodesFitInAByte() {
  for (size_t i = 0; i < unicode::kScriptRuns; ++i) {
    if (unicode::kScriptCodes[i] > 0xFF) return false;
  }
  return true;
}
static_assert(CodesFitInAByte(), "the trie stores script codes as bytes");

struct ScriptTrie {
  std::vector<uint32_t> page;
  std::vector<uint8_t> codes;

  ScriptTrie() : page(kPages) {
    std::map<std::string, uint32_t> seen;
    std::string bytes(kPageSize, '\0');
    size_t run = 0;
    for (uint32_t p = 0; p < kPages; ++p) {
      for (uint32_t i = 0; i < kPageSize; ++i) {
        const uint32_t cp = p << kPageBits | i;
        while (run + 1 < unicode::kScriptRuns && unicode::kScriptStarts[run + 1] <= cp) ++run;
        bytes[i] = static_cast<char>(unicode::kScriptCodes[run]);
      }
      auto [at, added] = seen.emplace(bytes, static_cast<uint32_t>(codes.size()));
      if (added) codes.insert(codes.end(), bytes.begin(), bytes.end());
      page[p] = at->second;
    }
  }
};

const ScriptTrie& Trie() {
  static const ScriptTrie trie;  // thread-safe first use
  return trie;
}

int32_t ScriptOf(const ScriptTrie& trie, int32_t c) {
  // ICU refuses anything outside 0..0x10FFFF: USCRIPT_INVALID_CODE, -1 (as a
  // uint32_t a negative value is above the limit too).
  const uint32_t cp = static_cast<uint32_t>(c);
  if (cp > kLastCodePoint) return -1;
  return trie.codes[trie.page[cp >> kPageBits] + (cp & (kPageSize - 1))];
}

Status UnicodeScriptKernel(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const int32_t* in = input.data<int32_t>();
  int32_t* out = ctx.output(0).data<int32_t>();
  const ScriptTrie& trie = Trie();
  ctx.ParallelFor(input.num_elements(), 4, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = ScriptOf(trie, in[i]);
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
