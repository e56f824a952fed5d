// TF's ImageProjectiveTransformV2/V3 (tensorflow/core/kernels/image/
// image_ops.h), shared by the two ops: each output pixel (x, y) of image b
// reads the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k) with
// k = c0 x + c1 y + 1 (transforms row b, or row 0 for all images). Points
// outside the image are mapped back per fill_mode (scipy.ndimage's rules as
// TF writes them) or, for CONSTANT, read fill_value; NEAREST rounds (halves
// away from zero), BILINEAR interpolates in float with out-of-image
// neighbours reading fill_value (so with CONSTANT the image edge blends into
// fill_value over one pixel, as in TF >= 2.4). All coordinate arithmetic is TF's float
// arithmetic, so float32 results agree to the last bit.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge::image {

enum class FillMode { kReflect, kWrap, kConstant, kNearest, kUnknown };
enum class Interpolation { kNearest, kBilinear, kUnknown };

// The attrs of ImageProjectiveTransformV2 and V3, declared once for both.
// TF declares free strings; CheckProjectiveAttrs rejects unknown values, hence
// no Enum().
struct ProjectiveParams {
  std::string interpolation;
  std::string fill_mode = "CONSTANT";

  static void Declare(ParamBinder& b, ProjectiveParams& p) {
    b.Attr("interpolation: string", &p.interpolation);
    b.Attr("fill_mode: string = 'CONSTANT'", &p.fill_mode);
  }
};

inline FillMode ParseFillMode(const std::string& s) {
  if (s == "REFLECT") return FillMode::kReflect;
  if (s == "WRAP") return FillMode::kWrap;
  if (s == "CONSTANT") return FillMode::kConstant;
  if (s == "NEAREST") return FillMode::kNearest;
  return FillMode::kUnknown;
}

inline Interpolation ParseInterpolation(const std::string& s) {
  if (s == "NEAREST") return Interpolation::kNearest;
  if (s == "BILINEAR") return Interpolation::kBilinear;
  return Interpolation::kUnknown;
}

// float -> int64 as TF's DenseIndex(...) conversion does on x86-64, where
// NaN and out-of-range values become INT64_MIN (always outside the image).
inline int64_t ToIndex(float v) {
  if (!(v >= -9.2e18f && v <= 9.2e18f)) return INT64_MIN;
  return static_cast<int64_t>(v);
}

// a * b with two's-complement wraparound, as the x86-64 imul in TF's build
// computes it: ToIndex's INT64_MIN (NaN, inf) times the period overflows, and
// the wrapped value is what TF then adds to the coordinate.
inline int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// std::min(std::max(x, 0.f), len - 1) as Eigen's scalar_clamp_op computes it
// (NaN passes through; with len == 0 the result is -1).
inline float ClampCoord(float x, int64_t len) {
  const auto hi = static_cast<float>(len - 1);
  x = x < 0.0f ? 0.0f : x;
  return hi < x ? hi : x;
}

// TF's MapCoordinate: brings an out-of-image coordinate back per fill mode.
inline float MapCoordinate(FillMode mode, float in, int64_t len) {
  switch (mode) {
    case FillMode::kReflect:  // [abcd] -> [dcba|abcd|dcba]
      if (in < 0) {
        if (len <= 1) {
          in = 0;
        } else {
          const int64_t sz2 = 2 * len;
          if (in < static_cast<float>(sz2)) {
            in = static_cast<float>(WrapMul(sz2, ToIndex(-in / static_cast<float>(sz2)))) + in;
          }
          in = in < static_cast<float>(-len) ? in + static_cast<float>(sz2) : -in - 1;
        }
      } else if (in > static_cast<float>(len - 1)) {
        if (len <= 1) {
          in = 0;
        } else {
          const int64_t sz2 = 2 * len;
          in -= static_cast<float>(WrapMul(sz2, ToIndex(in / static_cast<float>(sz2))));
          if (in >= static_cast<float>(len)) in = static_cast<float>(sz2) - in - 1;
        }
      }
      return ClampCoord(in, len);
    case FillMode::kWrap:  // [abcd] -> [abcd|abcd|abcd]
      if (in < 0) {
        if (len <= 1) {
          in = 0;
        } else {
          const int64_t sz = len - 1;
          in += static_cast<float>(WrapMul(len, ToIndex(-in / static_cast<float>(sz)) + 1));
        }
      } else if (in > static_cast<float>(len - 1)) {
        if (len <= 1) {
          in = 0;
        } else {
          const int64_t sz = len - 1;
          in -= static_cast<float>(WrapMul(len, ToIndex(in / static_cast<float>(sz))));
        }
      }
      return ClampCoord(in, len);
    case FillMode::kNearest:
      return ClampCoord(in, len);
    default:
      return in;
  }
}

