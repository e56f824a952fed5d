// The resource SentencepieceOp creates and SentencepieceTokenizeOp (and
// SentencepieceDetokenizeOp) use: the parsed model and its normalizer.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "opbridge/op.h"
#include "opbridge/resource.h"
#include "sentencepiece_encode.h"
#include "sentencepiece_model.h"
#include "sentencepiece_normalizer.h"

namespace opbridge {
namespace text {

class SentencepieceResource final : public Resource {
 public:
  std::string Describe() const override { return "a Sentencepiece Resource"; }

  Status Load(std::string_view serialized) {
    OPBRIDGE_RETURN_IF_ERROR(model_.Parse(serialized));
    return normalizer_.Init(&model_);
  }
  const sp::Model& model() const { return model_; }
  const sp::Normalizer& normalizer() const { return normalizer_; }

 private:
  sp::Model model_;  // the normalizer and the model's maps point into it: never moved
  sp::Normalizer normalizer_;
};

// The resource a using op's input 0 names.
inline Status InputSentencepiece(KernelContext& ctx, SentencepieceResource** out) {
  ResourceStore* store = ctx.resources();
  OPBRIDGE_REQUIRE(store != nullptr, "this runtime gives opbridge no resource store");
  return store->Find<SentencepieceResource>(ctx.input(0), "sp_handle", "a Sentencepiece Resource", out);
}

}  // namespace text
}  // namespace opbridge
