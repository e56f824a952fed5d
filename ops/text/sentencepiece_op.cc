// SentencepieceOp (tensorflow-text, tensorflow_text/core/kernels/
// sentencepiece_kernels.cc): creates, or finds by container and shared_name,
// the tokenizer resource holding the SentencePiece model serialized in its
// `model` attr, and outputs its handle. tf_text.SentencepieceTokenizer leaves
// shared_name empty, so each node has its own: it is parsed once, at the
// node's first invoke, and later invokes find it. The converter keeps the
// node CUSTOM in the main subgraph with the attrs as options and the handle
// as a scalar resource tensor that SentencepieceTokenizeOp reads.
#include <memory>
#include <string>

#include "opbridge/op.h"
#include "opbridge/resource.h"
#include "sentencepiece_resource.h"

namespace opbridge {
namespace {

struct SentencepieceParams {
  std::string model;
  std::string container;
  std::string shared_name;
  bool use_node_name_sharing = false;

  static void Declare(ParamBinder& b, SentencepieceParams& p) {
    b.Attr("model: string = ''", &p.model);
    b.Attr("container: string = ''", &p.container);
    b.Attr("shared_name: string = ''", &p.shared_name);
    b.Attr("use_node_name_sharing: bool = false", &p.use_node_name_sharing);
  }
};

Status SentencepieceOpShape(ShapeContext& ctx, const SentencepieceParams&) {
  ctx.set_output(0, Shape());
  return Status::Ok();
}

Status SentencepieceOpKernel(KernelContext& ctx, const SentencepieceParams& p) {
  ResourceStore* store = ctx.resources();
  OPBRIDGE_REQUIRE(store != nullptr, "this runtime gives opbridge no resource store");
  // TF names an unshared resource after the kernel instance (or the node with
  // use_node_name_sharing); TFLite keeps no node names, so it is the node's own.
  const std::string name = p.shared_name.empty()
                               ? StrCat('\0', "sentencepiece@", static_cast<const void*>(&p))
                               : StrCat(p.container, '\0', p.shared_name);
  int32_t id = 0;
  text::SentencepieceResource* resource = nullptr;
  OPBRIDGE_RETURN_IF_ERROR(store->FindOrCreate<text::SentencepieceResource>(
      name,
      [&](std::unique_ptr<text::SentencepieceResource>* made) {
        auto r = std::make_unique<text::SentencepieceResource>();
        const Status s = r->Load(p.model);
        if (!s.ok()) return Errorf("attr 'model': ", s.message());
        *made = std::move(r);
        return Status::Ok();
      },
      &id, &resource));
  ResourceStore::WriteHandle(ctx.output(0), id);
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SentencepieceOp")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's SentencePiece tokenizer resource: parses the serialized "
                              "ModelProto of its `model` attr once and outputs the resource handle.")
                         .Output("handle: resource")
                         .Params<SentencepieceParams>()
                         .ShapeRule(SentencepieceOpShape)
                         .Kernel(SentencepieceOpKernel));

}  // namespace opbridge
