// StringJoin: tf.strings.join, element by element over N string tensors
// (keras-hub's BPE joins with " "). As TF's kernel (string_join_op.cc):
// every non-scalar input must have the same shape as the first non-scalar
// one ("Input shapes do not match"); scalars are repeated; no other
// broadcasting. The output has that shape (a scalar when all inputs are,
// or when N is 0: then one empty string). The separator is used whole, NUL
// bytes included (TF 2.21 measured; older TF cut it at a NUL).
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "string_outputs.h"

namespace opbridge {
namespace {

struct StringJoinParams {
  std::string separator;

  static void Declare(ParamBinder& b, StringJoinParams& p) { b.Attr("separator: string = ''", &p.separator); }
};

Status StringJoinShape(ShapeContext& ctx) {
  int first = -1;  // the first non-scalar input
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const Shape& s = ctx.input(i);
    if (s.rank_known() && s.rank() == 0) continue;
    if (first < 0) {
      first = i;
      continue;
    }
    const Shape& f = ctx.input(first);
    if (f.fully_known() && s.fully_known()) {
      OPBRIDGE_REQUIRE(f.dims() == s.dims(), "Input shapes do not match: ", f.ToString(), " vs. ", s.ToString());
    }
  }
  ctx.set_output(0, first < 0 ? Shape() : ctx.input(first));
  return Status::Ok();
}

Status StringJoinKernel(KernelContext& ctx, const StringJoinParams& p) {
  const int n = ctx.num_inputs();
  const int64_t count = ctx.output(0).num_elements();
  std::vector<const std::string_view*> in(static_cast<size_t>(n));
  std::vector<bool> scalar(static_cast<size_t>(n));
  uint64_t bytes = 0;
  for (int j = 0; j < n; ++j) {
    const ConstTensor& t = ctx.input(j);
    in[static_cast<size_t>(j)] = t.data<std::string_view>();
    scalar[static_cast<size_t>(j)] = t.rank() == 0;
    if (t.rank() == 0) {
      bytes = strings::SaturatingAdd(bytes, strings::SaturatingMul(t.data<std::string_view>()[0].size(),
                                                                   static_cast<uint64_t>(count)));
    } else {
      for (int64_t i = 0; i < t.num_elements(); ++i) bytes += t.data<std::string_view>()[i].size();
    }
  }
  if (n > 1) {
    bytes = strings::SaturatingAdd(
        bytes, strings::SaturatingMul(p.separator.size(), strings::SaturatingMul(count, n - 1)));
  }
  OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput("output", static_cast<uint64_t>(count), bytes));
  std::string* out = ctx.output(0).data<std::string>();
  for (int64_t i = 0; i < count; ++i) {
    for (int j = 0; j < n; ++j) {
      if (j > 0) out[i].append(p.separator);
      out[i].append(in[static_cast<size_t>(j)][scalar[static_cast<size_t>(j)] ? 0 : i]);
    }
  }
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringJoin")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Joins N string tensors element by element with a separator (tf.strings.join); "
                              "scalars are repeated.")
                         .Input("inputs: N * string")
                         .Output("output: string")
                         .Attr("N: int >= 0")
                         .Params<StringJoinParams>()
                         .ShapeRule(StringJoinShape)
                         .Kernel(StringJoinKernel));

}  // namespace opbridge
