// AvgPool3DGrad: the gradient of AvgPool3D, which a converted training step
// leaves custom for every tf.nn.avg_pool3d it backpropagates through.
// Options {T, ksize, strides, padding, data_format}.
//
//   orig_input_shape (int32 [5]), grad [N, OD, OH, OW, C] -> output
//   [N, D, H, W, C]: each grad value spread evenly over its window's elements
//   inside the input (padding is not counted).
//
// As TF's x86 CPU kernel, which is oneDNN's (_MklNativeAvgPool3DGrad, for
// both of TF's CPU types, float and bfloat16; measured): its windows are the
// elements inside the input, always (TF's own Eigen kernel, which no CPU type
// reaches, would take GetBroadcastSize's). Each element sums grad / count
// over the windows covering it, in float (bfloat16: each partial sum rounded
// to bfloat16, as oneDNN keeps them in the output), adding them in the order
// oneDNN's AVX-512 kernel does for up to 16 channels (Accumulate): TF's bits
// there. oneDNN's order depends on the ISA (AVX2 unrolls 6 columns, not
// 12), the channel count and the thread count (wider channel blocks unroll
// fewer columns), so elsewhere TF differs by a float rounding per summand.
// oneDNN also runs NCDHW, and so does this kernel.
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "conv_backprop.h"
#include "opbridge/op.h"
#include "pool_3d_grad.h"

namespace opbridge {
namespace {

using nn::Pool3DGradGeometry;
using nn::Pool3DGradParams;

Status AvgPool3DGradShape(ShapeContext& ctx, const Pool3DGradParams& p) {
  const ConstTensor* sizes = ctx.input_value(0);
  if (sizes != nullptr) {
    OPBRIDGE_REQUIRE(sizes->rank() == 1 && sizes->num_elements() == 5,
                     "tensor_in must be 1-dimensional and 5 elements");
  }
  return nn::SizedOutputShape(ctx, 0, "orig_input_shape", "AvgPool3DGrad");
}

// TF's checks after the forward's geometry: the grad's batch and channels,
// and (TF's oneDNN kernel reads past its buffer otherwise) its spatial dims.
Status ComputeGeometry(const Pool3DGradParams& p, const Shape& in, const Shape& grad, Pool3DGradGeometry* g) {
  Shape expected;
  OPBRIDGE_RETURN_IF_ERROR(nn::Pool3DGradGeometryFor(p, in, g, &expected));
  OPBRIDGE_REQUIRE(in.dim(0) == grad.dim(0), "Expected first dimension of tensor_in_shape and out_backprop to "
                   "match, got ", in.dim(0), " and ", grad.dim(0));
  const int c = static_cast<int>(p.Channel());
  OPBRIDGE_REQUIRE(in.dim(c) == grad.dim(c), "Expected channel dimension of tensor_in_shape and out_backprop to "
                   "match, got ", in.dim(c), " and ", grad.dim(c));
  OPBRIDGE_REQUIRE(grad.dims() == expected.dims(), "Expected grad shape to be ", nn::Shape5Text(expected),
                   ", but got ", nn::Shape5Text(grad));
  return Status::Ok();
}

// oneDNN's x86 AVX-512 kernel unrolls its loop over output columns by ur_w
// (jit_uni_pool_kernel: 12 for the average's backward pass in float, one
// less in bfloat16 on CPUs with native bfloat16, when the channels fit one
// 16-lane block), looping over the window's taps outside the unrolled
// columns: an element receives its columns' contributions block by block,
// and within a block in decreasing column order.
template <typename T>
constexpr int64_t ColumnBlock() {
  return std::is_same_v<T, float> ? 12 : 11;
}

// Adds each grad value / its count into the sums `acc` of one batch
// element in oneDNN's order: the depth offset inside the (clipped) window
// outermost, then output planes, rows, and the column blocks above.
template <typename T>
void Accumulate(const Pool3DGradGeometry& g, const T* grad, float* acc) {
  const int64_t* is = g.in_stride;
  const int64_t* os = g.out_stride;
  int64_t lo[3], hi[3];
  for (int64_t kd = 0; kd < g.window[0]; ++kd) {
    for (int64_t pl = 0; pl < g.out[0]; ++pl) {
      g.Span(0, pl, &lo[0], &hi[0]);
      const int64_t d = lo[0] + kd;
      if (d >= hi[0]) continue;
      for (int64_t r = 0; r < g.out[1]; ++r) {
        g.Span(1, r, &lo[1], &hi[1]);
        for (int64_t block = 0; block < g.out[2]; block += ColumnBlock<T>()) {
          for (int64_t q = std::min(g.out[2], block + ColumnBlock<T>()) - 1; q >= block; --q) {
            g.Span(2, q, &lo[2], &hi[2]);
            const float count = static_cast<float>((hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]));
            const T* dy = grad + pl * os[1] + r * os[2] + q * os[3];
            for (int64_t h = lo[1]; h < hi[1]; ++h) {
              for (int64_t w = lo[2]; w < hi[2]; ++w) {
                float* dst = acc + d * is[1] + h * is[2] + w * is[3];
                for (int64_t c = 0; c < g.channels; ++c) {
                  // bfloat16: oneDNN rounds each partial sum back to bfloat16.
                  const float sum = dst[c * is[4]] + static_cast<float>(dy[c * os[4]]) / count;
                  dst[c * is[4]] = static_cast<float>(static_cast<T>(sum));
                }
              }
            }
          }
        }
      }
    }
  }
}

template <typename T>
void Backprop(KernelContext& ctx, const Pool3DGradGeometry& g, const T* grad, T* result) {
  const int64_t image = g.in_stride[0];
  const double work = static_cast<double>(g.out[0] * g.out[1] * g.out[2] * g.channels) *
                      static_cast<double>(g.window[0] * g.window[1] * g.window[2]);
  ctx.ParallelFor(g.batch, nn::ItemCost(2.0 * work, g.batch), [&](int64_t begin, int64_t end) {
    std::vector<float> acc(static_cast<size_t>(image));
    for (int64_t n = begin; n < end; ++n) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      Accumulate<T>(g, grad + n * g.out_stride[0], acc.data());
      T* out = result + n * image;
      for (int64_t k = 0; k < image; ++k) out[k] = static_cast<T>(acc[static_cast<size_t>(k)]);
    }
  });
}

