// MaxPoolGrad: the gradient of MaxPool, which a converted training step
// leaves custom for every max pooling it backpropagates through. Options
// {T, ksize, strides, padding, explicit_paddings, data_format}.
//
//   orig_input [N, H, W, C], orig_output [N, OH, OW, C], grad [N, OH, OW, C]
//   -> output [N, H, W, C]: each grad value added to the input element its
//      window's maximum came from, zeros elsewhere.
//
// As TF's CPU kernel (MaxPoolingGradOp, SpatialMaxPoolWithArgMaxHelper): the
// maximum is found again from orig_input (orig_output only has its shape
// checked); a window's first element (row-major, padding never counts)
// starts it and a later one replaces it only when strictly larger, so ties
// go to the first and a NaN wins only as the first element. Grad values are
// added in output order, in T (wrapping for integers), so the result is TF's
// bit for bit, float32 and bfloat16 included (TF's oneDNN build gives the
// same answers, measured with ties). NHWC only, as TF's kernel for every type.
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "conv_geometry.h"
#include "opbridge/op.h"
#include "../math/element_types.h"
#include "pool_grad.h"

namespace opbridge {
namespace {

using nn::DataFormat;
using nn::Padding;

struct MaxPoolGradParams {
  std::vector<int64_t> ksize, strides;
  Padding padding = Padding::kValid;
  std::vector<int64_t> explicit_paddings;
  DataFormat data_format = DataFormat::kChannelsLast;

  static void Declare(ParamBinder& b, MaxPoolGradParams& p) {
    b.Attr("ksize: list(int)", &p.ksize);
    b.Attr("strides: list(int)", &p.strides);
    b.Enum("padding: {'SAME', 'VALID', 'EXPLICIT'}", &p.padding,
           {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}, {"EXPLICIT", Padding::kExplicit}});
    b.Attr("explicit_paddings: list(int) = []", &p.explicit_paddings);
    b.Enum("data_format: {'NHWC', 'NCHW'} = 'NHWC'", &p.data_format,
           {{"NHWC", DataFormat::kChannelsLast}, {"NCHW", DataFormat::kChannelsFirst}});
  }

  // MaxPoolingGradOp's constructor.
  Status Validate() const {
    OPBRIDGE_REQUIRE(data_format == DataFormat::kChannelsLast,
                     "Default MaxPoolingGradOp only supports NHWC on device type CPU");
    OPBRIDGE_RETURN_IF_ERROR(nn::CheckPoolWindow(ksize, strides));
    if (padding == Padding::kExplicit) {
      OPBRIDGE_RETURN_IF_ERROR(nn::CheckValidPadding(padding, explicit_paddings, 4, data_format));
    }
    OPBRIDGE_REQUIRE(ksize[3] == 1 && strides[3] == 1, "MaxPoolingGrad is not yet supported on the depth dimension.");
    return Status::Ok();
  }
};

struct Geometry {
  nn::PoolDim rows, cols;
};

// The kernel's rank checks and PoolParameters; then the shapes of
// orig_output and grad against the forward output's.
Status ComputeGeometry(const MaxPoolGradParams& p, const Shape& in, const Shape& out, const Shape& grad,
                       Geometry* g) {
  OPBRIDGE_REQUIRE(in.rank() == 4, "tensor_in must be 4-dimensional");
  OPBRIDGE_REQUIRE(out.rank() == 4, "tensor_out must be 4-dimensional");
  OPBRIDGE_REQUIRE(grad.rank() == 4, "out_backprop must be 4-dimensional");
  g->rows.window = p.ksize[1];
  g->cols.window = p.ksize[2];
  g->rows.stride = p.strides[1];
  g->cols.stride = p.strides[2];
  if (p.padding == Padding::kExplicit) {
    g->rows.dim.pad_before = p.explicit_paddings[2];
    g->rows.dim.pad_after = p.explicit_paddings[3];
    g->cols.dim.pad_before = p.explicit_paddings[4];
    g->cols.dim.pad_after = p.explicit_paddings[5];
  }
  OPBRIDGE_RETURN_IF_ERROR(nn::PoolOutputSize(in.dim(1), p.padding, "Top", "Bottom", &g->rows));
  OPBRIDGE_RETURN_IF_ERROR(nn::PoolOutputSize(in.dim(2), p.padding, "Left", "Right", &g->cols));
  const Shape expected({in.dim(0), g->rows.dim.out, g->cols.dim.out, in.dim(3)});
  OPBRIDGE_REQUIRE(out.dims() == expected.dims(), "Expected orig_output shape to be ", nn::ShapeText(expected),
                   ", but got ", nn::ShapeText(out));
  OPBRIDGE_REQUIRE(grad.dims() == expected.dims(), "Expected grad shape to be ", nn::ShapeText(expected),
                   ", but got ", nn::ShapeText(grad));
  return Status::Ok();
}

Status MaxPoolGradShape(ShapeContext& ctx, const MaxPoolGradParams& p) {
  const Shape& in = ctx.input(0);
  if (in.fully_known() && ctx.input(1).fully_known() && ctx.input(2).fully_known()) {
    Geometry g;
    OPBRIDGE_RETURN_IF_ERROR(ComputeGeometry(p, in, ctx.input(1), ctx.input(2), &g));
  }
  ctx.set_output(0, in);
  return Status::Ok();
}

// a + b in T; integers wrap as TF's do on x86 (without undefined behaviour).
template <typename T>
inline T Add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}

