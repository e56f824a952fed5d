// What TF's regex kernels (TF: tensorflow/core/kernels/regex_replace_op.cc,
// regex_full_match_op.cc) share: the pattern compiled as `RE2(pattern)` with
// RE2's default options (UTF-8, leftmost-first, Perl classes and \b on), the
// "Invalid pattern" error text, and the scalar check of a pattern or rewrite
// fed as a tensor. RE2 is built into the library (cmake/RE2.cmake).
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "re2/re2.h"
#include "re2/regexp.h"

namespace opbridge {

using Regex = re2::RE2;

// `where` names the attr or input the pattern came from. RE2 would log a bad
// pattern (and a bad rewrite at match time) to stderr: the library never
// prints, the error it returns says it. Logging is the only thing the option
// changes.
inline Status CompileRegex(std::string_view pattern, const char* where, std::shared_ptr<const Regex>* out) {
  Regex::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const Regex>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    return Errorf(where, ": Invalid pattern: ", std::string(pattern), ", error: ", re->error());
  }
  *out = std::move(re);
  return Status::Ok();
}

// The last pattern a node compiled from a tensor, with its RE2, so that a
// pattern tensor that stays the same (a constant, or a model's fixed input)
// compiles once: TF's RegexFullMatch keeps its last pattern too; RegexReplace
// and tf-text's RegexSplitWithOffsets compile at every call (same matches).
// Locked: TF may run one kernel object on several threads at once.
class LastRegex {
 public:
  Status Get(std::string_view pattern, const char* where, std::shared_ptr<const Regex>* out) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (re_ == nullptr || pattern != pattern_) {
      std::shared_ptr<const Regex> re;
      OPBRIDGE_RETURN_IF_ERROR(CompileRegex(pattern, where, &re));
      re_ = std::move(re);
      pattern_.assign(pattern.data(), pattern.size());
      copies_.clear();
    }
    *out = re_;
    return Status::Ok();
  }

  // The RE2 for range k of a parallel loop over `re` (from Get): range 0
  // uses `re`, each other range a copy of its own, compiled once per pattern
  // and kept. RE2's DFA cache takes a lock per search, which threads sharing
  // one RE2 contend for (a third of a two-thread profile, measured).
  std::shared_ptr<const Regex> ForRange(const std::shared_ptr<const Regex>& re, size_t k) const {
    if (k == 0) return re;
    std::lock_guard<std::mutex> lock(mutex_);
    if (re != re_) return Copy(*re);  // another call changed the pattern since
    if (copies_.size() < k) copies_.resize(k);
    std::shared_ptr<const Regex>& copy = copies_[k - 1];
    if (copy == nullptr) copy = Copy(*re);
    return copy;
  }

 private:
  static std::shared_ptr<const Regex> Copy(const Regex& re) {
    std::shared_ptr<const Regex> copy;
    (void)CompileRegex(re.pattern(), "", &copy);  // compiled once already: cannot fail
    return copy;
  }

  mutable std::mutex mutex_;
  mutable std::string pattern_;
  mutable std::shared_ptr<const Regex> re_;
  mutable std::vector<std::shared_ptr<const Regex>> copies_;  // for ranges 1, 2, ... (ForRange)
};

// TF reads pattern and rewrite inputs as scalars ("Pattern must be scalar,
// but received [2]"); `what` is TF's capitalized name of the input.
inline Status ScalarStringInput(const KernelContext& ctx, int i, const char* name, const char* what,
                                std::string_view* out) {
  const ConstTensor& t = ctx.input(i);
  if (t.rank() != 0) {
    return Errorf("input '", name, "': ", what, " must be scalar, but received ", t.shape().ToString());
  }
  *out = t.data<std::string_view>()[0];
  return Status::Ok();
}

inline re2::StringPiece Piece(std::string_view s) { return re2::StringPiece(s.data(), s.size()); }

