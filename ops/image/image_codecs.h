// The image decoding ops (DecodePng, DecodeJpeg, DecodeAndCropJpeg,
// DecodeImage, DecodeBmp, ExtractJpegShape) share TF's one decoding kernel
// (DecodeImageV2Op, tensorflow/core/kernels/image/decode_image_op.cc): every
// op sniffs the magic bytes and decodes any format it knows, only the output
// rank, the dtype and a few refusals depend on which op runs. So do ours:
// image_codecs.cc holds that kernel once, on libpng and libjpeg-turbo (linked
// statically into the op libraries: cmake/ImageCodecs.cmake), and each op
// file declares its attrs and calls it.
#pragma once

#include <cstdint>
#include <string_view>

#include "opbridge/op.h"

namespace opbridge {
namespace image {

// Which op runs: TF's kernel branches on its op type.
enum class DecodeOp { kJpeg, kAndCropJpeg, kPng, kGif, kBmp, kImage };

// TF's jpeg::UncompressFlags, the part the ops set.
struct JpegFlags {
  int64_t ratio = 1;
  bool fancy_upscaling = true;
  bool try_recover_truncated = false;
  double acceptable_fraction = 1.0;
  bool dct_islow = false;  // TF's "" and INTEGER_FAST are JDCT_IFAST, INTEGER_ACCURATE JDCT_ISLOW
};

struct DecodeRequest;

// The GIF decoder (gif_codec.cc, on giflib): only the ops that decode GIF with
// it (DecodeGif, DecodeImage) set it, so a build without them links no giflib
// (cmake/ImageCodecs.cmake). Without it a GIF input is refused by name.
using GifDecoder = Status (*)(KernelContext& ctx, const DecodeRequest& request, std::string_view input);

struct DecodeRequest {
  DecodeOp op = DecodeOp::kImage;
  const char* op_name = "";  // TF's op type, for the errors that name it
  int64_t channels = 0;
  DType dtype = DType::kUInt8;
  bool expand_animations = true;
  JpegFlags jpeg;
  GifDecoder gif = nullptr;
};

// TF's attr checks of `channels` and `dct_method`, made once per node.
Status CheckChannels(int64_t channels);
Status JpegFlagsFrom(int64_t ratio, bool fancy_upscaling, bool try_recover_truncated, double acceptable_fraction,
                     std::string_view dct_method, JpegFlags* flags);

// The op's output 0 from input 0 (and DecodeAndCropJpeg's crop window, input 1).
Status DecodeImageKernel(KernelContext& ctx, const DecodeRequest& request);

// TF's jpeg::GetImageInfo: height, width and components of a JPEG's output
// from its header (false when libjpeg fails reading it).
bool JpegImageInfo(std::string_view data, int64_t* height, int64_t* width, int64_t* components);

// uint8 pixels as a uint16 or float32 output, TF's way (v * 256, v * float(1/255)).
void Widen8(KernelContext& ctx, const uint8_t* in, int64_t n, DType dtype, void* out);

// GIF's decoder (gif_codec.cc): TF's gif::Decode and DecodeImageV2Op's GIF branch.
Status DecodeGifImage(KernelContext& ctx, const DecodeRequest& request, std::string_view input);

// The shape rule of the 3-D decoders: [?, ?, channels or ?], known only in the kernel.
Status Decode3dShape(ShapeContext& ctx, int64_t channels);

}  // namespace image
}  // namespace opbridge
