// Shared by MaxPoolGrad and AvgPoolGrad: TF's pooling attrs and window
// arithmetic (PoolParameters and its kernels' checks, with their texts), and
// the types TF registers.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "conv_geometry.h"
#include "opbridge/op.h"

namespace opbridge::nn {

// TF's TensorShape::DebugString: "[2,3,4,1]".
inline std::string ShapeText(const Shape& s) {
  std::string text = "[";
  for (int i = 0; i < s.rank(); ++i) text += (i ? "," : "") + std::to_string(s.dim(i));
  return text + "]";
}

// ksize and strides of a 2-D pooling (4 values each, TF's texts).
inline Status CheckPoolWindow(const std::vector<int64_t>& ksize, const std::vector<int64_t>& strides) {
  OPBRIDGE_REQUIRE(ksize.size() == 4, "Sliding window ksize field must specify 4 dimensions");
  OPBRIDGE_REQUIRE(strides.size() == 4, "Sliding window strides field must specify 4 dimensions");
  OPBRIDGE_REQUIRE(ksize[0] == 1 && strides[0] == 1, "Pooling is not yet supported on the batch dimension.");
  return Status::Ok();
}

// One spatial dim of a pooling: window, stride, and the forward output's
// size and padding.
struct PoolDim {
  int64_t window = 1, stride = 1;
  WindowDim dim;
};

// The forward pooling's output size along one dim of size `in` (TF's
// GetWindowedOutputSizeVerbose; EXPLICIT pads must be smaller than the window).
inline Status PoolOutputSize(int64_t in, Padding padding, const char* before_name, const char* after_name,
                             PoolDim* p) {
  // A window of no taps would leave an output without a maximum (TF's kernel CHECK-fails there).
  OPBRIDGE_REQUIRE(p->window > 0, "ksize must be positive, got ", p->window);
  OPBRIDGE_RETURN_IF_ERROR(WindowedOutputSize(in, p->window, 1, p->stride, padding, &p->dim));
  if (padding == Padding::kExplicit) {
    OPBRIDGE_REQUIRE(p->dim.pad_before < p->window, before_name, " padding ", p->dim.pad_before,
                     " needs to be smaller than the window size ", p->window);
    OPBRIDGE_REQUIRE(p->dim.pad_after < p->window, after_name, " padding ", p->dim.pad_after,
                     " needs to be smaller than the window size ", p->window);
  }
  return Status::Ok();
}

}  // namespace opbridge::nn
