// DataFormatDimMap: TF's tf.raw_ops.DataFormatDimMap (tf.compat.v1.nn.data_format_dim_map),
// which TF's layout optimizer and Keras-exported graphs use to move an axis
// index between layouts: y = the position in dst_format of the dim that is at
// position x in src_format (NHWC -> NCHW maps 1 (H) to 2). The converter has
// no builtin for it and leaves CUSTOM "DataFormatDimMap" {T, src_format,
// dst_format}.
//
// x of any shape; a value outside [0, n) (n = the formats' length) is taken as
// TF's functor takes it: m = (x + n) % n in T's C++ arithmetic (truncating,
// wrapping on overflow), and a value m not in [0, n-1) gives the last dim's
// position (so -1 and n-1 name the last dim, -5 too for n = 4, as TF).
#include <cstdint>
#include <type_traits>
#include <vector>

#include "data_format.h"

namespace opbridge {
namespace {

using nn::DataFormatParams;

Status DimMapShape(ShapeContext& ctx, const DataFormatParams&) {
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

template <typename T>
void MapDims(KernelContext& ctx, const std::vector<int32_t>& dst) {
  using U = std::make_unsigned_t<T>;
  const T* x = ctx.input(0).data<T>();
  T* y = ctx.output(0).data<T>();
  const T n = static_cast<T>(dst.size());
  const int64_t count = ctx.input(0).num_elements();
  ctx.ParallelFor(count, 2, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T m = static_cast<T>(static_cast<T>(static_cast<U>(x[i]) + static_cast<U>(n)) % n);
      // TF's select chain: m == 0, 1, ..., n-2 name their dims, anything else the last.
      y[i] = static_cast<T>(m >= 0 && m < n - 1 ? dst[static_cast<size_t>(m)] : dst.back());
    }
  });
}

Status DimMapKernel(KernelContext& ctx, const DataFormatParams& p) {
  // dst[i]: where src_format's dim i is in dst_format.
  std::vector<int32_t> dst(p.src_format.size());
  for (size_t i = 0; i < p.src_format.size(); ++i) {
    dst[i] = static_cast<int32_t>(p.dst_format.find(p.src_format[i]));
  }
  return Dispatch<int32_t, int64_t>(ctx.input(0).dtype(), [&](auto tag) {
    MapDims<typename decltype(tag)::type>(ctx, dst);
    return Status::Ok();
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("DataFormatDimMap")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Each dim index x in src_format as its index in dst_format.")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {int32, int64} = DT_INT32")
                         .Params<DataFormatParams>()
                         .ShapeRule(DimMapShape)
                         .Kernel(DimMapKernel));

}  // namespace opbridge
