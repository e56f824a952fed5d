// The cubic taps TF's ResizeBicubic and ResizeBicubicGrad share
// (resize_bicubic_op.cc's GetWeightsAndIndices): weights from a 1025-entry
// table indexed by lrint(fraction * 1024); half_pixel_centers uses Keys'
// cubic (a = -0.5) with taps outside the image dropped and the rest
// renormalized, the legacy mode a = -0.75 with taps clamped to the border.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "resize_util.h"

namespace opbridge::image {

constexpr int64_t kTableSize = 1024;

struct CubicTable {
  float coeffs[(kTableSize + 1) * 2];
  explicit CubicTable(double a) {
    for (int64_t i = 0; i <= kTableSize; ++i) {
      float x = static_cast<float>(static_cast<double>(i) * 1.0 / kTableSize);
      coeffs[i * 2] = static_cast<float>(((a + 2) * x - (a + 3)) * x * x + 1);
      x = static_cast<float>(x + 1.0);
      coeffs[i * 2 + 1] = static_cast<float>(((a * x - 5 * a) * x + 8 * a) * x - 4 * a);
    }
  }
};

// Immutable once built (thread-safe static initialization).
inline const float* Coefficients(bool keys_cubic) {
  static const CubicTable keys(-0.5), legacy(-0.75);
  return keys_cubic ? keys.coeffs : legacy.coeffs;
}

struct Taps {
  float w[4];
  int64_t index[4];
};

// The four input taps and weights of output position `out` along one axis.
inline Taps ComputeTaps(int64_t out, float scale, int64_t limit, bool half_pixel_centers) {
  const float source = half_pixel_centers ? image::HalfPixelSource(out, scale) : image::LegacySource(out, scale);
  const auto base = static_cast<int64_t>(std::floor(source));
  const float delta = source - static_cast<float>(base);
  const int64_t offset = std::lrint(delta * static_cast<float>(kTableSize));
  const float* table = Coefficients(half_pixel_centers);
  Taps t;
  const float raw[4] = {table[offset * 2 + 1], table[offset * 2], table[(kTableSize - offset) * 2],
                        table[(kTableSize - offset) * 2 + 1]};
  for (int k = 0; k < 4; ++k) t.index[k] = image::Bound(base - 1 + k, limit);
  if (!half_pixel_centers) {
    for (int k = 0; k < 4; ++k) t.w[k] = raw[k];
    return t;
  }
  // Keys cubic: taps that fell outside the image get no weight, the others
  // are renormalized to sum to 1 (as TF's scale_and_translate does).
  for (int k = 0; k < 4; ++k) t.w[k] = t.index[k] == base - 1 + k ? raw[k] : 0.0f;
  const float sum = t.w[0] + t.w[1] + t.w[2] + t.w[3];
  if (std::abs(sum) >= 1000.0f * std::numeric_limits<float>::min()) {
    const float inverse = 1.0f / sum;
    for (float& w : t.w) w *= inverse;
  }
  return t;
}

}  // namespace opbridge::image
