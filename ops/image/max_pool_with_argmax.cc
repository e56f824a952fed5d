// MaxPoolWithArgmax: TF's tf.nn.max_pool_with_argmax. The converter emits
// CUSTOM "MaxPoolWithArgmax" with {T, Targmax, ksize, strides, padding,
// include_batch_in_index}.
//
//   input [N, H, W, C] -> output, argmax [N, OH, OW, C]
// Each window's maximum and where it is: the flat index (y * W + x) * C + c,
// plus n * H * W * C with include_batch_in_index. As TF's CPU kernel: the
// first maximum in row-major window order wins ties, a NaN wins only as the
// window's first element, padding never wins. Output sizes and SAME padding
// follow GetWindowedOutputSize. Depth attrs as TF: strides[3] is ignored, a
// depth window (ksize[3] > 1) must be 1x1 spatially, divide C and equal
// strides[3], and then pools nothing across depth (TF's CPU kernel does the
// same). An int32 argmax wraps beyond 2^31 - 1 elements (unchecked: not testable
// against TF, whose int32 kernel would need an input of 8 GB).
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using image::Padding;

struct PoolParams {
  std::vector<int64_t> ksize, strides;
  DType targmax = DType::kInt64;  // the kernel takes it from the argmax tensor; a field to keep TF's attr order
  Padding padding = Padding::kValid;
  bool include_batch_in_index = false;