inline Status CheckProjectiveAttrs(const ProjectiveParams& params) {
  const std::string& interpolation = params.interpolation;
  const std::string& fill_mode = params.fill_mode;
  // TF only logs these and then reads an uninitialized enum; an error is the
  // only safe answer.
  OPBRIDGE_REQUIRE(ParseInterpolation(interpolation) != Interpolation::kUnknown, "Invalid interpolation ",
                   interpolation, ". Supported types: NEAREST, BILINEAR");
  OPBRIDGE_REQUIRE(ParseFillMode(fill_mode) != FillMode::kUnknown, "Invalid mode ", fill_mode,
                   ". Supported types: REFLECT, WRAP, CONSTANT, NEAREST");
  return Status::Ok();
}

inline Status CheckTransforms(const Shape& images, const Shape& transforms) {
  if (images.rank_known()) {
    OPBRIDGE_REQUIRE(images.rank() == 4, "Input images must have rank 4, got shape ", images.ToString());
  }
  if (!transforms.rank_known()) return Status::Ok();
  const int64_t n = images.rank_known() ? images.dim(0) : kUnknownDim;
  const bool ok = transforms.rank() == 2 && (transforms.dim(1) == kUnknownDim || transforms.dim(1) == 8) &&
                  (transforms.dim(0) == kUnknownDim || n == kUnknownDim || transforms.dim(0) == 1 ||
                   transforms.dim(0) == n);
  OPBRIDGE_REQUIRE(ok, "Input transform should be num_images x 8 or 1 x 8, got transforms ", transforms.ToString(),
                   " for images ", images.ToString());
  return Status::Ok();
}

// Shape rule: [N, output_shape[0], output_shape[1], C].
inline Status ProjectiveShape(ShapeContext& ctx, const ProjectiveParams& params, bool has_fill_value) {
  OPBRIDGE_RETURN_IF_ERROR(CheckProjectiveAttrs(params));
  OPBRIDGE_RETURN_IF_ERROR(CheckTransforms(ctx.input(0), ctx.input(1)));
  if (has_fill_value) {
    OPBRIDGE_REQUIRE(!ctx.input(3).rank_known() || ctx.input(3).rank() == 0, "fill_value must be a scalar, got shape ",
                     ctx.input(3).ToString());
  }
  int64_t h = 0, w = 0;
  OPBRIDGE_RETURN_IF_ERROR(KnownIntPair(ctx, 2, "output shape", &h, &w));
  if (h == kUnknownDim) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  OPBRIDGE_REQUIRE(h > 0 && w > 0, "output dimensions must be positive, got output_shape [", h, ", ", w, "]");
  const Shape& in = ctx.input(0);
  ctx.set_output(0, Shape({in.rank_known() ? in.dim(0) : kUnknownDim, h, w, in.rank_known() ? in.dim(3) : kUnknownDim}));
  return Status::Ok();
}

