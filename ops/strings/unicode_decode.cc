// UnicodeDecode: tf.strings.unicode_decode / unicode_split and Keras
// TextVectorization(split="character"): ragged code points per string
// (row_splits, char_values). Shared with UnicodeDecodeWithOffsets in
// unicode_decode.h; TF's error handling in unicode_codec.h.
#include "opbridge/op.h"
#include "unicode_decode.h"

namespace opbridge {
namespace {

Status UnicodeDecodeShape(ShapeContext& ctx) { return unicode::DecodeShape(ctx, 2); }

Status UnicodeDecodeKernel(KernelContext& ctx, const unicode::DecodeParams& p) {
  return unicode::DecodeKernel(ctx, p, /*with_offsets=*/false);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("UnicodeDecode")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Decodes each string (UTF-8, UTF-16-BE or UTF-32-BE) into a ragged row "
                              "of code points.")
                         .Input("input: string")
                         .Output("row_splits: Tsplits")
                         .Output("char_values: int32")
                         .Params<unicode::DecodeParams>()
                         .Attr("Tsplits: {int32, int64} = DT_INT64")
                         .ShapeRule(UnicodeDecodeShape)
                         .Kernel(UnicodeDecodeKernel));

}  // namespace opbridge
