// RegexReplace: tf.strings.regex_replace with pattern and rewrite as tensors.
// TF compiles the pattern at every call, after checking it is a scalar, and
// checks the rewrite's rank after compiling; the same order here, so the same
// input error comes first (a pattern equal to the node's last one is not
// compiled again: same matches).
#include <memory>
#include <string_view>

#include "opbridge/op.h"
#include "regex.h"

namespace opbridge {
namespace {

struct RegexReplaceParams {
  bool replace_global = true;
  LastRegex last;  // per node

  static void Declare(ParamBinder& b, RegexReplaceParams& p) {
    b.Attr("replace_global: bool = true", &p.replace_global);
  }
};

Status RegexReplaceKernel(KernelContext& ctx, const RegexReplaceParams& p) {
  std::string_view pattern, rewrite;
  OPBRIDGE_RETURN_IF_ERROR(ScalarStringInput(ctx, 1, "pattern", "Pattern", &pattern));
  std::shared_ptr<const Regex> re;
  OPBRIDGE_RETURN_IF_ERROR(p.last.Get(pattern, "input 'pattern'", &re));
  OPBRIDGE_RETURN_IF_ERROR(ScalarStringInput(ctx, 2, "rewrite", "Rewrite", &rewrite));
  return RegexReplaceAll(ctx, re, p.last, rewrite, p.replace_global);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("RegexReplace")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Replaces matches of an RE2 pattern tensor in each string (tf.strings.regex_replace).")
                         .Input("input: string")
                         .Input("pattern: string")
                         .Input("rewrite: string")
                         .Output("output: string")
                         .Params<RegexReplaceParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(RegexReplaceKernel));

}  // namespace opbridge
