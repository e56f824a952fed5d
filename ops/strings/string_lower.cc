// StringLower: tf.strings.lower. encoding "" maps only the ASCII letters
// (TF: absl::AsciiStrToLower; other bytes, UTF-8 sequences included, unchanged:
// what Keras TextVectorization's standardize uses); "utf-8" is ICU's full
// Unicode case mapping, done by unicode_case.h's tables.
#include <string>
#include <string_view>

#include "opbridge/op.h"
#include "parallel_each.h"
#include "string_case.h"
#include "unicode_case.h"

namespace opbridge {
namespace {

Status StringLowerKernel(KernelContext& ctx, const StringCaseParams& p) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  std::string* out = ctx.output(0).data<std::string>();
  const int64_t n = input.num_elements();
  if (!p.encoding.empty()) {
    // About 400 ns a sentence (decoding, the case tables' searches, encoding).
    return strings::ParallelEach(ctx, n, 400, [&](int64_t i) { return unicode::Utf8ToLower(in[i], &out[i]); });
  }
  ctx.ParallelFor(n, 200, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      strings::AsciiLower(in[i], &out[i]);
    }
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringLower")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Converts each string to lower case, ASCII letters only or (encoding 'utf-8') Unicode.")
                         .Input("input: string")
                         .Output("output: string")
                         .Params<StringCaseParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(StringLowerKernel));

}  // namespace opbridge