template <typename T>
void Backprop(KernelContext& ctx, const Geometry& g, const Shape& in_shape, const T* in, const T* grad, T* out) {
  const int64_t height = in_shape.dim(1), width = in_shape.dim(2), depth = in_shape.dim(3);
  const int64_t oh = g.rows.dim.out, ow = g.cols.dim.out;
  const int64_t cost = nn::ItemCost(static_cast<double>(oh * ow * depth * g.rows.window * g.cols.window),
                                    in_shape.dim(0));
  // One item per image: its outputs add into it in TF's order.
  ctx.ParallelFor(in_shape.dim(0), cost, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> best(static_cast<size_t>(depth));
    for (int64_t n = begin; n < end; ++n) {
      const T* image = in + n * height * width * depth;
      T* dst = out + n * height * width * depth;
      std::fill(dst, dst + height * width * depth, T(0));
      for (int64_t r = 0; r < oh; ++r) {
        const int64_t y0 = r * g.rows.stride - g.rows.dim.pad_before;
        const int64_t y_begin = std::max<int64_t>(0, y0), y_end = std::min(height, y0 + g.rows.window);
        for (int64_t q = 0; q < ow; ++q) {
          const int64_t x0 = q * g.cols.stride - g.cols.dim.pad_before;
          const int64_t x_begin = std::max<int64_t>(0, x0), x_end = std::min(width, x0 + g.cols.window);
          const T* dy = grad + ((n * oh + r) * ow + q) * depth;
          if (y_begin >= y_end || x_begin >= x_end) continue;  // no element: nothing receives the gradient
          const int64_t first = (y_begin * width + x_begin) * depth;
          for (int64_t c = 0; c < depth; ++c) best[static_cast<size_t>(c)] = first + c;
          for (int64_t y = y_begin; y < y_end; ++y) {
            for (int64_t x = x_begin; x < x_end; ++x) {
              const int64_t at = (y * width + x) * depth;
              for (int64_t c = 0; c < depth; ++c) {
                int64_t& b = best[static_cast<size_t>(c)];
                if (image[b] < image[at + c]) b = at + c;
              }
            }
          }
          for (int64_t c = 0; c < depth; ++c) {
            T& d = dst[best[static_cast<size_t>(c)]];
            d = Add(d, dy[c]);
          }
        }
      }
    }
  });
}

Status MaxPoolGradKernel(KernelContext& ctx, const MaxPoolGradParams& p) {
  const ConstTensor& in = ctx.input(0);
  Geometry g;
  OPBRIDGE_RETURN_IF_ERROR(ComputeGeometry(p, in.shape(), ctx.input(1).shape(), ctx.input(2).shape(), &g));
  if (ctx.output(0).num_elements() == 0) return Status::Ok();
  return math::DispatchRealNumber(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    Backprop<T>(ctx, g, in.shape(), in.data<T>(), ctx.input(2).data<T>(), ctx.output(0).data<T>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("MaxPoolGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of MaxPool: each grad value goes to its window's (first) maximum.")
                         .Params<MaxPoolGradParams>()
                         .Input("orig_input: T")
                         .Input("orig_output: T")
                         .Input("grad: T")
                         .Output("output: T")
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, "
                               "uint64} = DT_FLOAT")
                         .ShapeRule(MaxPoolGradShape)
                         .Kernel(MaxPoolGradKernel));

}  // namespace
}  // namespace opbridge
