// RegexSplitWithOffsets: tensorflow-text's regex_split / regex_split_with_offsets
// (tf-text: tensorflow_text/core/kernels/regex_split.cc, regex_split_kernels.cc),
// as keras-hub's BERT and GPT-2 pretokenizers emit it. Per string: repeatedly
// RE2::FindAndConsume the delimiter pattern (its capture group 1 is the
// delimiter: the Python wrapper wraps the user's pattern in parentheses), the
// text before each delimiter is a token when non-empty, the delimiter itself is
// one when it fully matches the keep pattern, and the rest after the last
// delimiter is one when non-empty. Offsets are bytes from the string's start.
//
// Copied quirks: tf-text reads each string up to its first NUL byte (it builds
// the view from a char pointer); a pattern without a capture group never
// matches (FindAndConsume has one argument to fill). One deliberate
// difference: a delimiter match that consumes nothing makes tf-text loop
// forever (measured: tf-text never returns for "\s*"); here it is an error.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../strings/regex.h"
#include "re2/regexp.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

enum Input { kInput = 0, kDelim, kKeepDelim };
enum Output { kTokens = 0, kBegins, kEnds, kRowSplits };

Status RegexSplitShape(ShapeContext& ctx) {
  for (int i = kTokens; i <= kRowSplits; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

// RE2::FindAndConsume(leftover, re, delim) as RE2 does it (a match of the
// unanchored pattern in *leftover, which is then moved past the match; false
// when the pattern has no group 1), asking RE2 only for the whole match when
// it is group 1.
bool FindAndConsume(const Regex& re, bool whole_is_group1, re2::StringPiece* leftover, re2::StringPiece* delim) {
  if (re.NumberOfCapturingGroups() < 1) return false;
  re2::StringPiece match[2];
  const int groups = whole_is_group1 ? 1 : 2;
  if (!re.Match(*leftover, 0, leftover->size(), Regex::UNANCHORED, match, groups)) return false;
  *delim = match[groups - 1];
  leftover->remove_prefix(static_cast<size_t>(match[0].data() + match[0].size() - leftover->data()));
  return true;
}

// Whether a delimiter fully matches the keep pattern, remembered for
// delimiters of up to 7 bytes: delimiters repeat (spaces, punctuation), and
// each RE2 call takes its DFA cache's lock and call_once guards, which cost
// more than matching one character. FullMatch depends on the bytes alone.
class KeepCache {
 public:
  explicit KeepCache(const Regex* re) : re_(re) {}

  bool Keep(re2::StringPiece delim) {
    if (delim.size() > 7) return Regex::FullMatch(delim, *re_);
    uint64_t key = delim.size();  // then the bytes: distinct for distinct delimiters
    for (char c : delim) key = (key << 8) | static_cast<uint8_t>(c);
    Entry& entry = entries_[(key * 0x9E3779B97F4A7C15ull) >> (64 - kBits)];
    if (!entry.filled || entry.key != key) {
      entry = {key, true, Regex::FullMatch(delim, *re_)};
    }
    return entry.keep;
  }

 private:
  static constexpr int kBits = 8;
  struct Entry {
    uint64_t key = 0;
    bool filled = false;
    bool keep = false;
  };
  const Regex* re_;
  Entry entries_[1 << kBits];
};

// Splits strings [first, last) of `in`, appending their tokens and offsets
// and each string's token count (rows). keep: null when no delimiter is kept.
Status SplitStrings(const std::string_view* in, int64_t first, int64_t last, const Regex& delim_re,
                    bool whole_is_group1, KeepCache* keep, std::string_view delim_pattern,
                    std::vector<std::string_view>* tokens, std::vector<int64_t>* begins, std::vector<int64_t>* ends,
                    std::vector<int64_t>* rows) {
  for (int64_t i = first; i < last; ++i) {
    std::string_view whole = in[i];
    whole = whole.substr(0, whole.find('\0'));
    auto add = [&](const char* data, size_t size) {
      tokens->emplace_back(data, size);
      begins->push_back(data - whole.data());
      ends->push_back(data + size - whole.data());
    };
    const size_t before = tokens->size();
    re2::StringPiece leftover = Piece(whole), delim;
    const char* last_end = whole.data();
    while (FindAndConsume(delim_re, whole_is_group1, &leftover, &delim)) {
      if (leftover.data() == last_end) {
        return Errorf("input 'delim_regex_pattern': '", std::string(delim_pattern),
                      "' matched an empty delimiter at byte ", last_end - whole.data(), " of input ", i,
                      ", where tensorflow-text would loop forever");
      }
      // tf-text's wrapper makes group 1 the whole match; a raw pattern whose group 1 sat out
      // the match leaves no delimiter position (tf-text would compute offsets from null).
      if (delim.data() == nullptr) {
        return Errorf("input 'delim_regex_pattern': group 1 of '", std::string(delim_pattern),
                      "' took no part in a match in input ", i, ", so the delimiter has no position");
      }
      if (delim.data() > last_end) add(last_end, static_cast<size_t>(delim.data() - last_end));
      if (keep != nullptr && keep->Keep(delim)) add(delim.data(), delim.size());
      last_end = leftover.data();
    }
    if (!leftover.empty()) add(leftover.data(), leftover.size());
    rows->push_back(static_cast<int64_t>(tokens->size() - before));
  }
  return Status::Ok();
}

// The node's last two patterns (regex.h's LastRegex: tf-text compiles them at
// every call; unchanged patterns, the usual case, compile once here).
struct RegexSplitParams {
  LastRegex last_delim, last_keep;

  static void Declare(ParamBinder&, RegexSplitParams&) {}
};

Status RegexSplitKernel(KernelContext& ctx, const RegexSplitParams& p) {
  // TF's order of checks: delimiter scalar, compiled; keep pattern scalar, compiled.
  std::string_view delim_pattern, keep_pattern;
  std::shared_ptr<const Regex> delim_re, keep_re;
  OPBRIDGE_RETURN_IF_ERROR(ScalarStringInput(ctx, kDelim, "delim_regex_pattern", "Pattern", &delim_pattern));
  OPBRIDGE_RETURN_IF_ERROR(p.last_delim.Get(delim_pattern, "input 'delim_regex_pattern'", &delim_re));
  OPBRIDGE_RETURN_IF_ERROR(
      ScalarStringInput(ctx, kKeepDelim, "keep_delim_regex_pattern", "Pattern", &keep_pattern));
  OPBRIDGE_RETURN_IF_ERROR(p.last_keep.Get(keep_pattern, "input 'keep_delim_regex_pattern'", &keep_re));
  const bool keep_delims = !keep_pattern.empty();
  // tf-text's wrapper makes the whole pattern group 1, and then the whole
  // match is the delimiter: RE2 finds it with its DFAs alone, without running
  // a submatch engine per delimiter (what asking for group 1 costs).
  re2::Regexp* parsed = delim_re->Regexp();  // RE2's accessors are not const
  const bool whole_is_group1 = parsed->op() == re2::kRegexpCapture && parsed->cap() == 1;

  const ConstTensor& input = ctx.input(kInput);
  const std::string_view* in = input.data<std::string_view>();
  const int64_t n = input.num_elements();
  // Strings go in blocks of kBlock, split in parallel, each block's tokens
  // in its own Part; the parts are joined in order, so the outputs do not
  // depend on the thread count. A block stops at its first error; the first
  // failing block's error is the one a sequential scan would meet first.
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  struct Part {
    std::vector<std::string_view> tokens;
    std::vector<int64_t> begins, ends;
    std::vector<int64_t> rows;  // each string's token count
    Status status;
  };
  std::vector<Part> parts(static_cast<size_t>(blocks));
  int64_t bytes = 0;
  for (int64_t i = 0; i < n; ++i) bytes += static_cast<int64_t>(in[i].size());
  // About 50 ns per input byte (RE2's DFA, the keep pattern's full match).
  const int64_t cost = 50 * (bytes / std::max<int64_t>(blocks, 1) + kBlock);
  std::atomic<size_t> ranges{0};
  ctx.ParallelFor(blocks, cost, [&](int64_t first_block, int64_t last_block) {
    const size_t range = ranges.fetch_add(1);
    const std::shared_ptr<const Regex> delim = p.last_delim.ForRange(delim_re, range);
    const std::shared_ptr<const Regex> keep = p.last_keep.ForRange(keep_re, range);
    KeepCache keep_cache(keep.get());
    for (int64_t b = first_block; b < last_block; ++b) {
      Part& part = parts[static_cast<size_t>(b)];
      part.status = SplitStrings(in, b * kBlock, std::min(n, (b + 1) * kBlock), *delim, whole_is_group1,
                                 keep_delims ? &keep_cache : nullptr, delim_pattern, &part.tokens, &part.begins,
                                 &part.ends, &part.rows);
    }
  });
  for (const Part& part : parts) OPBRIDGE_RETURN_IF_ERROR(part.status);
  int64_t count = 0;
  for (const Part& part : parts) count += static_cast<int64_t>(part.tokens.size());

  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kTokens, Shape({count})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kBegins, Shape({count})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kEnds, Shape({count})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kRowSplits, Shape({n + 1})));
  // Tokens are views of the input's strings: the adapter copies each once.
  std::string_view* out = ctx.output(kTokens).data<std::string_view>();
  int64_t* out_begins = ctx.output(kBegins).data<int64_t>();
  int64_t* out_ends = ctx.output(kEnds).data<int64_t>();
  int64_t* out_splits = ctx.output(kRowSplits).data<int64_t>();
  // Each part's first token and first row in the outputs.
  std::vector<int64_t> first_token(parts.size() + 1, 0);
  for (size_t b = 0; b < parts.size(); ++b) {
    first_token[b + 1] = first_token[b] + static_cast<int64_t>(parts[b].tokens.size());
  }
  out_splits[0] = 0;
  ctx.ParallelFor(blocks, 20 * (bytes / std::max<int64_t>(blocks, 1) + kBlock), [&](int64_t first_block,
                                                                                       int64_t last_block) {
    for (int64_t b = first_block; b < last_block; ++b) {
      const Part& part = parts[static_cast<size_t>(b)];
      const int64_t at = first_token[static_cast<size_t>(b)];
      for (size_t k = 0; k < part.tokens.size(); ++k) {
        out[at + static_cast<int64_t>(k)] = part.tokens[k];
        out_begins[at + static_cast<int64_t>(k)] = part.begins[k];
        out_ends[at + static_cast<int64_t>(k)] = part.ends[k];
      }
      int64_t split = at;
      for (size_t r = 0; r < part.rows.size(); ++r) {
        split += part.rows[r];
        out_splits[b * kBlock + static_cast<int64_t>(r) + 1] = split;
      }
    }
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("RegexSplitWithOffsets")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's regex_split: tokens between RE2 delimiter matches (kept where "
                              "they match the keep pattern), byte offsets and row splits.")
                         .Input("input: string")
                         .Input("delim_regex_pattern: string")
                         .Input("keep_delim_regex_pattern: string")
                         .Output("tokens: string")
                         .Output("begin_offsets: int64")
                         .Output("end_offsets: int64")
                         .Output("row_splits: int64")
                         .Params<RegexSplitParams>()
                         .ShapeRule(RegexSplitShape)
                         .Kernel(RegexSplitKernel));

}  // namespace opbridge
