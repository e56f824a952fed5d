// Unique: TF's tf.unique(x, out_idx): y holds x's distinct values in the order
// of their first occurrence, idx[i] is x[i]'s position in y. The converter
// leaves CUSTOM "Unique" {T, out_idx} for the dtypes TFLite's UNIQUE lacks
// (measured: string, float64, float16, bool, uint16, uint32, uint64); the
// other real dtypes are declared too, as TF's kernel (unique_op.cc) has them.
//
// Equality is TF's (first_seen.h): -0.0 and 0.0 are one float or double
// value (y keeps the first one's sign), half and bfloat16 keep them apart,
// every NaN is its own value.
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "first_seen.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using unique::FirstSeen;
using unique::Float16;

template <typename T, typename Index, typename In, typename Out>
Status Run(KernelContext& ctx, const In* x, int64_t n, Index* idx) {
  FirstSeen<T, Index> seen(n);
  std::vector<int64_t> first;  // x's position of each y value
  for (int64_t i = 0; i < n; ++i) {
    T v;
    if constexpr (std::is_same_v<T, In>) {
      v = x[i];
    } else {
      std::memcpy(&v, &x[i], sizeof v);  // 16-bit floats read as their bits
    }
    const auto [index, inserted] = seen.Insert(v, static_cast<Index>(first.size()));
    if (inserted) first.push_back(i);
    idx[i] = index;
  }
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({static_cast<int64_t>(first.size())})));
  Out* y = ctx.output(0).data<Out>();
  for (size_t j = 0; j < first.size(); ++j) y[j] = x[first[j]];
  return Status::Ok();
}

template <typename Index>
Status UniqueIndex(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  const int64_t n = x.num_elements();
  Index* idx = ctx.output(1).data<Index>();
  switch (x.dtype()) {
    case DType::kString:
      return Run<std::string_view, Index, std::string_view, std::string_view>(ctx, x.data<std::string_view>(), n, idx);
    case DType::kFloat16:
      return Run<Float16<10>, Index, uint16_t, uint16_t>(ctx, x.data<uint16_t>(), n, idx);
    case DType::kBFloat16:
      return Run<Float16<7>, Index, uint16_t, uint16_t>(ctx, x.data<uint16_t>(), n, idx);
    default:
      return Dispatch<float, double, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, bool>(
          x.dtype(), [&](auto tag) {
            using T = typename decltype(tag)::type;
            return Run<T, Index, T, T>(ctx, x.data<T>(), n, idx);
          });
  }
}

Status UniqueShape(ShapeContext& ctx) {
  const Shape& x = ctx.input(0);
  OPBRIDGE_REQUIRE(!x.rank_known() || x.rank() == 1, "unique expects a 1D vector. (input 'x' has shape ",
                   x.ToString(), ")");
  ctx.set_output(0, Shape({kUnknownDim}));
  ctx.set_output_dynamic(0);
  ctx.set_output(1, x.rank_known() ? x : Shape({kUnknownDim}));
  return Status::Ok();
}

Status UniqueKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  OPBRIDGE_REQUIRE(x.num_elements() <= std::numeric_limits<int32_t>::max(),
                   "unique does not support input tensors larger than ", std::numeric_limits<int32_t>::max(),
                   " elements");
  OPBRIDGE_REQUIRE(x.rank() == 1, "unique expects a 1D vector. (input 'x' has shape ", x.shape().ToString(), ")");
  return Dispatch<int32_t, int64_t>(ctx.output(1).dtype(),
                                    [&](auto tag) { return UniqueIndex<typename decltype(tag)::type>(ctx); });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("Unique")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The distinct values of a vector in order of first occurrence, and each element's "
                              "index among them (tf.unique).")
                         .Input("x: T")
                         .Output("y: T")
                         .Output("idx: out_idx")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, string}")
                         .Attr("out_idx: {int32, int64} = DT_INT32")
                         .ShapeRule(UniqueShape)
                         .Kernel(UniqueKernel));

}  // namespace opbridge
