// ScaleAndTranslate: TF's separable resampling with a chosen filter, what
// tf.image.resize emits for lanczos3/lanczos5/gaussian/mitchellcubic (with or
// without antialias) and for bilinear/bicubic with antialias=True (kernel
// "triangle"/"keyscubic"). The converter emits CUSTOM "ScaleAndTranslate" with
// {T, kernel_type, antialias}; size (int32[2]), scale and translation
// (float[2], (row, col)) are inputs.
//
// Output pixel x samples the input at (x + 0.5) / scale - translation / scale;
// the filter (widened by 1/scale when antialiasing a downscale) gives weights
// to the input pixels within its radius, normalized to sum 1; samples outside
// [0, input size] get no weights (output 0). Rows are resampled first into a
// float buffer, then columns, accumulating in float in the same order as TF's
// kernel, and the filters are evaluated with TF's float expressions.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct ScaleParams {
  std::string kernel_type = "lanczos3";  // TF declares a free string and rejects unknown names in the kernel
  bool antialias = true;

  static void Declare(ParamBinder& b, ScaleParams& p) {
    b.Attr("kernel_type: string = 'lanczos3'", &p.kernel_type);
    b.Attr("antialias: bool = true", &p.antialias);
  }
};

enum class Filter { kLanczos1, kLanczos3, kLanczos5, kGaussian, kBox, kTriangle, kKeysCubic, kMitchellCubic, kUnknown };

Filter ParseFilter(const std::string& s) {
  if (s == "lanczos1") return Filter::kLanczos1;
  if (s == "lanczos3") return Filter::kLanczos3;
  if (s == "lanczos5") return Filter::kLanczos5;
  if (s == "gaussian") return Filter::kGaussian;
  if (s == "box") return Filter::kBox;
  if (s == "triangle") return Filter::kTriangle;
  if (s == "keyscubic") return Filter::kKeysCubic;
  if (s == "mitchellcubic") return Filter::kMitchellCubic;
  return Filter::kUnknown;
}

// The filters of TF's sampling_kernels.h, as functions of |x|, in TF's float
// (and, for the gaussian, double) arithmetic.
float Radius(Filter f) {
  switch (f) {
    case Filter::kLanczos3: return 3.0f;
    case Filter::kLanczos5: return 5.0f;
    case Filter::kGaussian: return 1.5f;
    case Filter::kKeysCubic:
    case Filter::kMitchellCubic: return 2.0f;
    default: return 1.0f;
  }
}

float Lanczos(float radius, float x) {
  constexpr float kPi = 3.14159265359f;
  x = std::abs(x);
  if (x > radius) return 0.0f;
  if (x <= 1e-3f) return 1.0f;  // the limit of sin(x) / x at 0
  return radius * std::sin(kPi * x) * std::sin(kPi * x / radius) / (kPi * kPi * x * x);
}

float Evaluate(Filter f, float x) {
  switch (f) {
    case Filter::kLanczos1:
    case Filter::kLanczos3:
    case Filter::kLanczos5: return Lanczos(Radius(f), x);
    case Filter::kGaussian: {
      const float radius = 1.5f, sigma = radius / 3.0f;
      x = std::abs(x);
      if (x >= radius) return 0.0f;
      return static_cast<float>(std::exp(static_cast<double>(-x * x) / (2.0 * sigma * sigma)));
    }
    case Filter::kBox:
      x = std::abs(x);
      return x < 0.5f ? 1.0f : x == 0.5f ? 0.5f : 0.0f;
    case Filter::kTriangle:
      x = std::abs(x);
      return x < 1.0f ? 1.0f - x : 0.0f;
    case Filter::kKeysCubic:
      x = std::abs(x);
      if (x >= 2.0f) return 0.0f;
      if (x >= 1.0f) return ((-0.5f * x + 2.5f) * x - 4.0f) * x + 2.0f;
      return ((1.5f * x - 2.5f) * x) * x + 1.0f;
    case Filter::kMitchellCubic:
      x = std::abs(x);
      if (x >= 2.0f) return 0.0f;
      if (x >= 1.0f) return (((-7.0f / 18.0f) * x + 2.0f) * x - 10.0f / 3.0f) * x + 16.0f / 9.0f;
      return (((7.0f / 6.0f) * x - 2.0f) * x) * x + 8.0f / 9.0f;
    default: return 0.0f;
  }
}

