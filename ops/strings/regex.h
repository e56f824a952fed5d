// What TF's regex kernels (TF: tensorflow/core/kernels/regex_replace_op.cc,
// regex_full_match_op.cc) share: the pattern compiled as `RE2(pattern)` with
// RE2's default options (UTF-8, leftmost-first, Perl classes and \b on), the
// "Invalid pattern" error text, and the scalar check of a pattern or rewrite
// fed as a tensor. RE2 is built into the library (cmake/RE2.cmake).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "opbridge/op.h"
#include "re2/re2.h"

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

// Output i = input i with the first (or, replace_global, every) match of `re`
// replaced by `rewrite` (\0-\9 name groups), by RE2's own Replace and
// GlobalReplace as TF calls them, so their rules hold: a rewrite naming a
// group the pattern lacks, or with a bad escape, leaves the string as it is;
// an empty match right after a match is skipped by one UTF-8 character.
inline Status RegexReplaceAll(KernelContext& ctx, const Regex& re, std::string_view rewrite, bool replace_global) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  std::string* out = ctx.output(0).data<std::string>();
  const re2::StringPiece rw = Piece(rewrite);
  ctx.ParallelFor(input.num_elements(), 2000, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      out[i].assign(in[i].data(), in[i].size());
      if (replace_global) {
        Regex::GlobalReplace(&out[i], re, rw);
      } else {
        Regex::Replace(&out[i], re, rw);
      }
    }
  });
  return Status::Ok();
}

// Output i = whether `re` matches all of input i (RE2::FullMatch).
inline Status RegexFullMatchAll(KernelContext& ctx, const Regex& re) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  bool* out = ctx.output(0).data<bool>();
  ctx.ParallelFor(input.num_elements(), 1000, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = Regex::FullMatch(Piece(in[i]), re);
  });
  return Status::Ok();
}

}  // namespace opbridge
