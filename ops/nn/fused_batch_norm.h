// Shared by FusedBatchNormV3 and FusedBatchNormGradV3 (what tf.compat.v1 /
// tf.nn.fused_batch_norm(is_training=True) and TF-Keras 2's BatchNormalization
// leave custom in a converted training step): the attrs both declare, the
// layout of x as [outer, C, inner], and TF's checks with their texts.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>

#include "../math/element_types.h"
#include "opbridge/op.h"
#include "pool_grad.h"

namespace opbridge::nn {

enum class NormFormat { kNHWC, kNCHW, kNDHWC, kNCDHW };

struct BatchNormAttrs {
  double epsilon = 0.0001;
  NormFormat data_format = NormFormat::kNHWC;
  bool is_training = true;

  static void DeclareEpsilon(ParamBinder& b, BatchNormAttrs& p) { b.Attr("epsilon: float = 0.0001", &p.epsilon); }
  static void DeclareFormatAndMode(ParamBinder& b, BatchNormAttrs& p) {
    b.Enum("data_format: {'NHWC', 'NCHW', 'NDHWC', 'NCDHW'} = 'NHWC'", &p.data_format,
           {{"NHWC", NormFormat::kNHWC},
            {"NCHW", NormFormat::kNCHW},
            {"NDHWC", NormFormat::kNDHWC},
            {"NCDHW", NormFormat::kNCDHW}});
    b.Attr("is_training: bool = true", &p.is_training);
  }
  bool channels_first() const { return data_format == NormFormat::kNCHW || data_format == NormFormat::kNCDHW; }
};

// x as [outer, channels, inner]: element (o, c, i) at (o * channels + c) * inner + i.
struct NormLayout {
  int64_t outer = 0, channels = 0, inner = 0;
  int64_t rest() const { return outer * inner; }  // the elements of one channel
};

// TF's rank check on x (4-D or 5-D, the 5-D formats implied by the rank).
inline Status NormLayoutOf(const Shape& x, bool channels_first, NormLayout* l) {
  OPBRIDGE_REQUIRE(x.rank() == 4 || x.rank() == 5, "input must be 4 or 5-dimensional", ShapeText(x));
  int64_t spatial = 1;
  for (int i = 0; i < x.rank(); ++i) {
    if (i != 0 && i != (channels_first ? 1 : x.rank() - 1)) spatial *= x.dim(i);
  }
  l->channels = x.dim(channels_first ? 1 : x.rank() - 1);
  l->outer = channels_first ? x.dim(0) : x.dim(0) * spatial;
  l->inner = channels_first ? spatial : 1;
  return Status::Ok();
}

inline Status RequireVector(const Shape& s, const char* name) {
  OPBRIDGE_REQUIRE(s.rank() == 1, name, " must be 1-dimensional", ShapeText(s));
  return Status::Ok();
}

inline Status RequireChannels(const Shape& s, int64_t channels, const char* prefix, const char* name) {
  OPBRIDGE_REQUIRE(s.dim(0) == channels, prefix, name, " must have the same number of elements as the channels of x, got ",
                   s.dim(0), " and ", channels);
  return Status::Ok();
}

}  // namespace opbridge::nn
