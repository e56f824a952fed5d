// MaxPool3DGradGrad: the gradient of MaxPool3DGrad with respect to its grad
// (second-order gradients through tf.nn.max_pool3d, e.g. a gradient penalty).
// Options {T, ksize, strides, padding, data_format}.
//
//   orig_input [N, D, H, W, C], orig_output [N, OD, OH, OW, C],
//   grad [N, D, H, W, C] -> output [N, OD, OH, OW, C]: for each window, grad
//   at the window's maximum.
//
// As TF's CPU kernel (MaxPooling3dGradGradOp): each window (the elements
// inside the input) is scanned depth, row, column for the first element
// exactly equal to orig_output, whose grad is taken; no equal element (a NaN
// maximum, or an orig_output that is no element) gives 0. Unlike
// MaxPool3DGrad there is no 1e-5 tolerance and ties go to the first. TF
// refuses empty tensors here; its CPU kernels exist for float and bfloat16,
// NDHWC only.
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>

#include "opbridge/op.h"
#include "pool_3d_grad.h"

namespace opbridge {
namespace {

using nn::Pool3DGradGeometry;
using nn::Pool3DGradParams;

// TF's Compute: the ranks, orig_output against the forward's output shape,
// grad against orig_input's.
Status ComputeGeometry(const Pool3DGradParams& p, const Shape& in, const Shape& out, const Shape& grad,
                       Pool3DGradGeometry* g) {
  OPBRIDGE_REQUIRE(in.rank() == 5, "tensor_in must be 5-dimensional");
  OPBRIDGE_REQUIRE(out.rank() == 5, "tensor_out must be 5-dimensional");
  OPBRIDGE_REQUIRE(grad.rank() == 5, "out_grad_backprop must be 5-dimensional");
  OPBRIDGE_REQUIRE(p.data_format == nn::DataFormat::kChannelsLast,
                   "Default MaxPooling3dGradGradOp only supports NDHWC on CPU device type");
  Shape expected;
  OPBRIDGE_RETURN_IF_ERROR(nn::Pool3DGradGeometryFor(p, in, g, &expected));
  OPBRIDGE_REQUIRE(out.dims() == expected.dims(), "Expected orig_output shape to be ", nn::Shape5Text(expected),
                   ", but got ", nn::Shape5Text(out));
  OPBRIDGE_REQUIRE(grad.dims() == in.dims(), "Expected grad shape to be ", nn::Shape5Text(in), ", but got ",
                   nn::Shape5Text(grad));
  return Status::Ok();
}

Status MaxPool3DGradGradShape(ShapeContext& ctx, const Pool3DGradParams& p) {
  const Shape& out = ctx.input(1);
  if (ctx.input(0).fully_known() && out.fully_known() && ctx.input(2).fully_known()) {
    Pool3DGradGeometry g;
    OPBRIDGE_RETURN_IF_ERROR(ComputeGeometry(p, ctx.input(0), out, ctx.input(2), &g));
  }
  ctx.set_output(0, out);
  return Status::Ok();
}

// dst[c] = grad[c] where in[c] == y[c], for c < n. The select is written
// unconditionally (a blend the compiler vectorizes, given the pointers do
// not alias) rather than as a branch, mispredicted on real data.
template <typename T>
inline void SelectEqual(const T* __restrict in, const T* __restrict y, const T* __restrict grad, T* __restrict dst,
                        int64_t n) {
  for (int64_t c = 0; c < n; ++c) {
    const T g = grad[c], kept = dst[c];  // both loaded: the select needs no branch
    dst[c] = in[c] == y[c] ? g : kept;
  }
}

template <typename T>
void Select(KernelContext& ctx, const Pool3DGradGeometry& g, const T* in, const T* out, const T* grad,
            T* result) {
  const int64_t* is = g.in_stride;
  const int64_t* os = g.out_stride;
  const int64_t channels = g.channels;
  const int64_t positions = g.batch * g.out[0] * g.out[1] * g.out[2];
  const double work = static_cast<double>(channels * g.window[0] * g.window[1] * g.window[2]);
  ctx.ParallelFor(positions, nn::ItemCost(work, 1), [&](int64_t begin, int64_t end) {
    for (int64_t pos = begin; pos < end; ++pos) {
      int64_t rest = pos, o[3], lo[3], hi[3];
      for (int i = 2; i >= 0; --i) {
        o[i] = rest % g.out[i];
        rest /= g.out[i];
      }
      const int64_t n = rest;
      for (int i = 0; i < 3; ++i) g.Span(i, o[i], &lo[i], &hi[i]);
      const int64_t at = n * os[0] + o[0] * os[1] + o[1] * os[2] + o[2] * os[3];
      const T* y = out + at;
      T* dst = result + at;
      std::fill(dst, dst + channels, T(0));
      // The window walked backwards, channels innermost (contiguous): the
      // last match written is the first in TF's depth, row, column scan.
      for (int64_t d = hi[0] - 1; d >= lo[0]; --d) {
        for (int64_t h = hi[1] - 1; h >= lo[1]; --h) {
          for (int64_t w = hi[2] - 1; w >= lo[2]; --w) {
            const int64_t e = n * is[0] + d * is[1] + h * is[2] + w * is[3];
            SelectEqual(in + e, y, grad + e, dst, channels);
          }
        }
      }
    }
  });
}

Status MaxPool3DGradGradKernel(KernelContext& ctx, const Pool3DGradParams& p) {
  const ConstTensor& in = ctx.input(0);
  const ConstTensor& out = ctx.input(1);
  const ConstTensor& grad = ctx.input(2);
  Pool3DGradGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(ComputeGeometry(p, in.shape(), out.shape(), grad.shape(), &g));
  // TF's kernel refuses them rather than reading past them.
  OPBRIDGE_REQUIRE(in.num_elements() > 0, "received empty tensor tensor_in: ", in.shape().ToString());
  OPBRIDGE_REQUIRE(out.num_elements() > 0, "received empty tensor tensor_out: ", out.shape().ToString());
  return nn::DispatchPool3DGradTypes(grad.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    Select<T>(ctx, g, in.data<T>(), out.data<T>(), grad.data<T>(), ctx.output(0).data<T>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("MaxPool3DGradGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of MaxPool3DGrad: grad at each window's first element equal to its "
                              "maximum.")
                         .Input("orig_input: T")
                         .Input("orig_output: T")
                         .Input("grad: T")
                         .Output("output: T")
                         .Params<Pool3DGradParams>()
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, "
                               "uint64}")
                         .ShapeRule(MaxPool3DGradGradShape)
                         .Kernel(MaxPool3DGradGradKernel));

}  // namespace
}  // namespace opbridge