// For each output position along one axis: the first input index and
// `span_size` weights (zero beyond the pixel's own span or when it samples
// outside the input).
struct Spans {
  int64_t span_size = 0;
  std::vector<int64_t> starts;
  std::vector<float> weights;
};

Status ComputeSpans(Filter filter, int64_t output_size, int64_t input_size, float scale, float translate,
                    bool antialias, Spans* spans) {
  const auto inv_scale = static_cast<float>(1.0 / static_cast<double>(scale));
  const float inv_translate = -inv_scale * translate;
  const float kernel_scale = antialias ? std::max(inv_scale, 1.0f) : 1.0f;
  const float radius = Radius(filter);
  // TF: 2 * int(ceil(radius * kernel_scale)) + 1, capped at the input size.
  const double half_width = std::ceil(static_cast<double>(radius * kernel_scale));
  OPBRIDGE_REQUIRE(half_width < 1e9, "the filter support (scale ", scale, ") is too large");
  spans->span_size = std::min<int64_t>(2 * static_cast<int64_t>(half_width) + 1, input_size);
  spans->starts.assign(static_cast<size_t>(output_size), 0);
  spans->weights.assign(static_cast<size_t>(spans->span_size * output_size), 0.0f);
  const float one_over_kernel_scale = 1.0f / kernel_scale;
  std::vector<float> temp;
  for (int64_t x = 0; x < output_size; ++x) {
    const float col = static_cast<float>(x) + 0.5f;
    const float sample = col * inv_scale + inv_translate;
    // Sampling outside the input (or at a non-finite place): an empty span.
    if (!(sample >= 0 && sample <= static_cast<float>(input_size))) continue;
    const float first = std::ceil(sample - radius * kernel_scale - 0.5f);
    const float last = std::floor(sample + radius * kernel_scale - 0.5f);
    const int64_t span_start = std::clamp<int64_t>(first < 0 ? 0 : static_cast<int64_t>(std::min(first, 9e18f)), 0,
                                                   input_size - 1);
    const int64_t span_end = std::clamp<int64_t>(last < 0 ? 0 : static_cast<int64_t>(std::min(last, 9e18f)), 0,
                                                 input_size - 1) + 1;
    OPBRIDGE_REQUIRE(span_end - span_start <= spans->span_size, "Span is too large: ", span_end - span_start,
                     " vs ", spans->span_size, ".");
    float total = 0.0f;
    temp.clear();
    for (int64_t source = span_start; source < span_end; ++source) {
      const float position = static_cast<float>(source) + 0.5f - sample;
      const float weight = Evaluate(filter, std::abs(position * one_over_kernel_scale));
      total += weight;
      temp.push_back(weight);
    }
    if (std::abs(total) >= 1000.0f * std::numeric_limits<float>::min()) {
      const float inverse = 1.0f / total;
      float* w = spans->weights.data() + spans->span_size * x;
      for (float t : temp) *w++ = t * inverse;
    }
    spans->starts[static_cast<size_t>(x)] = span_start;
  }
  return Status::Ok();
}

