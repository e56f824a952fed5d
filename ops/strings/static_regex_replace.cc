// StaticRegexReplace: tf.strings.regex_replace with a Python-string pattern
// and rewrite (attrs). TF compiles the pattern once, at kernel construction
// (InvalidArgument "Invalid pattern: ..."); here at prepare, the error naming
// the attr. Matching and rewriting are RE2's (regex.h).
#include <memory>
#include <string>

#include "opbridge/op.h"
#include "regex.h"

namespace opbridge {
namespace {

struct StaticRegexReplaceParams {
  std::string pattern;
  std::string rewrite;
  bool replace_global = true;
  LastRegex last;                          // and a copy per thread's range
  mutable std::shared_ptr<const Regex> re;  // compiled by Validate(), once per node

  static void Declare(ParamBinder& b, StaticRegexReplaceParams& p) {
    b.Attr("pattern: string", &p.pattern);
    b.Attr("rewrite: string", &p.rewrite);
    b.Attr("replace_global: bool = true", &p.replace_global);
  }
  Status Validate() const { return last.Get(pattern, "attr 'pattern'", &re); }
};

Status StaticRegexReplaceKernel(KernelContext& ctx, const StaticRegexReplaceParams& p) {
  return RegexReplaceAll(ctx, p.re, p.last, p.rewrite, p.replace_global);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StaticRegexReplace")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Replaces matches of a constant RE2 pattern in each string (tf.strings.regex_replace).")
                         .Input("input: string")
                         .Output("output: string")
                         .Params<StaticRegexReplaceParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(StaticRegexReplaceKernel));

}  // namespace opbridge
