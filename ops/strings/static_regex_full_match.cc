// StaticRegexFullMatch: tf.strings.regex_full_match with a Python-string
// pattern (attr), compiled once: at prepare here, as TF at kernel
// construction, the error naming the attr.
#include <memory>
#include <string>

#include "opbridge/op.h"
#include "regex.h"

namespace opbridge {
namespace {

struct StaticRegexFullMatchParams {
  std::string pattern;
  LastRegex last;                          // and a copy per thread's range
  mutable std::shared_ptr<const Regex> re;  // compiled by Validate(), once per node

  static void Declare(ParamBinder& b, StaticRegexFullMatchParams& p) { b.Attr("pattern: string", &p.pattern); }
  Status Validate() const { return last.Get(pattern, "attr 'pattern'", &re); }
};

Status StaticRegexFullMatchKernel(KernelContext& ctx, const StaticRegexFullMatchParams& p) {
  return RegexFullMatchAll(ctx, p.re, p.last);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StaticRegexFullMatch")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Whether a constant RE2 pattern matches each whole string (tf.strings.regex_full_match).")
                         .Input("input: string")
                         .Output("output: bool")
                         .Params<StaticRegexFullMatchParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(StaticRegexFullMatchKernel));

}  // namespace opbridge
