// MaxPool3DGrad: the gradient of MaxPool3D, which a converted training step
// leaves custom for every tf.nn.max_pool3d it backpropagates through.
// Options {T, TInput, ksize, strides, padding, data_format}.
//
//   orig_input [N, D, H, W, C], orig_output [N, OD, OH, OW, C],
//   grad [N, OD, OH, OW, C] -> output [N, D, H, W, C]: each grad value added
//   to every element of its window that equals the window's maximum.
//
// As TF's CPU kernel (MaxPooling3dGradOp, Eigen expressions; measured): unlike
// the 2-D gradient it does not search the first maximum. Every element x of
// the window with |x - orig_output| < 1e-5, computed in T, receives the grad
// value, so all ties (and near-ties) do; a maximum of +-inf or NaN sends it
// nowhere (inf - inf is NaN). The windows are GetBroadcastSize's (as
// AvgPoolGrad's half/double path: a window overhanging both ends of a dim
// takes its first min(size, ksize) elements), and the outputs add into the
// result columns outermost, then rows, then planes, in T: TF's bits for
// float32 and bfloat16. TF's graphs on x86 pair a MaxPool3D with its gradient
// in oneDNN, which routes each grad value to the first maximum only; an
// unpaired MaxPool3DGrad (tf.raw_ops, or a converted model's) is this one.
// CPU kernels exist for float and bfloat16 (T == TInput), NDHWC only.
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "opbridge/op.h"
#include "pool_3d_grad.h"

namespace opbridge {
namespace {

using nn::Pool3DGradGeometry;
using nn::Pool3DGradParams;

Status CheckFormat(const Pool3DGradParams& p) {
  OPBRIDGE_REQUIRE(p.data_format == nn::DataFormat::kChannelsLast,
                   "Default MaxPooling3dGradOp only supports NDHWC on device type CPU");
  return Status::Ok();
}

// TF's Compute: the ranks, the forward's output shape, then orig_output's and
// grad's shapes against it.
Status ComputeGeometry(const Pool3DGradParams& p, const Shape& in, const Shape& out, const Shape& grad,
                       Pool3DGradGeometry* g) {
  OPBRIDGE_REQUIRE(in.rank() == 5, "tensor_in must be 5-dimensional");
  OPBRIDGE_REQUIRE(out.rank() == 5, "tensor_out must be 5-dimensional");
  OPBRIDGE_REQUIRE(grad.rank() == 5, "out_backprop must be 5-dimensional");
  Shape expected;
  OPBRIDGE_RETURN_IF_ERROR(nn::Pool3DGradGeometryFor(p, in, g, &expected));
  OPBRIDGE_REQUIRE(out.dims() == expected.dims(), "Expected orig_output shape to be ", nn::Shape5Text(expected),
                   ", but got ", nn::Shape5Text(out));
  OPBRIDGE_REQUIRE(grad.dims() == expected.dims(), "Expected grad shape to be ", nn::Shape5Text(expected),
                   ", but got ", nn::Shape5Text(grad));
  return Status::Ok();
}

Status MaxPool3DGradShape(ShapeContext& ctx, const Pool3DGradParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckFormat(p));
  const Shape& in = ctx.input(0);
  if (in.fully_known() && ctx.input(1).fully_known() && ctx.input(2).fully_known()) {
    Pool3DGradGeometry g;
    OPBRIDGE_RETURN_IF_ERROR(ComputeGeometry(p, in, ctx.input(1), ctx.input(2), &g));
  }
  ctx.set_output(0, in);
  return Status::Ok();
}

// GetBroadcastSize: output `index`'s window along a dim, clipped at the start,
// then at the end, the second clip forgetting the first.
struct Span {
  int64_t start = 0, size = 0;
};

Span BroadcastSpan(const Pool3DGradGeometry& g, int i, int64_t index) {
  Span s{index * g.stride[i], g.window[i]};
  if (s.start < g.pad[i]) {
    s.size = g.window[i] + s.start - g.pad[i];
    s.start = 0;
  } else {
    s.start -= g.pad[i];
  }
  if (s.start + g.window[i] > g.in[i]) s.size = std::min(g.in[i] - s.start, g.window[i]);
  return s;
}

template <typename T>
void Backprop(KernelContext& ctx, const Pool3DGradGeometry& g, const T* in, const T* out, const T* grad,
              T* result) {
  std::vector<Span> spans[3];
  for (int i = 0; i < 3; ++i) {
    for (int64_t o = 0; o < g.out[i]; ++o) spans[i].push_back(BroadcastSpan(g, i, o));
  }
  // TF's Eigen constant(1e-5) in T.
  const T tolerance = static_cast<T>(1e-5);
  const int64_t channels = g.channels;
  const int64_t* is = g.in_stride;
  const int64_t* os = g.out_stride;
  const double work = static_cast<double>(g.out[0] * g.out[1] * g.out[2] * channels) *
                      static_cast<double>(g.window[0] * g.window[1] * g.window[2]);
  // One item per batch element: its outputs add into it in TF's order.
  ctx.ParallelFor(g.batch, nn::ItemCost(2.0 * work, g.batch), [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      std::fill(result + n * is[0], result + (n + 1) * is[0], T(0));
      for (int64_t q = 0; q < g.out[2]; ++q) {
        const Span cs = spans[2][static_cast<size_t>(q)];
        for (int64_t r = 0; r < g.out[1]; ++r) {
          const Span rs = spans[1][static_cast<size_t>(r)];
          for (int64_t pl = 0; pl < g.out[0]; ++pl) {
            const Span ps = spans[0][static_cast<size_t>(pl)];
            const int64_t at = n * os[0] + pl * os[1] + r * os[2] + q * os[3];
            const T* y = out + at;
            const T* dy = grad + at;
            for (int64_t d = ps.start; d < ps.start + ps.size; ++d) {
              for (int64_t h = rs.start; h < rs.start + rs.size; ++h) {
                for (int64_t w = cs.start; w < cs.start + cs.size; ++w) {
                  const int64_t e = n * is[0] + d * is[1] + h * is[2] + w * is[3];
                  const T* x = in + e;
                  T* dst = result + e;
                  for (int64_t c = 0; c < channels; ++c) {
                    const T diff = x[c] - y[c];
                    if (Eigen::numext::abs(diff) < tolerance) dst[c] += dy[c];
                  }
                }
              }
            }
          }
        }
      }
    }
  });
}