Status ScaleAndTranslateShape(ShapeContext& ctx, const ScaleParams& p) {
  OPBRIDGE_REQUIRE(ParseFilter(p.kernel_type) != Filter::kUnknown, "Unrecognized kernel type: ", p.kernel_type);
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  int64_t h = 0, w = 0;
  OPBRIDGE_RETURN_IF_ERROR(image::KnownIntPair(ctx, 1, "size", &h, &w));
  for (int i = 2; i <= 3; ++i) {
    const Shape& s = ctx.input(i);
    OPBRIDGE_REQUIRE(!s.rank_known() || (s.rank() == 1 && (s.dim(0) == kUnknownDim || s.dim(0) == 2)), "input '",
                     ctx.input_name(i), "' must be a 1-D tensor of two elements, got shape ", s.ToString());
  }
  const Shape& in = ctx.input(0);
  if (h == kUnknownDim) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  OPBRIDGE_REQUIRE(h > 0 && w > 0, "output dimensions must be positive, got size [", h, ", ", w, "]");
  ctx.set_output(0, Shape({in.rank_known() ? in.dim(0) : kUnknownDim, h, w, in.rank_known() ? in.dim(3) : kUnknownDim}));
  return Status::Ok();
}

Status ReadFloatPair(const ConstTensor& t, float* first, float* second) {
  OPBRIDGE_REQUIRE(t.rank() == 1 && t.num_elements() == 2, "input '", t.name(),
                   "' must be a 1-D tensor of two elements, got shape ", t.shape().ToString());
  *first = t.data<float>()[0];
  *second = t.data<float>()[1];
  return Status::Ok();
}

// dst[k] += weight * src[k] over a row (TF's AddScaledVector).
template <typename T>
void AddScaledRow(float weight, const T* __restrict src, int64_t n, float* __restrict dst) {
  for (int64_t k = 0; k < n; ++k) dst[k] += weight * static_cast<float>(src[k]);
}

// The column pass for three channels in four-float vectors (lane-wise IEEE
// arithmetic: each channel gets exactly the scalar sum, in the same order).
void ResampleColumns3(const Spans& cols, int64_t in_w, int64_t out_w, const float* src_row, float* dst) {
  using image::Float4;
  for (int64_t x = 0; x < out_w; ++x, dst += 3) {
    const int64_t start = cols.starts[static_cast<size_t>(x)];
    const int64_t span = std::min(start + cols.span_size, in_w) - start;
    const float* w = cols.weights.data() + x * cols.span_size;
    const float* src = src_row + start * 3;
    Float4 sum = {0, 0, 0, 0};
    for (int64_t j = 0; j < span; ++j, src += 3) sum += w[j] * Float4{src[0], src[1], src[2], 0.0f};
    dst[0] = sum[0], dst[1] = sum[1], dst[2] = sum[2];
  }
}

