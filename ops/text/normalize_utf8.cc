// NormalizeUTF8: tensorflow-text's normalize_utf8, each string through ICU's
// NFC/NFKC/NFD/NFKD normalizer (tensorflow_text/core/kernels/normalize_kernels.cc:
// Normalizer2::normalizeUTF8 over the whole bytes). The attr is upper-cased
// first, so "nfkd" works; another value is an error (TF's message, typo
// included). NULs are ordinary characters and ill-formed UTF-8 passes through
// unchanged; tables from tensorflow-text's own ICU (ops/strings/unicode_normalize.h).
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "../strings/unicode_normalize.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

// TF upper-cases the attr (absl::AsciiStrToUpper) before matching it.
Status ParseForm(const std::string& attr, unicode::NormalForm* form) {
  std::string upper = attr;
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (upper == "NFC") {
    *form = unicode::NormalForm::kNFC;
  } else if (upper == "NFD") {
    *form = unicode::NormalForm::kNFD;
  } else if (upper == "NFKC") {
    *form = unicode::NormalForm::kNFKC;
  } else if (upper == "NFKD") {
    *form = unicode::NormalForm::kNFKD;
  } else {
    return Errorf("Unknown normalization form requrested: ", upper);
  }
  return Status::Ok();
}

struct NormalizeUtf8Params {
  std::string normalization_form;

  static void Declare(ParamBinder& b, NormalizeUtf8Params& p) {
    b.Attr("normalization_form: string", &p.normalization_form);
  }

  Status Validate() const {
    unicode::NormalForm form;
    return ParseForm(normalization_form, &form);
  }
};

Status NormalizeUtf8Kernel(KernelContext& ctx, const NormalizeUtf8Params& p) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  std::string* out = ctx.output(0).data<std::string>();
  unicode::NormalForm form;
  OPBRIDGE_RETURN_IF_ERROR(ParseForm(p.normalization_form, &form));
  // TFLite's string buffer has int32 offsets; normalization can expand text
  // 18 times, so a hostile input could ask for more than any buffer holds.
  std::atomic<int64_t> too_long{-1};
  ctx.ParallelFor(input.num_elements(), 2000, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      if (!unicode::NormalizeUtf8(form, in[i], INT32_MAX, &out[i])) too_long = i;
    }
  });
  OPBRIDGE_REQUIRE(too_long < 0, "output 'output': string ", too_long.load(),
                   " would be longer than a TFLite string buffer holds (2 GB)");
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("NormalizeUTF8")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's normalize_utf8: ICU's NFC, NFKC, NFD or NFKD of each UTF-8 string.")
                         .Input("input: string")
                         .Output("output: string")
                         .Params<NormalizeUtf8Params>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(NormalizeUtf8Kernel));

}  // namespace opbridge
