// BroadcastGradientArgs: the axes along which the gradients of a broadcasting
// binary op's two inputs must be summed. Every gradient of a broadcasting
// op with dynamic shapes (a bias add, a loss over a dynamic batch) computes
// it, and the converter leaves CUSTOM "BroadcastGradientArgs" {T}.
//
// TF's semantics (tensorflow/core/util/bcast.h): the shapes s0 and s1 are
// right-aligned and the shorter is padded with 1s on the left. Identical
// shapes need no reduction (both outputs empty). Otherwise a dim k goes to
// r_i when every input's dim k is 1, or when input i's dim k is 1 and
// another's is not; indices ascend. Two dims that differ with neither 1 are
// an error ("Incompatible shapes"); dims are compared as numbers, so 0 and
// negative values take part like any other.
#include <algorithm>
#include <string>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace {

Status BroadcastGradientArgsShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 1));
  ctx.set_output_dynamic(0);
  ctx.set_output_dynamic(1);
  return Status::Ok();
}

std::string Join(const std::vector<int64_t>& dims) {
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? "," : "") + std::to_string(dims[i]);
  return out;
}

template <typename T>
std::vector<int64_t> ReadShape(const ConstTensor& t) {
  const T* v = t.data<T>();
  return std::vector<int64_t>(v, v + t.num_elements());
}

template <typename T>
Status WriteAxes(KernelContext& ctx, int output, const std::vector<int64_t>& axes) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(output, Shape{static_cast<int64_t>(axes.size())}));
  T* out = ctx.output(output).data<T>();
  for (size_t i = 0; i < axes.size(); ++i) out[i] = static_cast<T>(axes[i]);
  return Status::Ok();
}

Status BroadcastGradientArgsKernel(KernelContext& ctx) {
  for (int i = 0; i < 2; ++i) {
    OPBRIDGE_REQUIRE(ctx.input(i).rank() == 1, "In[", i, "] must be a vector.", ctx.input(i).shape().ToString());
  }
  return Dispatch<int32_t, int64_t>(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const std::vector<int64_t> s[2] = {ReadShape<T>(ctx.input(0)), ReadShape<T>(ctx.input(1))};
    std::vector<int64_t> r[2];
    if (s[0] != s[1]) {
      const size_t rank = std::max(s[0].size(), s[1].size());
      for (size_t k = 0; k < rank; ++k) {
        // Dim k of each shape, right-aligned, 1 where the shape is shorter.
        int64_t d[2];
        for (int i = 0; i < 2; ++i) {
          const size_t pad = rank - s[i].size();
          d[i] = k < pad ? 1 : s[i][k - pad];
        }
        const bool one0 = d[0] == 1, one1 = d[1] == 1;
        if (!one0 && !one1 && d[0] != d[1]) {
          return Errorf("Incompatible shapes: [", Join(s[0]), "] vs. [", Join(s[1]), "]");
        }
        const bool all_one = one0 && one1;
        if (one0 && (all_one || !one1)) r[0].push_back(static_cast<int64_t>(k));
        if (one1 && (all_one || !one0)) r[1].push_back(static_cast<int64_t>(k));
      }
    }
    OPBRIDGE_RETURN_IF_ERROR(WriteAxes<T>(ctx, 0, r[0]));
    return WriteAxes<T>(ctx, 1, r[1]);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("BroadcastGradientArgs")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Reduction axes for the gradients of a broadcasting binary op.")
                         .Input("s0: T")
                         .Input("s1: T")
                         .Output("r0: T")
                         .Output("r1: T")
                         .Attr("T: {int32, int64} = DT_INT32")
                         .ShapeRule(BroadcastGradientArgsShape)
                         .Kernel(BroadcastGradientArgsKernel));

}  // namespace
}  // namespace opbridge
