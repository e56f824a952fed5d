// Shared by the argmax pooling/unpooling ops: Opbridge>MaxUnpooling2D and
// the TFLite custom ops MaxUnpooling2D (MediaPipe's, and the converter's
// "addons:MaxUnpooling2D" composite) and MaxPoolingWithArgmax2D (MediaPipe's).
//
// The TFLite ops carry a raw TfLitePoolParams struct as custom options, as
// MediaPipe's converter and TF's (perception_ops_utils.cc) write it: seven
// little-endian int32 fields and the unused computed padding,
//   padding (TfLitePadding: 0 unknown, 1 same, 2 valid), stride_width,
//   stride_height, filter_width, filter_height,
//   activation (TfLiteFusedActivation: 0 none, 1 relu, 2 relu_n1_to_1,
//   3 relu6, 4 tanh, 5 sign_bit, 6 sigmoid), computed {width, height,
//   width_offset, height_offset} (16 bytes, 40 in all).
// DecodePoolParams turns it into the attrs PoolParams declares.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "opbridge/op.h"

namespace opbridge {
namespace pooling {

// Bytes up to and including `activation`; the computed padding that follows is not read.
constexpr size_t kPoolParamsSize = 6 * sizeof(int32_t);
// Window sizes and strides beyond this are corrupt options, not models.
constexpr int64_t kMaxWindow = 1 << 16;

enum class Padding { kUnknown, kSame, kValid };
enum class Activation { kNone, kRelu, kReluN1To1, kRelu6, kTanh, kSignBit, kSigmoid };

// The attrs DecodePoolParams sets: an op declares them with
// .Params<pooling::PoolParams>().OptionsDecoder(pooling::DecodePoolParams).
struct PoolParams {
  Padding padding = Padding::kUnknown;
  int64_t stride_w = 1, stride_h = 1, filter_w = 1, filter_h = 1;
  Activation activation = Activation::kNone;

  static void Declare(ParamBinder& b, PoolParams& p) {
    b.Enum("padding: {'UNKNOWN', 'SAME', 'VALID'}", &p.padding,
           {{"UNKNOWN", Padding::kUnknown}, {"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
    b.Attr("stride_width: int >= 1", &p.stride_w);
    b.Attr("stride_height: int >= 1", &p.stride_h);
    b.Attr("filter_width: int >= 1", &p.filter_w);
    b.Attr("filter_height: int >= 1", &p.filter_h);
    b.Enum("activation: {'NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT', 'SIGMOID'}", &p.activation,
           {{"NONE", Activation::kNone},
            {"RELU", Activation::kRelu},
            {"RELU_N1_TO_1", Activation::kReluN1To1},
            {"RELU6", Activation::kRelu6},
            {"TANH", Activation::kTanh},
            {"SIGN_BIT", Activation::kSignBit},
            {"SIGMOID", Activation::kSigmoid}});
  }
};

// TfLitePadding's and TfLiteFusedActivation's values, named as the attrs declare them.
inline const char* const kPaddings[] = {"UNKNOWN", "SAME", "VALID"};
inline const char* const kActivations[] = {"NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT", "SIGMOID"};

inline Status DecodePoolParams(const uint8_t* data, size_t size, AttrMap* attrs) {
  OPBRIDGE_REQUIRE(data != nullptr && size >= kPoolParamsSize, "custom options are ", size,
                   " bytes; a TfLitePoolParams struct needs at least ", kPoolParamsSize);
  int32_t fields[6];
  std::memcpy(fields, data, sizeof(fields));  // little-endian, as the writers store it
  OPBRIDGE_REQUIRE(fields[0] >= 0 && fields[0] <= 2, "TfLitePoolParams.padding is ", fields[0],
                   ", not a TfLitePadding (0 unknown, 1 same, 2 valid)");
  OPBRIDGE_REQUIRE(fields[5] >= 0 && fields[5] <= 6, "TfLitePoolParams.activation is ", fields[5],
                   ", not a TfLiteFusedActivation (0..6)");
  const char* names[] = {"stride_width", "stride_height", "filter_width", "filter_height"};
  for (int i = 0; i < 4; ++i) {
    OPBRIDGE_REQUIRE(fields[i + 1] <= kMaxWindow, "TfLitePoolParams.", names[i], " is ", fields[i + 1],
                     ", beyond ", kMaxWindow);
    attrs->Set(names[i], int64_t{fields[i + 1]});
  }
  attrs->Set("padding", std::string(kPaddings[fields[0]]));
  attrs->Set("activation", std::string(kActivations[fields[5]]));
  return Status::Ok();
}

// TFLite's ComputePadding (kernels/padding.h) with dilation 1.
inline int64_t ComputePadding(int64_t stride, int64_t in_size, int64_t filter_size, int64_t out_size) {
  const int64_t padding = ((out_size - 1) * stride + filter_size - in_size) / 2;
  return padding > 0 ? padding : 0;
}

inline Status CheckDim(int64_t value, const char* what) {
  OPBRIDGE_REQUIRE(value >= 0 && value <= INT_MAX, what, " would be ", value, ", outside TFLite's int32 dims");
  return Status::Ok();
}

// Flat NHWC offset helper.
struct Nhwc {
  int64_t h, w, c;
  int64_t operator()(int64_t b, int64_t y, int64_t x, int64_t ch) const { return ((b * h + y) * w + x) * c + ch; }
};

}  // namespace pooling
}  // namespace opbridge
