// AvgPoolGrad: the gradient of AvgPool, which a converted training step
// leaves custom for every average pooling it backpropagates through.
// Options {T, ksize, strides, padding, data_format}.
//
//   orig_input_shape (int32 [4]), grad [N, OH, OW, C] -> output [N, H, W, C]:
//   each grad value spread evenly over its window's elements.
//
// Two CPU semantics, as TF's x86 build has them (measured):
// - half and double run TF's AvgPoolingGradOp: each window's rows and
//   columns come from GetBroadcastSize, which counts only the elements
//   inside the input except when the window overhangs both ends (a window
//   larger than the input after its padding): it then takes the first
//   min(size, ksize) elements and divides by their number. Each output adds
//   grad * T(1 / count) into its elements, in output order, in T: TF's bits.
// - float32 and bfloat16 run through oneDNN, whose windows are the
//   elements inside the input, always; it also runs NCHW. Here each element
//   sums grad / count in float and rounds once (oneDNN's order is its own:
//   within a float rounding per summand of TF, not bit for bit).
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "conv_backprop.h"
#include "conv_geometry.h"
#include "opbridge/op.h"
#include "pool_grad.h"

namespace opbridge {
namespace {

using nn::DataFormat;
using nn::Padding;

struct AvgPoolGradParams {
  std::vector<int64_t> ksize, strides;
  Padding padding = Padding::kValid;
  DataFormat data_format = DataFormat::kChannelsLast;