Status AvgPool3DGradKernel(KernelContext& ctx, const Pool3DGradParams& p) {
  const ConstTensor& sizes = ctx.input(0);
  const ConstTensor& grad = ctx.input(1);
  OPBRIDGE_REQUIRE(sizes.rank() == 1 && sizes.num_elements() == 5, "tensor_in must be 1-dimensional and 5 elements");
  OPBRIDGE_REQUIRE(grad.rank() == 5, "out_backprop must be 5-dimensional");
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(nn::SizesShape(sizes, "orig_input_shape", "AvgPool3DGrad", &shape));
  OPBRIDGE_RETURN_IF_ERROR(nn::AllocateSized(ctx, shape));
  Pool3DGradGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(ComputeGeometry(p, shape, grad.shape(), &g));
  return nn::DispatchPool3DGradTypes(grad.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (ctx.output(0).num_elements() == 0) return Status::Ok();
    Backprop<T>(ctx, g, grad.data<T>(), ctx.output(0).data<T>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("AvgPool3DGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of AvgPool3D: each grad value spread evenly over its window's elements "
                              "inside the input, as TF's x86 (oneDNN) kernel.")
                         .Input("orig_input_shape: int32")
                         .Input("grad: T")
                         .Output("output: T")
                         .Params<Pool3DGradParams>()
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(AvgPool3DGradShape)
                         .Kernel(AvgPool3DGradKernel));

}  // namespace
}  // namespace opbridge
