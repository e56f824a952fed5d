// UnicodeScriptTokenizeWithOffsets: tensorflow-text's UnicodeScriptTokenizer
// (tokenize / tokenize_with_offsets; the Python decodes UTF-8 with
// UnicodeDecodeWithOffsets first and maps offsets back to bytes after). Input:
// ragged code points (values, row splits). A row is cut where the ICU script
// changes (and, with keep_whitespace, where whitespace starts or ends);
// whitespace (ICU's White_Space) is dropped unless keep_whitespace. Outputs:
// the kept code points, their token splits, each token's start and limit in
// code points from its row's start, and the token count per row (outer splits).
//
// Semantics (tensorflow_text/core/kernels/unicode_script_tokenize_kernel.cc),
// kept as tf-text computes them:
// - A value ICU refuses (negative, past 0x10FFFF) has script "invalid", the
//   script a row starts with, so it never splits from the row start.
// - Dropped whitespace still changes the current script; a token's limit is
//   where its last kept code point ends (spaces after it not counted).
// - Script codes come from tf-text's ICU (77), not TensorFlow's (69: see
//   unicode_script_table.h), so this reads unicode_script_classes.h, measured
//   from tf-text's op: script classes, since only changes matter.
// tf-text reads the splits unchecked (none at all writes out of bounds); here
// they must be non-empty and within the values, else an error naming
// input_splits. Decreasing splits give an empty row, as tf-text's loop does.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "opbridge/op.h"
#include "unicode_script_classes.h"

namespace opbridge {
namespace {

enum Input { kValues = 0, kSplits };
enum Output { kOutValues = 0, kInnerSplits, kStarts, kLimits, kOuterSplits };

struct ScriptTokenizeParams {
  bool keep_whitespace = false;

  static void Declare(ParamBinder& b, ScriptTokenizeParams& p) {
    b.Attr("keep_whitespace: bool = false", &p.keep_whitespace);
  }
};

constexpr int32_t kInvalidScript = -1;  // USCRIPT_INVALID_CODE

// The class of a code point, remembering the run of the last lookup: text
// stays in one script for a while, so most lookups skip the binary search
// (which took 1.25x tf-text's time alone).
class ScriptClasses {
 public:
  int32_t Of(int32_t c) {
    const auto cp = static_cast<uint32_t>(c);
    if (cp > 0x10FFFF) return kInvalidScript;
    const uint32_t* starts = text_script::kScriptClassStarts;
    const size_t runs = text_script::kScriptClassRuns;
    if (cp < starts[run_] || (run_ + 1 < runs && cp >= starts[run_ + 1])) {
      run_ = static_cast<size_t>(std::upper_bound(starts, starts + runs, cp) - starts - 1);
    }
    return text_script::kScriptClasses[run_];
  }