template <typename T>
Status Resample(KernelContext& ctx, const ScaleParams& p) {
  const ConstTensor& images = ctx.input(0);
  const Filter filter = ParseFilter(p.kernel_type);
  OPBRIDGE_REQUIRE(filter != Filter::kUnknown, "Unrecognized kernel type: ", p.kernel_type);
  const bool antialias = p.antialias;
  int64_t out_h = 0, out_w = 0;
  OPBRIDGE_RETURN_IF_ERROR(image::ReadIntPair(ctx.input(1), "size", &out_h, &out_w));
  OPBRIDGE_REQUIRE(images.rank() == 4, "input must be 4-dimensional, got shape ", images.shape().ToString());
  const int64_t batch = images.dim(0), in_h = images.dim(1), in_w = images.dim(2), channels = images.dim(3);
  OPBRIDGE_REQUIRE(in_h <= INT32_MAX && in_w <= INT32_MAX, "input sizes must be between 0 and max int32");
  OPBRIDGE_REQUIRE(out_h > 0 && out_w > 0, "output dimensions must be positive, got size [", out_h, ", ", out_w, "]");
  OPBRIDGE_REQUIRE(channels > 0, "image must have at least one channel");
  OPBRIDGE_REQUIRE(in_h > 0 && in_w > 0, "input image must be of non-zero size");
  float row_scale = 0, col_scale = 0, row_translation = 0, col_translation = 0;
  OPBRIDGE_RETURN_IF_ERROR(ReadFloatPair(ctx.input(2), &row_scale, &col_scale));
  OPBRIDGE_REQUIRE(row_scale > 0 && col_scale > 0, "Scale must be greater than zero (input 'scale' is [", row_scale,
                   ", ", col_scale, "])");
  OPBRIDGE_RETURN_IF_ERROR(ReadFloatPair(ctx.input(3), &row_translation, &col_translation));
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(image::OutputWithShape(ctx, 0, Shape({batch, out_h, out_w, channels}), &output));
  if (output.num_elements() == 0) return Status::Ok();

  Spans cols, rows;
  OPBRIDGE_RETURN_IF_ERROR(ComputeSpans(filter, out_w, in_w, col_scale, col_translation, antialias, &cols));
  OPBRIDGE_RETURN_IF_ERROR(ComputeSpans(filter, out_h, in_h, row_scale, row_translation, antialias, &rows));

  const T* in = images.data<T>();
  float* out = output.data<float>();
  const int64_t in_row = in_w * channels, out_row = out_w * channels;
  std::vector<float> intermediate(static_cast<size_t>(batch * out_h * in_row));

  // Rows: intermediate[b, y] = sum_j weight_j * image[b, start_y + j]
  // (the span cut at the image edge, zero weights included, as in TF).
  ctx.ParallelFor(batch * out_h, rows.span_size * in_row + 10, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / out_h, y = task % out_h;
      float* dst = intermediate.data() + task * in_row;
      std::fill(dst, dst + in_row, 0.0f);
      const int64_t start = rows.starts[static_cast<size_t>(y)];
      const int64_t span = std::min(start + rows.span_size, in_h) - start;
      const float* w = rows.weights.data() + y * rows.span_size;
      const T* src = in + (b * in_h + start) * in_row;
      for (int64_t j = 0; j < span; ++j, src += in_row) {
        AddScaledRow(w[j], src, in_row, dst);
      }
    }
  });
  // Columns: out[b, y, x] = sum_j weight_j * intermediate[b, y, start_x + j].
  ctx.ParallelFor(batch * out_h, cols.span_size * out_row + 10, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const float* src_row = intermediate.data() + task * in_row;
      float* dst = out + task * out_row;
      if (channels == 3) {
        ResampleColumns3(cols, in_w, out_w, src_row, dst);
        continue;
      }
      for (int64_t x = 0; x < out_w; ++x, dst += channels) {
        const int64_t start = cols.starts[static_cast<size_t>(x)];
        const int64_t span = std::min(start + cols.span_size, in_w) - start;
        const float* w = cols.weights.data() + x * cols.span_size;
        const float* src = src_row + start * channels;
        std::fill(dst, dst + channels, 0.0f);
        for (int64_t j = 0; j < span; ++j, src += channels) {
          const float weight = w[j];
          for (int64_t c = 0; c < channels; ++c) dst[c] += weight * src[c];
        }
      }
    }
  });
  return Status::Ok();
}

Status ScaleAndTranslateKernel(KernelContext& ctx, const ScaleParams& p) {
  return image::DispatchResizeTypes(ctx.input(0).dtype(),
                                    [&](auto tag) { return Resample<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("ScaleAndTranslate")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Separable resampling of NHWC images with a filter (lanczos1/3/5, gaussian, box, "
                              "triangle, keyscubic, mitchellcubic), as tf.image.resize uses; float output.")
                         .Input("images: T")
                         .Input("size: int32")
                         .Input("scale: float")
                         .Input("translation: float")
                         .Output("resized_images: float")
                         .Attr("T: {int8, uint8, int16, uint16, int32, int64, bfloat16, half, float, double}")
                         .Params<ScaleParams>()
                         .ShapeRule(ScaleAndTranslateShape)
                         .Kernel(ScaleAndTranslateKernel));

}  // namespace
}  // namespace opbridge
