// GIF decoding for DecodeGif and DecodeImage (image_codecs.h's GifDecoder):
// TF's gif::Decode (tensorflow/core/lib/gif/gif_io.cc) and the GIF branch of
// its DecodeImageV2Op, on giflib (Debian's static libgif.a, linked only into
// builds with one of those two ops: cmake/ImageCodecs.cmake). A helper file:
// it registers no op.
//
// TF's composition, which this follows to the pixel:
//  - the canvas is the largest frame's width by the largest frame's height
//    (not the logical screen of the file's header);
//  - frame k starts as a copy of frame k-1; frame 0 starts black where it
//    does not cover the canvas;
//  - a frame's pixels clipped to the canvas are written from its local color
//    map, else the global one; the transparent index of its Graphics Control
//    Extension leaves the canvas pixel as it was (black in frame 0), and is
//    tested before the "outside of color map range" check;
//  - disposal methods are ignored (TF does);
//  - expand_animations=false decodes frame 0 only, on the same canvas size.
// Reading (giflib's DGifSlurp with TF's patch, Slurp below) failing is an
// error unless it has images, the last of them has its raster and the error
// is not "data ended too early" (a file without its trailer decodes).
#include <gif_lib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "image_codecs.h"
#include "opbridge/op.h"

namespace opbridge {
namespace image {
namespace {

struct GifInput {
  const uint8_t* data;
  int left;
};

// giflib's read callback: short reads at the end, as TF's input_callback.
int ReadGif(GifFileType* file, GifByteType* buf, int size) {
  auto* in = static_cast<GifInput*>(file->UserData);
  if (in == nullptr) return 0;
  size = std::min(size, in->left);
  if (size <= 0) return 0;
  std::memcpy(buf, in->data, static_cast<size_t>(size));
  in->data += size;
  in->left -= size;
  return size;
}

const char* GifError(int code) {
  const char* text = GifErrorString(code);
  return text != nullptr ? text : "Unknown error";
}

// DGifSlurp as TF runs it: giflib 5.2.1 with TF's gif_fix_image_counter patch
// (third_party/gif), which Debian's giflib lacks. The difference (measured
// against TF 2.21): a frame whose pixel data fails to read (data cut inside
// it, or its block terminator missing) is dropped, so the frames before it
// decode, or with none the file fails; unpatched giflib keeps it, its raster
// partly uninitialized. Otherwise the same calls in the same order: records,
// extensions gathered for the next frame (the GCE that DGifSavedExtensionToGCB
// reads), frames with a zero or overflowing size refused, interlaced frames
// read pass by pass, no image at all an error.
bool Slurp(GifFileType* gif) {
  GifRecordType type;
  do {
    if (DGifGetRecordType(gif, &type) == GIF_ERROR) return false;
    if (type == IMAGE_DESC_RECORD_TYPE) {
      if (DGifGetImageDesc(gif) == GIF_ERROR) {
        // Data ending before the frame's LZW code size: Debian's giflib fails
        // without an error code, TF's reports a failed read (measured).
        if (gif->Error == D_GIF_SUCCEEDED) gif->Error = D_GIF_ERR_READ_FAILED;
        return false;
      }
      SavedImage* sp = &gif->SavedImages[gif->ImageCount - 1];
      const int w = sp->ImageDesc.Width, h = sp->ImageDesc.Height;
      if (w <= 0 || h <= 0 || w > std::numeric_limits<int>::max() / h) return false;
      // giflib frees it with free() (DGifCloseFile).
      sp->RasterBits = static_cast<GifByteType*>(std::malloc(static_cast<size_t>(w) * static_cast<size_t>(h)));
      if (sp->RasterBits == nullptr) return false;
      bool read = true;
      if (sp->ImageDesc.Interlace) {
        static constexpr int kStart[] = {0, 4, 2, 1}, kStep[] = {8, 8, 4, 2};
        for (int pass = 0; pass < 4 && read; ++pass) {
          for (int y = kStart[pass]; y < h && read; y += kStep[pass]) {
            read = DGifGetLine(gif, sp->RasterBits + static_cast<size_t>(y) * w, w) != GIF_ERROR;
          }
        }
      } else {
        read = DGifGetLine(gif, sp->RasterBits, w * h) != GIF_ERROR;
      }
      if (!read) {  // TF's patch: the frame goes
        std::free(sp->RasterBits);
        sp->RasterBits = nullptr;
        if (sp->ImageDesc.ColorMap != nullptr) GifFreeMapObject(sp->ImageDesc.ColorMap);
        sp->ImageDesc.ColorMap = nullptr;
        --gif->ImageCount;
        return false;
      }
      if (gif->ExtensionBlocks != nullptr) {
        sp->ExtensionBlocks = gif->ExtensionBlocks;
        sp->ExtensionBlockCount = gif->ExtensionBlockCount;
        gif->ExtensionBlocks = nullptr;
        gif->ExtensionBlockCount = 0;
      }
    } else if (type == EXTENSION_RECORD_TYPE) {
      int function = 0;
      GifByteType* data = nullptr;
      if (DGifGetExtension(gif, &function, &data) == GIF_ERROR) return false;
      if (data != nullptr &&
          GifAddExtensionBlock(&gif->ExtensionBlockCount, &gif->ExtensionBlocks, function, data[0], &data[1]) ==
              GIF_ERROR) {
        return false;
      }
      while (true) {
        if (DGifGetExtensionNext(gif, &data) == GIF_ERROR) return false;
        if (data == nullptr) break;
        if (GifAddExtensionBlock(&gif->ExtensionBlockCount, &gif->ExtensionBlocks, CONTINUE_EXT_FUNC_CODE, data[0],
                                 &data[1]) == GIF_ERROR) {
          return false;
        }
      }
    }
  } while (type != TERMINATE_RECORD_TYPE);
  if (gif->ImageCount == 0) {
    gif->Error = D_GIF_ERR_NO_IMAG_DSCR;
    return false;
  }
  return true;
}

struct GifCloser {
  void operator()(GifFileType* file) const {
    int code = D_GIF_SUCCEEDED;
    DGifCloseFile(file, &code);
  }
};

// Frames [0, frames) of `gif` composed onto width x height x 3 canvases at
// `out`; an empty string, or TF's error text.
std::string Compose(GifFileType* gif, int frames, int64_t width, int64_t height, uint8_t* out) {
  const int64_t frame_size = width * height * 3;
  for (int k = 0; k < frames; ++k) {
    uint8_t* dst = out + k * frame_size;
    const SavedImage& image = gif->SavedImages[k];
    const GifImageDesc& desc = image.ImageDesc;
    GraphicsControlBlock gcb;
    DGifSavedExtensionToGCB(gif, k, &gcb);  // NO_TRANSPARENT_COLOR (-1) without one
    int64_t left = desc.Left, top = desc.Top;
    int64_t right = left + desc.Width, bottom = top + desc.Height;
    if (k > 0) std::memcpy(dst, dst - frame_size, static_cast<size_t>(frame_size));
    if (desc.Left != 0 || desc.Top != 0 || desc.Width != width || desc.Height != height) {
      if (k == 0) std::memset(dst, 0, static_cast<size_t>(frame_size));
      left = std::max<int64_t>(left, 0);
      top = std::max<int64_t>(top, 0);
      right = std::min(right, width);
      bottom = std::min(bottom, height);
    }
    const ColorMapObject* map = desc.ColorMap != nullptr ? desc.ColorMap : gif->SColorMap;
    if (map == nullptr) return "missing color map for frame " + std::to_string(k);
    for (int64_t i = top; i < bottom; ++i) {
      const int64_t src = (i - desc.Top) * desc.Width - desc.Left;  // + j: the frame's pixel
      uint8_t* row = dst + i * width * 3;
      for (int64_t j = left; j < right; ++j) {
        const GifByteType index = image.RasterBits[src + j];
        if (index == gcb.TransparentColor) {
          if (k == 0) row[j * 3] = row[j * 3 + 1] = row[j * 3 + 2] = 0;
          continue;
        }
        if (index >= map->ColorCount) {
          return "found color index " + std::to_string(index) + " outside of color map range " +
                 std::to_string(map->ColorCount);
        }
        const GifColorType& color = map->Colors[index];
        row[j * 3] = color.Red;
        row[j * 3 + 1] = color.Green;
        row[j * 3 + 2] = color.Blue;
      }
    }
  }
  return std::string();
}

}  // namespace

Status DecodeGifImage(KernelContext& ctx, const DecodeRequest& r, std::string_view input) {
  const auto fail = [&](const std::string& why) {
    return Errorf("Invalid GIF data (size ", input.size(), "), ", why);
  };
  GifInput in{reinterpret_cast<const uint8_t*>(input.data()), static_cast<int>(input.size())};
  int code = D_GIF_SUCCEEDED;
  std::unique_ptr<GifFileType, GifCloser> gif(DGifOpen(&in, ReadGif, &code));
  if (code != D_GIF_SUCCEEDED || gif == nullptr) return fail(std::string("failed to open gif file: ") + GifError(code));
  if (!Slurp(gif.get())) {
    const int count = gif->ImageCount;
    // TF goes on (logging the error) with what giflib read, unless that is
    // nothing, the last frame has no raster or the data ended too early.
    if (count <= 0 || gif->SavedImages[count - 1].RasterBits == nullptr || gif->Error == D_GIF_ERR_EOF_TOO_SOON) {
      return fail(std::string("failed to slurp gif file: ") + GifError(gif->Error));
    }
  }
  if (gif->ImageCount <= 0) return fail("gif file does not contain any image");
  int64_t width = 0, height = 0;
  for (int k = 0; k < gif->ImageCount; ++k) {
    width = std::max<int64_t>(width, gif->SavedImages[k].ImageDesc.Width);
    height = std::max<int64_t>(height, gif->SavedImages[k].ImageDesc.Height);
  }
  const int frames = r.expand_animations ? gif->ImageCount : 1;
  // DecodeGif and DecodeImage with expand_animations: 4-D; without: frame 0, 3-D.
  const bool four_d = r.op == DecodeOp::kGif || r.expand_animations;
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(
      0, four_d ? Shape({frames, height, width, int64_t{3}}) : Shape({height, width, int64_t{3}})));
  const int64_t n = frames * height * width * 3;
  if (r.dtype == DType::kUInt8) {
    const std::string error = Compose(gif.get(), frames, width, height, ctx.output(0).data<uint8_t>());
    return error.empty() ? Status::Ok() : fail(error);
  }
  std::unique_ptr<uint8_t[]> buffer(new uint8_t[static_cast<size_t>(std::max<int64_t>(n, 1))]);
  const std::string error = Compose(gif.get(), frames, width, height, buffer.get());
  if (!error.empty()) return fail(error);
  Widen8(ctx, buffer.get(), n, r.dtype, ctx.output(0).data<void>());
  return Status::Ok();
}

}  // namespace image
}  // namespace opbridge
