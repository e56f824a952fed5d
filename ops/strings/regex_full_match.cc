// RegexFullMatch: tf.strings.regex_full_match with the pattern as a scalar
// tensor, compiled when it differs from the last one (as TF's kernel does).
#include <memory>
#include <string_view>

#include "opbridge/op.h"
#include "regex.h"

namespace opbridge {
namespace {

struct RegexFullMatchParams {
  LastRegex last;  // per node

  static void Declare(ParamBinder&, RegexFullMatchParams&) {}
};

Status RegexFullMatchKernel(KernelContext& ctx, const RegexFullMatchParams& p) {
  std::string_view pattern;
  OPBRIDGE_RETURN_IF_ERROR(ScalarStringInput(ctx, 1, "pattern", "Pattern", &pattern));
  std::shared_ptr<const Regex> re;
  OPBRIDGE_RETURN_IF_ERROR(p.last.Get(pattern, "input 'pattern'", &re));
  return RegexFullMatchAll(ctx, re, p.last);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("RegexFullMatch")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Whether an RE2 pattern tensor matches each whole string (tf.strings.regex_full_match).")
                         .Input("input: string")
                         .Input("pattern: string")
                         .Output("output: bool")
                         .Params<RegexFullMatchParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(RegexFullMatchKernel));

}  // namespace opbridge