 private:
  size_t run_ = 0;
};

bool IsWhitespace(int32_t c) {
  const auto cp = static_cast<uint32_t>(c);
  if (cp > 0x3000 || (cp > 0x20 && cp < 0x85)) return false;  // outside every White_Space code point
  return std::binary_search(std::begin(text_script::kWhitespace), std::end(text_script::kWhitespace), cp);
}

Status ScriptTokenizeShape(ShapeContext& ctx, const ScriptTokenizeParams&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(kValues, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(kSplits, 1));
  for (int i = kOutValues; i <= kOuterSplits; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

template <typename S>
Status Tokenize(KernelContext& ctx, bool keep) {
  const ConstTensor& values_t = ctx.input(kValues);
  const ConstTensor& splits_t = ctx.input(kSplits);
  const int32_t* values = values_t.data<int32_t>();
  const S* splits = splits_t.data<S>();
  const int64_t n = values_t.num_elements();
  const int64_t num_splits = splits_t.num_elements();
  OPBRIDGE_REQUIRE(num_splits > 0, "input 'input_splits' must have at least 1 element");
  for (int64_t i = 0; i < num_splits; ++i) {
    OPBRIDGE_REQUIRE(splits[i] >= 0 && static_cast<int64_t>(splits[i]) <= n, "input 'input_splits': element ", i,
                     " is ", static_cast<int64_t>(splits[i]), ", outside the ", n, " values");
  }
  std::vector<int32_t> out;
  std::vector<int64_t> inner, starts, limits, outer(static_cast<size_t>(num_splits));
  out.reserve(static_cast<size_t>(n));
  ScriptClasses classes;
  for (int64_t row = 0; row + 1 < num_splits; ++row) {
    outer[static_cast<size_t>(row)] = static_cast<int64_t>(starts.size());
    const int64_t base = splits[row], stop = splits[row + 1];
    int32_t script = kInvalidScript;
    bool open = false, was_space = false;
    int64_t trailing_spaces = 0;  // dropped whitespace since the last kept code point
    for (int64_t k = base; k < stop; ++k) {
      const int32_t c = values[k];
      const bool space = IsWhitespace(c);
      const int32_t cls = classes.Of(c);
      if (cls != script || (keep && space != was_space)) {
        if (open) limits.push_back(k - base - trailing_spaces);
        script = cls;
        open = false;
      }
      if (!space || keep) {
        if (!open) {
          starts.push_back(k - base);
          inner.push_back(static_cast<int64_t>(out.size()));
          open = true;
        }
        out.push_back(c);
      }
      if (!keep) trailing_spaces = space ? trailing_spaces + 1 : 0;
      was_space = space;
    }
    if (open) limits.push_back(std::max<int64_t>(stop, base) - base - trailing_spaces);
  }
  outer[static_cast<size_t>(num_splits - 1)] = static_cast<int64_t>(starts.size());
  inner.push_back(static_cast<int64_t>(out.size()));

  const auto tokens = static_cast<int64_t>(starts.size());
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kOutValues, Shape({static_cast<int64_t>(out.size())})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kInnerSplits, Shape({tokens + 1})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kStarts, Shape({tokens})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kLimits, Shape({tokens})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kOuterSplits, Shape({num_splits})));
  std::copy(out.begin(), out.end(), ctx.output(kOutValues).data<int32_t>());
  std::transform(inner.begin(), inner.end(), ctx.output(kInnerSplits).data<S>(),
                 [](int64_t v) { return static_cast<S>(v); });
  std::copy(starts.begin(), starts.end(), ctx.output(kStarts).data<int64_t>());
  std::copy(limits.begin(), limits.end(), ctx.output(kLimits).data<int64_t>());
  std::transform(outer.begin(), outer.end(), ctx.output(kOuterSplits).data<S>(),
                 [](int64_t v) { return static_cast<S>(v); });
  return Status::Ok();
}

Status ScriptTokenizeKernel(KernelContext& ctx, const ScriptTokenizeParams& p) {
  if (ctx.input(kSplits).dtype() == DType::kInt32) return Tokenize<int32_t>(ctx, p.keep_whitespace);
  return Tokenize<int64_t>(ctx, p.keep_whitespace);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("UnicodeScriptTokenizeWithOffsets")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's UnicodeScriptTokenizer: ragged code points cut where the ICU "
                              "script changes, whitespace dropped unless kept; token offsets in code points.")
                         .Input("input_values: int32")
                         .Input("input_splits: Tsplits")
                         .Output("output_values: int32")
                         .Output("output_values_inner_splits: Tsplits")
                         .Output("output_offset_starts: int64")
                         .Output("output_offset_limits: int64")
                         .Output("output_outer_splits: Tsplits")
                         .Attr("Tsplits: {int32, int64} = DT_INT64")
                         .Params<ScriptTokenizeParams>()
                         .ShapeRule(ScriptTokenizeShape)
                         .Kernel(ScriptTokenizeKernel));

}  // namespace opbridge