  static void Declare(ParamBinder& b, PoolParams& p) {
    b.Attr("ksize: list(int)", &p.ksize);
    b.Attr("strides: list(int)", &p.strides);
    b.Attr("Targmax: {int32, int64} = DT_INT64", &p.targmax);
    b.Enum("padding: {'SAME', 'VALID'}", &p.padding, {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
    b.Attr("include_batch_in_index: bool = false", &p.include_batch_in_index);
  }
};

struct Pooling {
  int64_t window[2], stride[2];
  int64_t out[2] = {kUnknownDim, kUnknownDim};
  int64_t pad[2] = {0, 0};
};

// TF's attr checks (kernel constructor and PoolParameters) and, for known
// input dims, the output size.
Status Geometry(const PoolParams& params, const Shape& in, Pooling* p) {
  int64_t ksize[4], strides[4];
  OPBRIDGE_RETURN_IF_ERROR(image::Attr4(params.ksize, "ksize", ksize));
  OPBRIDGE_RETURN_IF_ERROR(image::Attr4(params.strides, "strides", strides));
  OPBRIDGE_REQUIRE(ksize[0] == 1 && strides[0] == 1, "Pooling is not yet supported on the batch dimension.");
  for (int i = 0; i < 4; ++i) {
    OPBRIDGE_REQUIRE(ksize[i] > 0 && ksize[i] <= INT32_MAX, "ksize must be a positive int32 value, got:", ksize[i]);
  }
  for (int i = 1; i <= 2; ++i) {
    OPBRIDGE_REQUIRE(strides[i] > 0 && strides[i] <= INT32_MAX, "Stride must be > 0, but got ", strides[i]);
  }
  p->window[0] = ksize[1], p->window[1] = ksize[2];
  p->stride[0] = strides[1], p->stride[1] = strides[2];
  if (ksize[3] != 1) {
    OPBRIDGE_REQUIRE(ksize[1] == 1 && ksize[2] == 1,
                     "MaxPooling supports exactly one of pooling across depth or pooling across width/height.");
    OPBRIDGE_REQUIRE(!in.rank_known() || in.rank() != 4 || in.dim(3) == kUnknownDim || in.dim(3) % ksize[3] == 0,
                     "Depthwise max pooling requires the depth window to evenly divide the input depth.");
    OPBRIDGE_REQUIRE(strides[3] == ksize[3], "Depthwise max pooling requires the depth window to equal the depth stride.");
  }
  if (!in.rank_known()) return Status::Ok();
  OPBRIDGE_REQUIRE(in.rank() == 4, "tensor_in must be 4-dimensional, got shape ", in.ToString());
  for (int k = 0; k < 2; ++k) {
    if (in.dim(1 + k) == kUnknownDim) continue;
    OPBRIDGE_RETURN_IF_ERROR(image::WindowedOutputSize(in.dim(1 + k), p->window[k], p->stride[k], params.padding,
                                                       k == 0 ? "rows" : "cols", &p->out[k], &p->pad[k]));
  }
  return Status::Ok();
}

Status MaxPoolWithArgmaxShape(ShapeContext& ctx, const PoolParams& params) {
  Pooling p;
  OPBRIDGE_RETURN_IF_ERROR(Geometry(params, ctx.input(0), &p));
  const Shape& in = ctx.input(0);
  const Shape out = in.rank_known() ? Shape({in.dim(0), p.out[0], p.out[1], in.dim(3)})
                                    : Shape({kUnknownDim, kUnknownDim, kUnknownDim, kUnknownDim});
  ctx.set_output(0, out);
  ctx.set_output(1, out);
  return Status::Ok();
}

template <typename T, typename Index>
Status Pool(KernelContext& ctx, const PoolParams& params) {
  const ConstTensor& input = ctx.input(0);
  Pooling p;
  OPBRIDGE_RETURN_IF_ERROR(Geometry(params, input.shape(), &p));
  OPBRIDGE_REQUIRE(input.num_elements() > 0, "tensor_in must not be empty (shape ", input.shape().ToString(), ")");
  const bool batch_in_index = params.include_batch_in_index;
  const int64_t height = input.dim(1), width = input.dim(2), depth = input.dim(3);
  const int64_t out_h = p.out[0], out_w = p.out[1];
  const T* in = input.data<T>();
  T* out = ctx.output(0).data<T>();
  Index* argmax = ctx.output(1).data<Index>();
  if (ctx.output(0).num_elements() == 0) return Status::Ok();

  const int64_t window = p.window[0] * p.window[1];
  ctx.ParallelFor(input.dim(0) * out_h, out_w * window * depth + 10, [&](int64_t begin, int64_t end) {
    // Per channel, the window position (0, 1, ... in row-major order) of the
    // maximum so far; branch-free updates the compiler can vectorize.
    std::vector<int32_t> best_buffer(static_cast<size_t>(depth));
    int32_t* __restrict best = best_buffer.data();
    for (int64_t task = begin; task < end; ++task) {
      const int64_t n = task / out_h, oy = task % out_h;
      const int64_t batch_offset = n * height * width * depth;
      const T* image = in + batch_offset;
      const int64_t y0 = oy * p.stride[0] - p.pad[0];
      const int64_t y_begin = std::max<int64_t>(y0, 0), y_end = std::min(y0 + p.window[0], height);
      for (int64_t ox = 0; ox < out_w; ++ox) {
        const int64_t x0 = ox * p.stride[1] - p.pad[1];
        const int64_t x_begin = std::max<int64_t>(x0, 0), x_end = std::min(x0 + p.window[1], width);
        T* __restrict dst = out + (task * out_w + ox) * depth;
        Index* arg = argmax + (task * out_w + ox) * depth;
        if (y_begin >= y_end || x_begin >= x_end) {  // nothing in the window: TF's initial values
          std::fill(dst, dst + depth, std::numeric_limits<T>::lowest());
          std::fill(arg, arg + depth, Index(-1));
          continue;
        }
        // The window's first element, then strictly larger ones, as TF.
        const T* __restrict first = image + (y_begin * width + x_begin) * depth;
        for (int64_t c = 0; c < depth; ++c) {
          dst[c] = first[c];
          best[c] = 0;
        }
        const int64_t span_x = x_end - x_begin;
        int32_t k = 0;
        for (int64_t y = y_begin; y < y_end; ++y) {
          for (int64_t x = x_begin; x < x_end; ++x, ++k) {
            if (k == 0) continue;
            image::TakeLarger(image + (y * width + x) * depth, k, depth, dst, best);
          }
        }
        const int64_t base = batch_in_index ? batch_offset : 0;
        for (int64_t c = 0; c < depth; ++c) {
          const int64_t y = y_begin + best[c] / span_x, x = x_begin + best[c] % span_x;
          arg[c] = static_cast<Index>(base + (y * width + x) * depth + c);
        }
      }
    }
  });
  return Status::Ok();
}

Status MaxPoolWithArgmaxKernel(KernelContext& ctx, const PoolParams& params) {
  return Dispatch<int32_t, int64_t>(ctx.output(1).dtype(), [&](auto index_tag) {
    using Index = typename decltype(index_tag)::type;
    return image::DispatchWith16BitFloats<float, double, int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t,
                                          int64_t, uint64_t>(ctx.input(0).dtype(), true, true, [&](auto tag) {
      return Pool<typename decltype(tag)::type, Index>(ctx, params);
    });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("MaxPoolWithArgmax")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Max pooling over NHWC windows with the flat index of each maximum "
                              "(tf.nn.max_pool_with_argmax).")
                         .Input("input: T")
                         .Output("output: T")
                         .Output("argmax: Targmax")
                         .Params<PoolParams>()
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, "
                               "uint64}")
                         .ShapeRule(MaxPoolWithArgmaxShape)
                         .Kernel(MaxPoolWithArgmaxKernel));

}  // namespace
}  // namespace opbridge
