// Dilation2D: TF's grayscale morphological dilation (tf.nn.dilation2d). The
// converter emits CUSTOM "Dilation2D" with {T, strides, rates, padding}.
//
//   input [N, H, W, D], filter [FH, FW, D] -> output [N, OH, OW, D]
//   output[n, y, x, d] = max over (i, j) of
//       input[n, y * sy + i * ry - pad_top, x * sx + j * rx - pad_left, d] + filter[i, j, d]
// over the taps inside the image, starting from the type's lowest value and
// taking only strictly larger sums, as TF's CPU kernel: NaN sums never win, a
// window of -inf gives the lowest finite value, and ties keep the first tap
// (row-major), which decides the sign of a zero. Sums are computed in T
// (integers wrap, 16-bit floats round). Output size and SAME padding follow
// GetWindowedOutputSize with the filter spread by the rates; like TF, rates
// below 1 are accepted (the taps then coincide or run backwards).
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using image::Padding;

struct DilationParams {
  std::vector<int64_t> strides, rates;
  Padding padding = Padding::kValid;

  static void Declare(ParamBinder& b, DilationParams& p) {
    b.Attr("strides: list(int)", &p.strides);
    b.Attr("rates: list(int)", &p.rates);
    b.Enum("padding: {'SAME', 'VALID'}", &p.padding, {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
  }
};

struct DilationGeometry {
  int64_t stride[2], rate[2];
  int64_t out[2] = {kUnknownDim, kUnknownDim};
  int64_t pad[2] = {0, 0};
};

Status Geometry(const DilationParams& p, const Shape& input, const Shape& filter, DilationGeometry* g) {
  int64_t strides[4], rates[4];
  OPBRIDGE_RETURN_IF_ERROR(image::Attr4(p.strides, "strides", strides));
  OPBRIDGE_RETURN_IF_ERROR(image::Attr4(p.rates, "rates", rates));
  OPBRIDGE_REQUIRE(strides[0] == 1 && strides[3] == 1, "Stride is only supported across spatial dimensions.");
  OPBRIDGE_REQUIRE(rates[0] == 1 && rates[3] == 1, "Rate is only supported across spatial dimensions.");
  for (int k = 0; k < 2; ++k) {
    OPBRIDGE_REQUIRE(strides[1 + k] <= INT32_MAX && rates[1 + k] >= INT32_MIN && rates[1 + k] <= INT32_MAX,
                     "attr 'strides' and 'rates' must hold int32 values");
    g->stride[k] = strides[1 + k];
    g->rate[k] = rates[1 + k];
  }
  if (input.rank_known()) {
    OPBRIDGE_REQUIRE(input.rank() == 4, "input must be 4-dimensional, got shape ", input.ToString());
  }
  if (filter.rank_known()) {
    OPBRIDGE_REQUIRE(filter.rank() == 3, "filter must be 3-dimensional: ", filter.ToString());
  }
  if (!input.rank_known() || !filter.rank_known()) return Status::Ok();
  OPBRIDGE_REQUIRE(input.dim(3) == kUnknownDim || filter.dim(2) == kUnknownDim || input.dim(3) == filter.dim(2),
                   "input and filter must have the same depth: ", input.dim(3), " vs ", filter.dim(2));
  for (int k = 0; k < 2; ++k) {
    if (input.dim(1 + k) == kUnknownDim || filter.dim(k) == kUnknownDim) continue;
    const int64_t taps = filter.dim(k);
    OPBRIDGE_REQUIRE(taps <= INT32_MAX, "filter ", filter.ToString(), " is too large");
    const int64_t effective = taps + (taps - 1) * (g->rate[k] - 1);
    OPBRIDGE_RETURN_IF_ERROR(image::WindowedOutputSize(input.dim(1 + k), effective, g->stride[k], p.padding,
                                                       k == 0 ? "rows" : "cols", &g->out[k], &g->pad[k]));
  }
  return Status::Ok();
}

Status Dilation2DShape(ShapeContext& ctx, const DilationParams& p) {
  DilationGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(Geometry(p, ctx.input(0), ctx.input(1), &g));
  const Shape& in = ctx.input(0);
  ctx.set_output(0, in.rank_known() ? Shape({in.dim(0), g.out[0], g.out[1], in.dim(3)})
                                    : Shape({kUnknownDim, kUnknownDim, kUnknownDim, kUnknownDim}));
  return Status::Ok();
}

// acc[d] = max(acc[d], px[d] + f[d]) with TF's strict `>`; float goes four
// channels at a time without branches.
template <typename T>
void Accumulate(const T* px, const T* f, int64_t depth, T* __restrict acc) {
  int64_t d = 0;
  if constexpr (std::is_same_v<T, float>) {
    using image::Float4;
    for (; d + 4 <= depth; d += 4) {
      Float4 a, v, w;
      std::memcpy(&a, acc + d, sizeof a);
      std::memcpy(&v, px + d, sizeof v);
      std::memcpy(&w, f + d, sizeof w);
      const Float4 sum = v + w;
      a = sum > a ? sum : a;
      std::memcpy(acc + d, &a, sizeof a);
    }
  }
  for (; d < depth; ++d) {
    const auto sum = static_cast<T>(px[d] + f[d]);
    if (sum > acc[d]) acc[d] = sum;
  }
}

template <typename T>
Status Dilate(KernelContext& ctx, const DilationParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& filter = ctx.input(1);
  DilationGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(Geometry(p, input.shape(), filter.shape(), &g));
  const Tensor& output = ctx.output(0);
  if (output.num_elements() == 0) return Status::Ok();
  const int64_t height = input.dim(1), width = input.dim(2), depth = input.dim(3);
  const int64_t taps_y = filter.dim(0), taps_x = filter.dim(1);
  const int64_t out_h = g.out[0], out_w = g.out[1];
  const T* in = input.data<T>();
  const T* f = filter.data<T>();
  T* out = output.data<T>();
  ctx.ParallelFor(input.dim(0) * out_h, out_w * taps_y * taps_x * depth + 10, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t n = task / out_h, oy = task % out_h;
      const T* image = in + n * height * width * depth;
      const int64_t y0 = oy * g.stride[0] - g.pad[0];
      for (int64_t ox = 0; ox < out_w; ++ox) {
        const int64_t x0 = ox * g.stride[1] - g.pad[1];
        T* acc = out + (task * out_w + ox) * depth;
        std::fill(acc, acc + depth, std::numeric_limits<T>::lowest());
        for (int64_t i = 0; i < taps_y; ++i) {
          const int64_t y = y0 + i * g.rate[0];
          if (y < 0 || y >= height) continue;
          for (int64_t j = 0; j < taps_x; ++j) {
            const int64_t x = x0 + j * g.rate[1];
            if (x < 0 || x >= width) continue;
            Accumulate(image + (y * width + x) * depth, f + (i * taps_x + j) * depth, depth, acc);
          }
        }
      }
    }
  });
  return Status::Ok();
}

Status Dilation2DKernel(KernelContext& ctx, const DilationParams& p) {
  return image::DispatchWith16BitFloats<float, double, int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t,
                                        int64_t, uint64_t>(
      ctx.input(0).dtype(), true, true, [&](auto tag) { return Dilate<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Dilation2D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Grayscale morphological dilation of NHWC images by a [FH, FW, D] structuring "
                              "function (tf.nn.dilation2d).")
                         .Input("input: T")
                         .Input("filter: T")
                         .Output("output: T")
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, "
                               "uint64}")
                         .Params<DilationParams>()
                         .ShapeRule(Dilation2DShape)
                         .Kernel(Dilation2DKernel));

}  // namespace
}  // namespace opbridge