// The bytes a pattern matches when it is one character of a set of ASCII
// characters (Keras TextVectorization's punctuation strip,
// "[!\"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']", or one literal): every match
// is one byte, and RE2 finds it at any byte offset (its unanchored search
// steps over bytes, valid UTF-8 or not), so a byte table gives RE2's
// matches without its search. False for any other pattern.
inline bool AsciiByteClass(const Regex& re, std::array<bool, 256>* bytes) {
  re2::Regexp* parsed = re.Regexp();
  bytes->fill(false);
  if (parsed->op() == re2::kRegexpLiteral) {
    // (The parser makes a case-folded letter a class: (?i)k is also U+212A.)
    const re2::Rune r = parsed->rune();
    if (r >= 0x80 || (parsed->parse_flags() & re2::Regexp::FoldCase) != 0) return false;
    (*bytes)[static_cast<size_t>(r)] = true;
    return true;
  }
  if (parsed->op() != re2::kRegexpCharClass) return false;
  re2::CharClass* cc = parsed->cc();
  for (const re2::RuneRange& range : *cc) {
    if (range.hi >= 0x80) return false;
    for (re2::Rune r = range.lo; r <= range.hi; ++r) (*bytes)[static_cast<size_t>(r)] = true;
  }
  return !cc->empty();
}

// RE2's Replace/GlobalReplace for a one-byte class and a rewrite without
// escapes (so no group to fill in): each byte of the class (the first one
// only, unless `global`) becomes `rewrite`.
inline void ReplaceBytes(std::string_view in, const std::array<bool, 256>& bytes, std::string_view rewrite,
                         bool global, std::string* out) {
  out->clear();
  out->reserve(in.size());
  size_t start = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!bytes[static_cast<unsigned char>(in[i])]) continue;
    out->append(in.data() + start, i - start);
    out->append(rewrite.data(), rewrite.size());
    start = i + 1;
    if (!global) break;
  }
  out->append(in.data() + start, in.size() - start);
}

// Output i = input i with the first (or, replace_global, every) match of `re`
// replaced by `rewrite` (\0-\9 name groups), by RE2's own Replace and
// GlobalReplace as TF calls them, so their rules hold: a rewrite naming a
// group the pattern lacks, or with a bad escape, leaves the string as it is;
// an empty match right after a match is skipped by one UTF-8 character.
// `last` (the node's LastRegex, which compiled `re`) gives each thread's
// range its own RE2.
inline Status RegexReplaceAll(KernelContext& ctx, const std::shared_ptr<const Regex>& re, const LastRegex& last,
                              std::string_view rewrite, bool replace_global) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  std::string* out = ctx.output(0).data<std::string>();
  std::array<bool, 256> bytes;
  if (rewrite.find('\\') == std::string_view::npos && AsciiByteClass(*re, &bytes)) {
    ctx.ParallelFor(input.num_elements(), 200, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) ReplaceBytes(in[i], bytes, rewrite, replace_global, &out[i]);
    });
    return Status::Ok();
  }
  const re2::StringPiece rw = Piece(rewrite);
  std::atomic<size_t> ranges{0};
  ctx.ParallelFor(input.num_elements(), 2000, [&](int64_t begin, int64_t end) {
    const std::shared_ptr<const Regex> mine = last.ForRange(re, ranges.fetch_add(1));
    for (int64_t i = begin; i < end; ++i) {
      out[i].assign(in[i].data(), in[i].size());
      if (replace_global) {
        Regex::GlobalReplace(&out[i], *mine, rw);
      } else {
        Regex::Replace(&out[i], *mine, rw);
      }
    }
  });
  return Status::Ok();
}

// Output i = whether `re` matches all of input i (RE2::FullMatch).
inline Status RegexFullMatchAll(KernelContext& ctx, const std::shared_ptr<const Regex>& re, const LastRegex& last) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  bool* out = ctx.output(0).data<bool>();
  std::atomic<size_t> ranges{0};
  ctx.ParallelFor(input.num_elements(), 1000, [&](int64_t begin, int64_t end) {
    const std::shared_ptr<const Regex> mine = last.ForRange(re, ranges.fetch_add(1));
    for (int64_t i = begin; i < end; ++i) out[i] = Regex::FullMatch(Piece(in[i]), *mine);
  });
  return Status::Ok();
}

}  // namespace opbridge