  static void Declare(ParamBinder& b, AvgPoolGradParams& p) {
    b.Attr("ksize: list(int)", &p.ksize);
    b.Attr("strides: list(int)", &p.strides);
    b.Enum("padding: {'SAME', 'VALID'}", &p.padding, {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
    b.Enum("data_format: {'NHWC', 'NCHW'} = 'NHWC'", &p.data_format,
           {{"NHWC", DataFormat::kChannelsLast}, {"NCHW", DataFormat::kChannelsFirst}});
  }

  // AvgPoolingGradOp's constructor, but for its NHWC check (CheckFormat).
  Status Validate() const { return nn::CheckPoolWindow(ksize, strides); }
};

Status CheckFormat(const AvgPoolGradParams& p, DType dtype) {
  OPBRIDGE_REQUIRE(p.data_format == DataFormat::kChannelsLast || nn::OneDnnType(dtype),
                   "Default AvgPoolingGradOp only supports NHWC on device type CPU");
  return Status::Ok();
}

Status AvgPoolGradShape(ShapeContext& ctx, const AvgPoolGradParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckFormat(p, ctx.input_dtype(1)));
  const ConstTensor* sizes = ctx.input_value(0);
  if (sizes == nullptr) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  OPBRIDGE_REQUIRE(sizes->rank() == 1 && sizes->num_elements() == 4,
                   "out_backprop must be 1-dimensional and 4 elements");
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(nn::SizesShape(*sizes, "orig_input_shape", "AvgPoolGrad", &shape));
  ctx.set_output(0, shape);
  return Status::Ok();
}

// One output's window along a dim: its first element and count.
struct Span {
  int64_t start = 0, size = 0;
};

// TF's GetBroadcastSize (index's window clipped at the start, then at the
// end, the second clip forgetting the first).
// TF's first check, without overflow (a hostile stride must not wrap).
Status CheckIndex(int64_t index, int64_t stride, int64_t in_size, int64_t* start) {
  OPBRIDGE_REQUIRE(!__builtin_mul_overflow(index, stride, start) && *start <= in_size,
                   "index * stride must be less than or equal to input size");
  return Status::Ok();
}

Status BroadcastSpan(int64_t index, int64_t in_size, int64_t ksize, int64_t stride, int64_t pad, Span* s) {
  OPBRIDGE_RETURN_IF_ERROR(CheckIndex(index, stride, in_size, &s->start));
  s->size = ksize;
  if (s->start < pad) {
    s->size = ksize + s->start - pad;
    s->start = 0;
  } else {
    s->start -= pad;
  }
  if (s->start + ksize > in_size) s->size = std::min(in_size - s->start, ksize);
  return Status::Ok();
}

// oneDNN's window: the elements inside the input.
Span ValidSpan(int64_t index, int64_t in_size, int64_t ksize, int64_t stride, int64_t pad) {
  const int64_t start = index * stride - pad;
  const int64_t first = std::max<int64_t>(0, start), last = std::min(in_size, start + ksize);
  return {first, std::max<int64_t>(0, last - first)};
}

struct Geometry {
  int64_t batch = 0, height = 0, width = 0, depth = 0, oh = 0, ow = 0;
  nn::PoolDim rows, cols;
};

// TF's ordering of AvgPoolingGradOp::Compute's checks; the grad's batch and
// depth must also be the input's (TF's kernel indexes past its buffers otherwise).
Status ComputeGeometry(const AvgPoolGradParams& p, const Shape& in, const Shape& grad, Geometry* g) {
  OPBRIDGE_REQUIRE(grad.rank() == 4, "out_backprop must be 4-dimensional");
  const DataFormat f = p.data_format;
  g->batch = in.dim(0);
  g->height = in.dim(nn::SpatialIndex(f, 0));
  g->width = in.dim(nn::SpatialIndex(f, 1));
  g->depth = in.dim(nn::ChannelIndex(f, 2));
  g->oh = grad.dim(nn::SpatialIndex(f, 0));
  g->ow = grad.dim(nn::SpatialIndex(f, 1));
  OPBRIDGE_REQUIRE(p.ksize[static_cast<size_t>(nn::ChannelIndex(f, 2))] == 1,
                   "Non-spatial pooling is not yet supported. Volunteers? :)");
  g->rows.window = p.ksize[static_cast<size_t>(nn::SpatialIndex(f, 0))];
  g->cols.window = p.ksize[static_cast<size_t>(nn::SpatialIndex(f, 1))];
  g->rows.stride = p.strides[static_cast<size_t>(nn::SpatialIndex(f, 0))];
  g->cols.stride = p.strides[static_cast<size_t>(nn::SpatialIndex(f, 1))];
  OPBRIDGE_RETURN_IF_ERROR(nn::PoolOutputSize(g->height, p.padding, "Top", "Bottom", &g->rows));
  OPBRIDGE_RETURN_IF_ERROR(nn::PoolOutputSize(g->width, p.padding, "Left", "Right", &g->cols));
  OPBRIDGE_REQUIRE(grad.dim(0) == g->batch && grad.dim(nn::ChannelIndex(f, 2)) == g->depth,
                   "grad ", nn::ShapeText(grad), " must have the batch and depth of orig_input_shape ",
                   nn::ShapeText(in));
  return Status::Ok();
}

// half and double: TF's own kernel, bit for bit.
template <typename T>
Status TfBackprop(KernelContext& ctx, const Geometry& g, const T* grad, T* out) {
  std::vector<Span> rows(static_cast<size_t>(g.oh)), cols(static_cast<size_t>(g.ow));
  for (int64_t r = 0; r < g.oh; ++r) {
    OPBRIDGE_RETURN_IF_ERROR(BroadcastSpan(r, g.height, g.rows.window, g.rows.stride, g.rows.dim.pad_before,
                                           &rows[static_cast<size_t>(r)]));
  }
  for (int64_t q = 0; q < g.ow; ++q) {
    OPBRIDGE_RETURN_IF_ERROR(BroadcastSpan(q, g.width, g.cols.window, g.cols.stride, g.cols.dim.pad_before,
                                           &cols[static_cast<size_t>(q)]));
  }
  const int64_t depth = g.depth;
  const int64_t cost = nn::ItemCost(static_cast<double>(g.oh * g.ow * depth * g.rows.window * g.cols.window),
                                    g.batch);
  ctx.ParallelFor(g.batch, cost, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      T* image = out + n * g.height * g.width * depth;
      std::fill(image, image + g.height * g.width * depth, T(0));
      for (int64_t r = 0; r < g.oh; ++r) {
        const Span& rs = rows[static_cast<size_t>(r)];
        for (int64_t q = 0; q < g.ow; ++q) {
          const Span& cs = cols[static_cast<size_t>(q)];
          const T coeff(1.0 / static_cast<double>(rs.size * cs.size));
          const T* dy = grad + ((n * g.oh + r) * g.ow + q) * depth;
          for (int64_t y = rs.start; y < rs.start + rs.size; ++y) {
            for (int64_t x = cs.start; x < cs.start + cs.size; ++x) {
              T* dst = image + (y * g.width + x) * depth;
              for (int64_t c = 0; c < depth; ++c) dst[c] += dy[c] * coeff;
            }
          }
        }
      }
    }
  });
  return Status::Ok();
}

// float32 and bfloat16: oneDNN's windows, summed in float per image.
template <typename T>
void OneDnnBackprop(KernelContext& ctx, const Geometry& g, const T* grad, T* out) {
  const int64_t depth = g.depth, pixels = g.height * g.width;
  const int64_t cost = nn::ItemCost(static_cast<double>(g.oh * g.ow * depth * g.rows.window * g.cols.window),
                                    g.batch);
  ctx.ParallelFor(g.batch, cost, [&](int64_t begin, int64_t end) {
    std::vector<float> acc(static_cast<size_t>(pixels * depth));
    for (int64_t n = begin; n < end; ++n) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t r = 0; r < g.oh; ++r) {
        const Span rs = ValidSpan(r, g.height, g.rows.window, g.rows.stride, g.rows.dim.pad_before);
        for (int64_t q = 0; q < g.ow; ++q) {
          const Span cs = ValidSpan(q, g.width, g.cols.window, g.cols.stride, g.cols.dim.pad_before);
          const float count = static_cast<float>(rs.size * cs.size);
          const T* dy = grad + ((n * g.oh + r) * g.ow + q) * depth;
          for (int64_t y = rs.start; y < rs.start + rs.size; ++y) {
            for (int64_t x = cs.start; x < cs.start + cs.size; ++x) {
              float* dst = acc.data() + (y * g.width + x) * depth;
              for (int64_t c = 0; c < depth; ++c) dst[c] += static_cast<float>(dy[c]) / count;
            }
          }
        }
      }
      T* image = out + n * pixels * depth;
      for (int64_t k = 0; k < pixels * depth; ++k) image[k] = static_cast<T>(acc[static_cast<size_t>(k)]);
    }
  });
}

