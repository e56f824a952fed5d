// ResizeArea: TF's area resize (tf.image.resize(method="area"),
// tf.compat.v1.image.resize_area). The converter emits CUSTOM "ResizeArea"
// with {T, align_corners}; `size` is an int32 input.
//
// Each output pixel is the average of the input area it covers: input cells
// fully inside count 1, the first and last cell of a span count the covered
// fraction. Same float arithmetic and summation order as TF's CPU kernel
// (per row: first cell * fraction, middle cells, last cell * fraction; rows
// weighted by their fraction; times 1 / (height_scale * width_scale)), so
// float32 results agree to the last bit. Antialiasing is inherent, so
// tf.image.resize(method="area", antialias=True) emits this op too.
#include <cmath>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"
#include "resize_util.h"

namespace opbridge {
namespace {

using image::Bound;

struct ResizeAreaParams {
  bool align_corners = false;

  static void Declare(ParamBinder& b, ResizeAreaParams& p) { b.Attr("align_corners: bool = false", &p.align_corners); }
};

// The cells [start, end) an output pixel covers along one axis and the
// weights of the first and last one.
struct Span {
  int64_t start, end;
  float start_scale, end_minus_one_scale;
};

// Fraction of input cell v covered by [in, in1), written as TF writes it.
float Coverage(int64_t v, float in, float in1, float scale) {
  const auto fv = static_cast<float>(v), fv1 = static_cast<float>(v + 1);
  if (fv < in) return fv1 > in1 ? scale : fv1 - in;
  return fv1 > in1 ? in1 - fv : 1.0f;
}

Span ComputeSpan(int64_t out, float scale) {
  const float in = static_cast<float>(out) * scale;
  const float in1 = static_cast<float>(out + 1) * scale;
  Span s;
  s.start = static_cast<int64_t>(std::floor(in));
  s.end = static_cast<int64_t>(std::ceil(in1));
  s.start_scale = Coverage(s.start, in, in1, scale);
  s.end_minus_one_scale = Coverage(s.end - 1, in, in1, scale);
  return s;
}

typedef float Float4 __attribute__((vector_size(16)));

// The rows an output row covers: pointers (bounded as TF bounds them) and
// their weights.
template <typename T>
struct RowSpan {
  std::vector<const T*> rows;
  std::vector<float> scales;
};

// One output pixel, channel count fixed at compile time (kChannels > 0) or
// not (0). Sums in TF's order: per input row first cell * fraction, middle
// cells, last cell * fraction; rows weighted by their fraction.
template <int kChannels, typename T>
void AreaPixel(const RowSpan<T>& rs, const Span& s, int64_t in_w, int64_t channels, float scale, float* sum,
               float* sum_y, float* dst) {
  const int64_t nc = kChannels > 0 ? kChannels : channels;
  for (int64_t c = 0; c < nc; ++c) sum[c] = 0.0f;
  const int64_t first = Bound(s.start, in_w) * nc, last = Bound(s.end - 1, in_w) * nc;
  for (size_t i = 0; i < rs.rows.size(); ++i) {
    const T* row = rs.rows[i];
    for (int64_t c = 0; c < nc; ++c) sum_y[c] = static_cast<float>(row[first + c]) * s.start_scale;
    if (s.start + 1 != s.end) {
      for (int64_t xi = s.start + 1; xi < s.end - 1; ++xi) {
        const T* cell = row + Bound(xi, in_w) * nc;
        for (int64_t c = 0; c < nc; ++c) sum_y[c] += static_cast<float>(cell[c]);
      }
      for (int64_t c = 0; c < nc; ++c) sum_y[c] += static_cast<float>(row[last + c]) * s.end_minus_one_scale;
    }
    for (int64_t c = 0; c < nc; ++c) sum[c] += sum_y[c] * rs.scales[i];
  }
  for (int64_t c = 0; c < nc; ++c) dst[c] = sum[c] * scale;
}

// The same for three channels in four-float vectors (lane-wise IEEE
// arithmetic: each channel gets exactly the scalar result).
template <typename T>
void AreaPixel3(const RowSpan<T>& rs, const Span& s, int64_t in_w, float scale, float* dst) {
  const auto load = [](const T* p) {
    return Float4{static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2]), 0.0f};
  };
  Float4 sum = {0.0f, 0.0f, 0.0f, 0.0f};
  const int64_t first = Bound(s.start, in_w) * 3, last = Bound(s.end - 1, in_w) * 3;
  for (size_t i = 0; i < rs.rows.size(); ++i) {
    const T* row = rs.rows[i];
    Float4 sum_y = load(row + first) * s.start_scale;
    if (s.start + 1 != s.end) {
      for (int64_t xi = s.start + 1; xi < s.end - 1; ++xi) sum_y += load(row + Bound(xi, in_w) * 3);
      sum_y += load(row + last) * s.end_minus_one_scale;
    }
    sum += sum_y * rs.scales[i];
  }
  const Float4 v = sum * scale;
  dst[0] = v[0], dst[1] = v[1], dst[2] = v[2];
}

