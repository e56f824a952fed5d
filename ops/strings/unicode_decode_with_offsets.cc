// UnicodeDecodeWithOffsets: tf.strings.unicode_decode_with_offsets and
// unicode_split_with_offsets: UnicodeDecode plus each character's byte offset
// in its string (always int64). Dropped pieces (errors='ignore') still count
// for the offsets of what follows them, as in TF.
#include "opbridge/op.h"
#include "unicode_decode.h"

namespace opbridge {
namespace {

Status UnicodeDecodeWithOffsetsShape(ShapeContext& ctx) { return unicode::DecodeShape(ctx, 3); }

Status UnicodeDecodeWithOffsetsKernel(KernelContext& ctx, const unicode::DecodeParams& p) {
  return unicode::DecodeKernel(ctx, p, /*with_offsets=*/true);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("UnicodeDecodeWithOffsets")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Decodes each string into a ragged row of code points and their byte offsets.")
                         .Input("input: string")
                         .Output("row_splits: Tsplits")
                         .Output("char_values: int32")
                         .Output("char_to_byte_starts: int64")
                         .Params<unicode::DecodeParams>()
                         .Attr("Tsplits: {int32, int64} = DT_INT64")
                         .ShapeRule(UnicodeDecodeWithOffsetsShape)
                         .Kernel(UnicodeDecodeWithOffsetsKernel));

}  // namespace opbridge
