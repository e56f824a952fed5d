// Opbridge>MaxUnpooling2D: the inverse of tf.nn.max_pool_with_argmax. Each
// update is added into a zero output at the flat index its argmax holds:
//   updates, argmax [N, h, w, C] (argmax as max_pool_with_argmax gives it:
//   (y * W + x) * C + c, plus b * H * W * C with include_batch_in_index)
//   -> output [N, H, W, C]
// with [H, W] = output_size if given, else as TF Addons' MaxUnpooling2D
// computes them from the pooling: SAME h * stride, VALID (h - 1) * stride + pool.
// Indices that repeat (overlapping windows) add up, as TF Addons' scatter_nd
// does and as the gradient of max_pool_with_argmax does; an index outside the
// output is an error. The gradient w.r.t. updates (a gather) is in
// python/opbridge/_gradients.py.
#include <vector>

#include "../mediapipe/pool_params.h"  // kMaxWindow, CheckDim and Padding, shared with the TFLite ops

namespace opbridge {
namespace {

struct Params {
  std::vector<int64_t> pool_size, strides;
  pooling::Padding padding = pooling::Padding::kSame;
  bool include_batch_in_index = false;
  std::vector<int64_t> output_size;

  static void Declare(ParamBinder& b, Params& p) {
    b.Attr("pool_size: list(int)", &p.pool_size);
    b.Attr("strides: list(int)", &p.strides);
    b.Enum("padding: {'SAME', 'VALID'}", &p.padding,
           {{"SAME", pooling::Padding::kSame}, {"VALID", pooling::Padding::kValid}});
    b.Attr("include_batch_in_index: bool = false", &p.include_batch_in_index);
    b.Attr("output_size: list(int) = []", &p.output_size);
  }
};

Status ReadPair(const std::vector<int64_t>& values, const char* name, int64_t* first, int64_t* second) {
  OPBRIDGE_REQUIRE(values.size() == 2, "attr '", name, "' must hold 2 values (height, width), got ", values.size());
  OPBRIDGE_REQUIRE(values[0] >= 1 && values[1] >= 1 && values[0] <= pooling::kMaxWindow &&
                       values[1] <= pooling::kMaxWindow,
                   "attr '", name, "' values must be in [1, ", pooling::kMaxWindow, "], got [", values[0], ", ",
                   values[1], "]");
  *first = values[0];
  *second = values[1];
  return Status::Ok();
}

// Unknown h or w (TF graph time) give unknown output dims unless output_size is set.
Status OutputHw(const Params& p, int64_t h, int64_t w, int64_t* out_h, int64_t* out_w) {
  int64_t pool_h, pool_w, stride_h, stride_w;
  OPBRIDGE_RETURN_IF_ERROR(ReadPair(p.pool_size, "pool_size", &pool_h, &pool_w));
  OPBRIDGE_RETURN_IF_ERROR(ReadPair(p.strides, "strides", &stride_h, &stride_w));
  const std::vector<int64_t>& size = p.output_size;
  if (!size.empty()) {
    OPBRIDGE_REQUIRE(size.size() == 2 && size[0] >= 0 && size[1] >= 0,
                     "attr 'output_size' must be empty or [height, width], each >= 0");
    *out_h = size[0];
    *out_w = size[1];
  } else {
    const bool same = p.padding == pooling::Padding::kSame;
    const auto unpooled = [same](int64_t in, int64_t pool, int64_t stride) {
      if (in <= 0) return in;  // unknown stays unknown, empty stays empty
      return same ? in * stride : (in - 1) * stride + pool;
    };
    *out_h = unpooled(h, pool_h, stride_h);
    *out_w = unpooled(w, pool_w, stride_w);
  }
  if (*out_h >= 0) OPBRIDGE_RETURN_IF_ERROR(pooling::CheckDim(*out_h, "output height"));
  if (*out_w >= 0) OPBRIDGE_RETURN_IF_ERROR(pooling::CheckDim(*out_w, "output width"));
  return Status::Ok();
}

Status UnpoolShape(ShapeContext& ctx, const Params& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 4));
  for (int d = 0; d < 4; ++d) OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(1, d, 0, d));
  const Shape& known = ctx.input(0).rank_known() ? ctx.input(0) : ctx.input(1);
  const Shape in = known.rank_known() ? known : Shape({kUnknownDim, kUnknownDim, kUnknownDim, kUnknownDim});
  int64_t out_h = kUnknownDim, out_w = kUnknownDim;  // set by OutputHw on success
  OPBRIDGE_RETURN_IF_ERROR(OutputHw(p, in.dim(1), in.dim(2), &out_h, &out_w));
  ctx.set_output(0, Shape({in.dim(0), out_h, out_w, in.dim(3)}));
  return Status::Ok();
}

