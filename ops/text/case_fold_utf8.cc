// CaseFoldUTF8: tensorflow-text's case_fold_utf8, each string through ICU's
// NFKC_Casefold normalizer (tensorflow_text/core/kernels/normalize_kernels.cc:
// Normalizer2::getNFKCCasefoldInstance()->normalizeUTF8 over the whole bytes).
// NULs are ordinary characters and ill-formed UTF-8 passes through unchanged;
// tables from tensorflow-text's own ICU (ops/strings/unicode_normalize.h).
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "../strings/unicode_normalize.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status CaseFoldUtf8Kernel(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  std::string* out = ctx.output(0).data<std::string>();
  // TFLite's string buffer has int32 offsets; normalization can expand text
  // 18 times, so a hostile input could ask for more than any buffer holds.
  std::atomic<int64_t> too_long{-1};
  ctx.ParallelFor(input.num_elements(), 2000, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      if (!unicode::NormalizeUtf8(unicode::NormalForm::kNFKCCasefold, in[i], INT32_MAX, &out[i])) too_long = i;
    }
  });
  OPBRIDGE_REQUIRE(too_long < 0, "output 'output': string ", too_long.load(),
                   " would be longer than a TFLite string buffer holds (2 GB)");
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("CaseFoldUTF8")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's case_fold_utf8: ICU's NFKC_Casefold of each UTF-8 string.")
                         .Input("input: string")
                         .Output("output: string")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(CaseFoldUtf8Kernel));

}  // namespace opbridge
