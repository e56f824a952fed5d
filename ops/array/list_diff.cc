// ListDiff: TF's tf.compat.v1.setdiff1d(x, y, index_dtype): out holds the
// values of x that are not in y, in x's order (repeats kept), idx their
// positions in x. tf.norm(ord=2 or 'nuc', axis=[-2, -1]) computes the axes it
// does not reduce with it, so matrix norms of inputs of unknown rank need it.
// The converter leaves CUSTOM "ListDiff" {T, out_idx}.
//
// Equality is TF's (its kernel keeps y in a std::unordered_set<T>), the same
// as Unique's (first_seen.h): float and double -0.0 and 0.0 are one value, a
// NaN is never in y, half and bfloat16 compare their bits (-0 and +0 apart,
// measured), strings their bytes. T is every type TF registers (real numbers
// and strings; no bool).
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <vector>

#include "first_seen.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using unique::FirstSeen;
using unique::Float16;

Status ListDiffShape(ShapeContext& ctx) {
  // TF's kernel texts: a model whose shapes are set at run time (TFLite
  // prepare) hears the same as TF's kernel.
  OPBRIDGE_REQUIRE(!ctx.input(0).rank_known() || ctx.input(0).rank() == 1, "x should be a 1D vector.");
  OPBRIDGE_REQUIRE(!ctx.input(1).rank_known() || ctx.input(1).rank() == 1, "y should be a 1D vector.");
  ctx.set_output(0, Shape({kUnknownDim}));
  ctx.set_output_dynamic(0);
  ctx.set_output(1, Shape({kUnknownDim}));
  ctx.set_output_dynamic(1);
  return Status::Ok();
}

// T: first_seen.h's key type; In: the elements of x, y and out (uint16_t bits
// for half and bfloat16; views for strings, out's pointing into x).
template <typename T, typename In>
T Key(const In& v) {
  if constexpr (std::is_same_v<T, In>) {
    return v;
  } else {
    T k;
    std::memcpy(&k, &v, sizeof k);
    return k;
  }
}

template <typename T, typename Index, typename In>
Status Diff(KernelContext& ctx) {
  const ConstTensor& xt = ctx.input(0);
  const ConstTensor& yt = ctx.input(1);
  const In* x = xt.data<In>();
  const In* y = yt.data<In>();
  const int64_t nx = xt.num_elements(), ny = yt.num_elements();
  FirstSeen<T, int32_t> y_set(ny);
  for (int64_t i = 0; i < ny; ++i) y_set.Insert(Key<T>(y[i]), 0);
  // Which x values stay: a byte each, on the kernel's threads (the lookups
  // are the cost), then one pass in order.
  std::vector<uint8_t> keep(static_cast<size_t>(nx));
  const auto mark = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) keep[static_cast<size_t>(i)] = !y_set.Contains(Key<T>(x[i]));
  };
  if constexpr (std::is_same_v<In, std::string_view>) {
    mark(0, nx);
  } else {
    ctx.ParallelFor(nx, 20, mark);
  }
  int64_t count = 0;
  for (const uint8_t k : keep) count += k;
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({count})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({count})));
  In* out = ctx.output(0).data<In>();
  Index* idx = ctx.output(1).data<Index>();
  for (int64_t i = 0, p = 0; i < nx; ++i) {
    if (!keep[static_cast<size_t>(i)]) continue;
    out[p] = x[i];
    idx[p] = static_cast<Index>(i);
    ++p;
  }
  return Status::Ok();
}

template <typename Index>
Status DiffIndex(KernelContext& ctx) {
  switch (ctx.input(0).dtype()) {
    case DType::kString:
      return Diff<std::string_view, Index, std::string_view>(ctx);
    case DType::kFloat16:
      return Diff<Float16<10>, Index, uint16_t>(ctx);
    case DType::kBFloat16:
      return Diff<Float16<7>, Index, uint16_t>(ctx);
    default:
      return Dispatch<float, double, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
          ctx.input(0).dtype(), [&](auto tag) {
            using T = typename decltype(tag)::type;
            return Diff<T, Index, T>(ctx);
          });
  }
}

Status ListDiffKernel(KernelContext& ctx) {
  OPBRIDGE_REQUIRE(ctx.input(0).rank() == 1, "x should be a 1D vector.");
  OPBRIDGE_REQUIRE(ctx.input(1).rank() == 1, "y should be a 1D vector.");
  return Dispatch<int32_t, int64_t>(ctx.output(1).dtype(),
                                    [&](auto tag) { return DiffIndex<typename decltype(tag)::type>(ctx); });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("ListDiff")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The values of x that are not in y, in x's order, and their positions in x "
                              "(tf.compat.v1.setdiff1d).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("out: T")
                         .Output("idx: out_idx")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, string}")
                         .Attr("out_idx: {int32, int64} = DT_INT32")
                         .ShapeRule(ListDiffShape)
                         .Kernel(ListDiffKernel));

}  // namespace opbridge