template <typename T, typename Index>
Status Unpool(KernelContext& ctx, const Params& p) {
  const ConstTensor& updates = ctx.input(0);
  const Index* argmax = ctx.input(1).data<Index>();
  const Tensor& output = ctx.output(0);
  const int64_t batch = updates.dim(0);
  const int64_t per_batch_in = batch == 0 ? 0 : updates.num_elements() / batch;
  const int64_t plane = output.dim(1) * output.dim(2) * output.dim(3);
  const bool include_batch = p.include_batch_in_index;
  const T* in = updates.data<T>();
  T* out = output.data<T>();
  const int64_t limit = include_batch ? batch * plane : plane;
  const auto check = [&](int64_t i) -> Status {
    const auto index = static_cast<int64_t>(argmax[i]);
    if (index >= 0 && index < limit) return Status::Ok();
    const int64_t c = updates.dim(3), w = updates.dim(2), h = updates.dim(1);
    return Errorf("argmax[", i / (h * w * c), ", ", (i / (w * c)) % h, ", ", (i / c) % w, ", ", i % c, "] = ",
                  index, " is outside [0, ", limit, "), the output ", output.shape().ToString(),
                  include_batch ? " (indices include the batch)" : " per batch entry");
  };
  if (include_batch) {
    // Any update may land in any batch entry: one pass, in order.
    std::fill(out, out + output.num_elements(), T(0));
    for (int64_t i = 0; i < updates.num_elements(); ++i) {
      OPBRIDGE_RETURN_IF_ERROR(check(i));
      out[argmax[i]] += in[i];
    }
    return Status::Ok();
  }
  std::vector<Status> errors(static_cast<size_t>(batch));
  ctx.ParallelFor(batch, per_batch_in * 4 + 50, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      // Each batch entry's plane is zeroed by the worker that fills it (the
      // whole output zeroed first on one thread held 2 threads to 0.80x
      // TF's time).
      T* dst = out + b * plane;
      std::fill(dst, dst + plane, T(0));
      for (int64_t i = b * per_batch_in; i < (b + 1) * per_batch_in; ++i) {
        const Status status = check(i);
        if (!status.ok()) {
          errors[static_cast<size_t>(b)] = status;
          break;
        }
        dst[argmax[i]] += in[i];
      }
    }
  });
  for (const Status& status : errors) OPBRIDGE_RETURN_IF_ERROR(status);
  return Status::Ok();
}

Status UnpoolKernel(KernelContext& ctx, const Params& p) {
  return Dispatch<int32_t, int64_t>(ctx.input(1).dtype(), [&](auto index_tag) {
    using Index = typename decltype(index_tag)::type;
    return Dispatch<float, double>(ctx.input(0).dtype(),
                                   [&](auto tag) { return Unpool<typename decltype(tag)::type, Index>(ctx, p); });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>MaxUnpooling2D")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("Adds updates [N,h,w,C] into a zero [N,H,W,C] output at the flat indices argmax "
                              "holds (tf.nn.max_pool_with_argmax's); [H,W] = output_size, or from pool_size, "
                              "strides and padding as TF Addons' MaxUnpooling2D.")
                         .Input("updates: T")
                         .Input("argmax: Targmax")
                         .Output("output: T")
                         .Attr("T: {float, double}")
                         .Attr("Targmax: {int32, int64} = DT_INT64")
                         .Params<Params>()
                         .ShapeRule(UnpoolShape)
                         .Kernel(UnpoolKernel));

}  // namespace
}  // namespace opbridge