Status MaxPool3DGradKernel(KernelContext& ctx, const Pool3DGradParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckFormat(p));
  const ConstTensor& in = ctx.input(0);
  const ConstTensor& out = ctx.input(1);
  const ConstTensor& grad = ctx.input(2);
  // TF registers its CPU kernels for T == TInput only.
  OPBRIDGE_REQUIRE(in.dtype() == grad.dtype(), "TF has no CPU kernel for TInput=", DTypeName(in.dtype()),
                   " with T=", DTypeName(grad.dtype()), " (they must be equal)");
  Pool3DGradGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(ComputeGeometry(p, in.shape(), out.shape(), grad.shape(), &g));
  return nn::DispatchPool3DGradTypes(grad.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (ctx.output(0).num_elements() == 0) return Status::Ok();
    Backprop<T>(ctx, g, in.data<T>(), out.data<T>(), grad.data<T>(), ctx.output(0).data<T>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("MaxPool3DGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of MaxPool3D: each grad value goes to every element of its window within "
                              "1e-5 of the maximum, as TF's CPU kernel.")
                         .Input("orig_input: TInput")
                         .Input("orig_output: TInput")
                         .Input("grad: T")
                         .Output("output: T")
                         .Params<Pool3DGradParams>()
                         .Attr("T: {half, bfloat16, float} = DT_FLOAT")
                         .Attr("TInput: {half, bfloat16, float} = DT_FLOAT")
                         .ShapeRule(MaxPool3DGradShape)
                         .Kernel(MaxPool3DGradKernel));

}  // namespace
}  // namespace opbridge