template <typename T>
Status Resize(KernelContext& ctx, const ResizeAreaParams& p) {
  const bool align = p.align_corners;
  image::ResizeGeometry g;
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(image::ResizeSetup(ctx, align, false, &g, &output));
  if (output.num_elements() == 0) return Status::Ok();
  const int64_t channels = g.channels, in_w = g.in_width, out_w = g.out_width;
  const auto scale = static_cast<float>(1.0 / static_cast<double>(g.height_scale * g.width_scale));

  std::vector<Span> x_spans(static_cast<size_t>(out_w));
  for (int64_t x = 0; x < out_w; ++x) x_spans[static_cast<size_t>(x)] = ComputeSpan(x, g.width_scale);

  const T* in = ctx.input(0).data<T>();
  float* out = output.data<float>();
  const int64_t row_size = in_w * channels;
  const auto cells_per_output =
      static_cast<int64_t>(std::ceil(g.height_scale + 1) * std::ceil(g.width_scale + 1)) * channels;
  ctx.ParallelFor(g.batch * g.out_height, out_w * cells_per_output + 10, [&](int64_t begin, int64_t end) {
    std::vector<float> sum(static_cast<size_t>(channels)), sum_y(static_cast<size_t>(channels));
    RowSpan<T> rs;
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / g.out_height, y = task % g.out_height;
      const T* image = in + b * g.in_height * row_size;
      const float in_y = static_cast<float>(y) * g.height_scale;
      const float in_y1 = static_cast<float>(y + 1) * g.height_scale;
      const auto y_start = static_cast<int64_t>(std::floor(in_y));
      const auto y_end = static_cast<int64_t>(std::ceil(in_y1));
      rs.rows.clear();
      rs.scales.clear();
      for (int64_t i = y_start; i < y_end; ++i) {
        rs.scales.push_back(Coverage(i, in_y, in_y1, g.height_scale));
        rs.rows.push_back(image + Bound(i, g.in_height) * row_size);
      }
      float* dst = out + task * out_w * channels;
      for (int64_t x = 0; x < out_w; ++x, dst += channels) {
        const Span& s = x_spans[static_cast<size_t>(x)];
        switch (channels) {
          case 1: AreaPixel<1>(rs, s, in_w, channels, scale, sum.data(), sum_y.data(), dst); break;
          case 3: AreaPixel3(rs, s, in_w, scale, dst); break;
          default: AreaPixel<0>(rs, s, in_w, channels, scale, sum.data(), sum_y.data(), dst); break;
        }
      }
    }
  });
  return Status::Ok();
}

Status ResizeAreaShape(ShapeContext& ctx, const ResizeAreaParams& p) {
  return image::ResizeShape(ctx, p.align_corners, false);
}

Status ResizeAreaKernel(KernelContext& ctx, const ResizeAreaParams& p) {
  return image::DispatchResizeTypes(ctx.input(0).dtype(),
                                    [&](auto tag) { return Resize<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("ResizeArea")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Area (box average) resize of NHWC images to `size` (tf.image.resize "
                              "method='area'); float output.")
                         .Input("images: T")
                         .Input("size: int32")
                         .Output("resized_images: float")
                         .Attr("T: {int8, uint8, int16, uint16, int32, int64, half, float, double, bfloat16}")
                         .Params<ResizeAreaParams>()
                         .ShapeRule(ResizeAreaShape)
                         .Kernel(ResizeAreaKernel));

}  // namespace
}  // namespace opbridge