Status AvgPoolGradKernel(KernelContext& ctx, const AvgPoolGradParams& p) {
  const ConstTensor& sizes = ctx.input(0);
  const ConstTensor& grad = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(CheckFormat(p, grad.dtype()));
  OPBRIDGE_REQUIRE(sizes.rank() == 1 && sizes.num_elements() == 4, "out_backprop must be 1-dimensional and 4 elements");
  OPBRIDGE_REQUIRE(grad.rank() == 4, "out_backprop must be 4-dimensional");
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(nn::SizesShape(sizes, "orig_input_shape", "AvgPoolGrad", &shape));
  OPBRIDGE_RETURN_IF_ERROR(nn::AllocateSized(ctx, shape));
  Geometry g;
  OPBRIDGE_RETURN_IF_ERROR(ComputeGeometry(p, shape, grad.shape(), &g));
  const Tensor& output = ctx.output(0);
  if (output.num_elements() == 0) return Status::Ok();
  // Both paths take the grad's rows and columns as given; each must start inside the input.
  int64_t start = 0;
  if (g.oh > 0) OPBRIDGE_RETURN_IF_ERROR(CheckIndex(g.oh - 1, g.rows.stride, g.height, &start));
  if (g.ow > 0) OPBRIDGE_RETURN_IF_ERROR(CheckIndex(g.ow - 1, g.cols.stride, g.width, &start));
  return math::DispatchFloating(grad.dtype(), [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    if (!nn::OneDnnType(grad.dtype())) return TfBackprop<T>(ctx, g, grad.data<T>(), output.data<T>());
    const nn::ChannelsLast<T> dy(grad.data<T>(), grad.shape(), p.data_format);
    if (p.data_format == DataFormat::kChannelsLast) {
      OneDnnBackprop<T>(ctx, g, dy.data(), output.data<T>());
      return Status::Ok();
    }
    std::vector<T> out(static_cast<size_t>(output.num_elements()));
    OneDnnBackprop<T>(ctx, g, dy.data(), out.data());
    nn::ToChannelsFirst(out.data(), g.batch, g.height, g.width, g.depth, output.data<T>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("AvgPoolGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of AvgPool: each grad value spread evenly over its window.")
                         .Params<AvgPoolGradParams>()
                         .Input("orig_input_shape: int32")
                         .Input("grad: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(AvgPoolGradShape)
                         .Kernel(AvgPoolGradKernel));

}  // namespace
}  // namespace opbridge
