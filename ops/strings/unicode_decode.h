// UnicodeDecode and UnicodeDecodeWithOffsets (tf.strings.unicode_decode,
// unicode_split, unicode_decode_with_offsets; Keras TextVectorization with
// split="character"): each string of any shape becomes a ragged row of code
// points, flattened in row-major order. Semantics in unicode_codec.h.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "unicode_codec.h"

namespace opbridge {
namespace unicode {

struct DecodeParams : DecodeOptions {
  static void Declare(ParamBinder& b, DecodeParams& p) {
    b.Attr("input_encoding: string", &p.input_encoding);
    BindErrors(b, "errors: {'strict', 'replace', 'ignore'} = 'replace'", &p.errors);
    b.Attr("replacement_char: int = 65533", &p.replacement_char);
    b.Attr("replace_control_characters: bool = false", &p.replace_control_characters);
  }
  Status Validate() const { return Check(); }
};

inline Status DecodeShape(ShapeContext& ctx, int num_outputs) {
  for (int i = 0; i < num_outputs; ++i) {
    ctx.set_output(i, Shape({kUnknownDim}));
    ctx.set_output_dynamic(i);
  }
  return Status::Ok();
}

template <typename S>
Status DecodeRows(KernelContext& ctx, const DecodeParams& p, bool with_offsets) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  const int64_t n = input.num_elements();
  std::vector<int32_t> chars;
  std::vector<int64_t> offsets;
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({n + 1})));
  S* splits = ctx.output(0).data<S>();
  splits[0] = 0;
  bool ill_formed = false;
  for (int64_t i = 0; i < n; ++i) {
    int64_t offset = 0;
    Walk(p, in[i], [&](const Decoded& d) {
      ill_formed |= d.ill_formed;
      if (d.emit) {
        chars.push_back(static_cast<int32_t>(d.cp));
        if (with_offsets) offsets.push_back(offset);
      }
      offset += static_cast<int64_t>(d.bytes);
    });
    // TF decodes every string before it reports a strict error; the result is the same error.
    OPBRIDGE_REQUIRE(!(ill_formed && p.errors == ErrorMode::kStrict), "Invalid formatting on input string");
    splits[i + 1] = static_cast<S>(chars.size());
  }
  const int64_t total = static_cast<int64_t>(chars.size());
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({total})));
  int32_t* values = ctx.output(1).data<int32_t>();
  for (int64_t k = 0; k < total; ++k) values[k] = chars[static_cast<size_t>(k)];
  if (with_offsets) {
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({total})));
    int64_t* starts = ctx.output(2).data<int64_t>();
    for (int64_t k = 0; k < total; ++k) starts[k] = offsets[static_cast<size_t>(k)];
  }
  return Status::Ok();
}

inline Status DecodeKernel(KernelContext& ctx, const DecodeParams& p, bool with_offsets) {
  const DType splits = ctx.output(0).dtype();
  OPBRIDGE_REQUIRE(splits == DType::kInt32 || splits == DType::kInt64,
                   "output 'row_splits' must be int32 or int64, got ", DTypeName(splits));
  return splits == DType::kInt32 ? DecodeRows<int32_t>(ctx, p, with_offsets)
                                 : DecodeRows<int64_t>(ctx, p, with_offsets);
}

}  // namespace unicode
}  // namespace opbridge