template <typename T>
Status Transform(KernelContext& ctx, const ProjectiveParams& params, float fill_value_float) {
  const ConstTensor& images = ctx.input(0);
  const ConstTensor& transforms = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(CheckProjectiveAttrs(params));
  OPBRIDGE_RETURN_IF_ERROR(CheckTransforms(images.shape(), transforms.shape()));
  int64_t out_h = 0, out_w = 0;
  OPBRIDGE_RETURN_IF_ERROR(ReadIntPair(ctx.input(2), "output shape", &out_h, &out_w));
  OPBRIDGE_REQUIRE(out_h > 0 && out_w > 0, "output dimensions must be positive, got output_shape [", out_h, ", ",
                   out_w, "]");
  const int64_t batch = images.dim(0), height = images.dim(1), width = images.dim(2), channels = images.dim(3);
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(OutputWithShape(ctx, 0, Shape({batch, out_h, out_w, channels}), &output));
  if (output.num_elements() == 0) return Status::Ok();

  const FillMode mode = ParseFillMode(params.fill_mode);
  const bool bilinear = ParseInterpolation(params.interpolation) == Interpolation::kBilinear;
  const T fill = FromFloat<T>(fill_value_float);
  const T* in = images.data<T>();
  const float* all_transforms = transforms.data<float>();
  const bool shared = transforms.dim(0) == 1;
  T* out = output.data<T>();

  ctx.ParallelFor(batch * out_h, out_w * (channels * (bilinear ? 6 : 1) + 15), [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / out_h, oy = task % out_h;
      const float* t = shared ? all_transforms : all_transforms + 8 * b;
      const T* image = in + b * height * width * channels;
      T* dst = out + task * out_w * channels;
      const auto fy = static_cast<float>(oy);
      // In-image read with fill_value outside, as TF's read_with_fill_value.
      const auto read = [&](int64_t y, int64_t x, int64_t c) -> T {
        return (0 <= y && y < height && 0 <= x && x < width) ? image[(y * width + x) * channels + c] : fill;
      };
      for (int64_t ox = 0; ox < out_w; ++ox, dst += channels) {
        const auto fx = static_cast<float>(ox);
        const float projection = t[6] * fx + t[7] * fy + 1.f;
        if (projection == 0) {  // a point at infinity: outside the input
          std::fill(dst, dst + channels, fill);
          continue;
        }
        const float in_x = (t[0] * fx + t[1] * fy + t[2]) / projection;
        const float in_y = (t[3] * fx + t[4] * fy + t[5]) / projection;
        const float x = MapCoordinate(mode, in_x, width);
        const float y = MapCoordinate(mode, in_y, height);
        if (!bilinear) {
          const int64_t ny = ToIndex(std::round(y)), nx = ToIndex(std::round(x));
          for (int64_t c = 0; c < channels; ++c) dst[c] = read(ny, nx, c);
          continue;
        }
        const float y_floor = std::floor(y), x_floor = std::floor(x);
        const float y_ceil = y_floor + 1, x_ceil = x_floor + 1;
        const int64_t y0 = ToIndex(y_floor), x0 = ToIndex(x_floor), y1 = ToIndex(y_ceil), x1 = ToIndex(x_ceil);
        const bool inside = y0 >= 0 && y1 < height && x0 >= 0 && x1 < width;
        const T* p00 = inside ? image + (y0 * width + x0) * channels : nullptr;
        for (int64_t c = 0; c < channels; ++c) {
          float v00, v01, v10, v11;
          if (inside) {  // the common case: no bounds tests
            v00 = static_cast<float>(p00[c]);
            v01 = static_cast<float>(p00[channels + c]);
            v10 = static_cast<float>(p00[width * channels + c]);
            v11 = static_cast<float>(p00[(width + 1) * channels + c]);
          } else {
            v00 = static_cast<float>(read(y0, x0, c));
            v01 = static_cast<float>(read(y0, x1, c));
            v10 = static_cast<float>(read(y1, x0, c));
            v11 = static_cast<float>(read(y1, x1, c));
          }
          const float value_yfloor = (x_ceil - x) * v00 + (x - x_floor) * v01;
          const float value_yceil = (x_ceil - x) * v10 + (x - x_floor) * v11;
          dst[c] = FromFloat<T>((y_ceil - y) * value_yfloor + (y - y_floor) * value_yceil);
        }
      }
    }
  });
  return Status::Ok();
}

template <typename Fn>
Status DispatchProjectiveTypes(DType dtype, Fn&& fn) {
  return DispatchWith16BitFloats<uint8_t, int32_t, int64_t, float, double>(dtype, true, true, fn);
}

}  // namespace opbridge::image
