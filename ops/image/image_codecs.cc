// TF's image decoding kernel (DecodeImageV2Op) on libpng and libjpeg-turbo,
// the libraries TF itself wraps (image_codecs.h says why one kernel serves
// every decoding op). Each step makes the library calls TF's wrappers make
// (tensorflow/core/lib/png/png_io.cc, lib/jpeg/jpeg_mem.cc, jpeg_handle.cc),
// in their order, so every conversion (palette, tRNS, gray+alpha, 16 bits,
// the gray weights, CMYK, DCT method, upsampling, scaling, truncated data)
// is the library's own and the pixels are TF's; TF's errors are ours, word
// for word. BMP is TF's own code (no library), re-done here.
//
// Both libraries report fatal errors by longjmp. The functions that call
// setjmp hold no C++ object with a destructor across the library calls, and
// what they read back after a jump lives in memory (volatile or behind a
// pointer), so no destructor is skipped and no register value is stale.
#include "image_codecs.h"

#include <png.h>  // includes <setjmp.h> itself (libpng refuses it included first)

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE and size_t declared
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>

#include <jpeglib.h>
// After jpeglib.h: the error codes and ERREXIT/WARNMS of TF's source manager.
#include <jerror.h>

// What libpng's and libjpeg's default message printers write to, in place of
// libc's stderr, which their archives reference in a way a shared library
// cannot (cmake/ImageCodecs.cmake). Never written: the kernels install their
// own error and message handlers.
extern "C" __attribute__((visibility("hidden"))) FILE* opbridge_codec_stderr;
FILE* opbridge_codec_stderr = stderr;

namespace opbridge {
namespace image {
namespace {

constexpr char kPngMagic[] = "\x89\x50\x4E\x47\x0D\x0A\x1A\x0A";
constexpr char kGifMagic[] = "\x47\x49\x46\x38";
constexpr char kBmpMagic[] = "\x42\x4d";
constexpr char kJpegMagic[] = "\xff\xd8\xff";
constexpr char kRiffMagic[] = "\x52\x49\x46\x46";
constexpr char kWebpMagic[] = "\x57\x45\x42\x50";

enum class Format { kUnknown, kPng, kJpeg, kGif, kBmp, kWebp, kJxl };

bool StartsWith(std::string_view data, const char* magic) {
  const size_t n = std::strlen(magic);
  return data.size() >= n && std::memcmp(data.data(), magic, n) == 0;
}

// TF's ClassifyFileFormat, in its order. JPEG XL: its codestream signature
// (FF 0A) or its container's first box (libjxl's JxlSignatureCheck, which
// TF's HasJxlHeader calls).
Format Classify(std::string_view data) {
  if (StartsWith(data, kJpegMagic)) return Format::kJpeg;
  if (StartsWith(data, kPngMagic)) return Format::kPng;
  if (StartsWith(data, kGifMagic)) return Format::kGif;
  if (StartsWith(data, kBmpMagic)) return Format::kBmp;
  if (StartsWith(data, kRiffMagic) && data.size() > 12 && StartsWith(data.substr(8), kWebpMagic)) {
    return Format::kWebp;
  }
  static const char kJxlBox[] = "\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a";
  if (data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0xff && data[1] == 0x0a) return Format::kJxl;
  if (data.size() >= 12 && std::memcmp(data.data(), kJxlBox, 12) == 0) return Format::kJxl;
  return Format::kUnknown;
}

// The 4-D ops (DecodeGif) return a leading frame dimension of 1 for still images.
Shape StillShape(const DecodeRequest& r, int64_t height, int64_t width, int64_t channels) {
  if (r.op == DecodeOp::kGif) return Shape({1, height, width, channels});
  return Shape({height, width, channels});
}

}  // namespace

// uint8 pixels as the requested dtype, TF's way: uint16 is v * 256
// (floor(65536 / 256)), float is v * float(1.0 / 255).
void Widen8(KernelContext& ctx, const uint8_t* in, int64_t n, DType dtype, void* out) {
  if (dtype == DType::kUInt16) {
    auto* o = static_cast<uint16_t*>(out);
    ctx.ParallelFor(n, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = static_cast<uint16_t>(in[i] * 256);
    });
  } else {
    auto* o = static_cast<float*>(out);
    const float scale = static_cast<float>(1.0 / 255);
    ctx.ParallelFor(n, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = static_cast<float>(in[i]) * scale;
    });
  }
}

namespace {

// ---------------------------------------------------------------------------
// PNG: png_io.cc's CommonInitDecode / CommonFinishDecode.

struct PngDecode {
  png_structp png = nullptr;
  png_infop info = nullptr;
  const uint8_t* data = nullptr;
  size_t data_left = 0;
  bool error = false;
  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0;
  int channels = 0;
  int num_passes = 0;
  bool synthesize_16 = false;
};

void PngFree(PngDecode* d) {
  if (d->png) {
    png_destroy_read_struct(&d->png, d->info ? &d->info : nullptr, nullptr);
    d->png = nullptr;
    d->info = nullptr;
  }
}

void PngError(png_structp png, png_const_charp) {
  static_cast<PngDecode*>(png_get_io_ptr(png))->error = true;
  png_longjmp(png, 1);
}

// TF logs warnings (bad CRCs of ancillary chunks, ...); the decode goes on.
void PngWarning(png_structp, png_const_charp) {}

void PngRead(png_structp png, png_bytep out, png_size_t length) {
  auto* d = static_cast<PngDecode*>(png_get_io_ptr(png));
  if (d->data_left < length) png_error(png, "More bytes requested to read than available");
  std::memcpy(out, d->data, length);
  d->data += length;
  d->data_left -= length;
}

bool PngInit(std::string_view input, int desired_channels, int desired_bits, PngDecode* d) {
  d->error = false;
  d->channels = desired_channels;
  d->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, d, PngError, PngWarning);
  if (!d->png) return false;
  if (setjmp(png_jmpbuf(d->png))) {
    PngFree(d);
    return false;
  }
  d->info = png_create_info_struct(d->png);
  if (!d->info || d->error) {
    PngFree(d);
    return false;
  }
  d->data = reinterpret_cast<const uint8_t*>(input.data());
  d->data_left = input.size();
  png_set_read_fn(d->png, d, PngRead);
  png_read_info(d->png, d->info);
  png_get_IHDR(d->png, d->info, &d->width, &d->height, &d->bit_depth, &d->color_type, nullptr, nullptr, nullptr);
  if (d->error || d->width <= 0 || d->height <= 0) {
    PngFree(d);
    return false;
  }
  const bool has_trns = png_get_valid(d->png, d->info, PNG_INFO_tRNS) != 0;
  if (d->channels == 0) {
    if (d->color_type == PNG_COLOR_TYPE_PALETTE) {
      d->channels = has_trns ? 4 : 3;
    } else {
      d->channels = png_get_channels(d->png, d->info);
    }
  }
  const bool has_alpha = (d->color_type & PNG_COLOR_MASK_ALPHA) != 0;
  if ((d->channels & 1) == 0) {  // alpha wanted
    if (!has_alpha) {
      if (has_trns) {
        png_set_tRNS_to_alpha(d->png);
      } else {
        // TF's filler is (1 << bit_depth) - 1 of the file's depth, also for
        // palettes of 1-4 bits: libpng writes its low byte.
        png_set_add_alpha(d->png, (1 << d->bit_depth) - 1, PNG_FILLER_AFTER);
      }
    }
  } else if (has_alpha || has_trns) {
    png_set_strip_alpha(d->png);
  }
  if (d->bit_depth > 8 && desired_bits <= 8) png_set_strip_16(d->png);
  d->synthesize_16 = d->bit_depth <= 8 && desired_bits == 16;
  png_set_packing(d->png);
  d->num_passes = png_set_interlace_handling(d->png);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (desired_bits > 8) png_set_swap(d->png);
#endif
  if (d->color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(d->png);
  const bool want_gray = d->channels < 3;
  const bool is_gray = !(d->color_type & PNG_COLOR_MASK_COLOR);
  if (is_gray && d->bit_depth < 8) png_set_expand_gray_1_2_4_to_8(d->png);
  if (want_gray) {
    if (!is_gray) png_set_rgb_to_gray(d->png, 1, 0.299, 0.587);  // TF's Rec. 601 weights
  } else if (is_gray) {
    png_set_gray_to_rgb(d->png);
  }
  png_read_update_info(d->png, d->info);
  return true;
}

// 8-bit rows widened in place to 16 bits (v | v << 8), backwards: png_io.cc's Convert8to16.
void Synthesize16(uint8_t* data, int64_t row_bytes, int64_t width, int64_t height, int64_t channels) {
  const int64_t n = width * channels;
  for (int64_t y = height; y-- > 0;) {
    const uint8_t* p8 = data + y * row_bytes;
    auto* p16 = reinterpret_cast<uint16_t*>(data + y * row_bytes);
    for (int64_t i = n; i-- > 0;) {
      const uint32_t v = p8[i];
      p16[i] = static_cast<uint16_t>(v | v << 8);
    }
  }
}

bool PngFinish(png_bytep out, int64_t row_bytes, PngDecode* d) {
  if (setjmp(png_jmpbuf(d->png))) {
    PngFree(d);
    return false;
  }
  for (int p = 0; p < d->num_passes; ++p) {
    png_bytep row = out;
    for (png_uint_32 h = d->height; h-- != 0; row += row_bytes) png_read_row(d->png, row, nullptr);
  }
  png_set_rows(d->png, d->info, png_get_rows(d->png, d->info));
  png_read_end(d->png, d->info);
  const bool ok = !d->error;
  PngFree(d);
  if (d->synthesize_16) Synthesize16(out, row_bytes, d->width, d->height, d->channels);
  return ok;
}

Status DecodePng(KernelContext& ctx, const DecodeRequest& r, std::string_view input) {
  const int bits = r.dtype == DType::kUInt8 ? 8 : 16;
  PngDecode d;
  OPBRIDGE_REQUIRE(PngInit(input, static_cast<int>(r.channels), bits, &d), "Invalid PNG. Failed to initialize decoder.");
  // Freed on every path from here (PngFinish frees it itself).
  std::unique_ptr<PngDecode, void (*)(PngDecode*)> cleanup(&d, PngFree);
  const int64_t width = d.width, height = d.height;
  if (width >= (int64_t{1} << 27) || height >= (int64_t{1} << 27) || width * height >= (int64_t{1} << 29)) {
    return Errorf("PNG size too large for int: ", d.width, " by ", d.height);
  }
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, StillShape(r, height, width, d.channels)));
  if (r.op == DecodeOp::kBmp) {
    return Errorf("Trying to decode PNG format using DecodeBmp op. Use `decode_png` or `decode_image` instead.");
  }
  if (r.op == DecodeOp::kAndCropJpeg) {
    return Errorf("DecodeAndCropJpeg operation can run on JPEG only, but detected PNG.");
  }
  const std::string size_error = "Invalid PNG data, size ";
  if (r.dtype == DType::kUInt8 || r.dtype == DType::kUInt16) {
    auto* out = static_cast<png_bytep>(ctx.output(0).data<void>());
    OPBRIDGE_REQUIRE(PngFinish(out, d.channels * width * (bits / 8), &d), size_error, input.size());
    return Status::Ok();
  }
  // float: decoded losslessly as uint16, then v * float(1.0 / 65535).
  const int64_t n = height * width * d.channels;
  std::unique_ptr<uint16_t[]> buffer(new uint16_t[static_cast<size_t>(n)]);
  OPBRIDGE_REQUIRE(PngFinish(reinterpret_cast<png_bytep>(buffer.get()), d.channels * width * 2, &d), size_error,
                   input.size());
  float* out = ctx.output(0).data<float>();
  const float scale = static_cast<float>(1.0 / 65535);
  const uint16_t* in = buffer.get();
  ctx.ParallelFor(n, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = static_cast<float>(in[i]) * scale;
  });
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// JPEG: jpeg_handle.cc's memory source and error exit, jpeg_mem.cc's Uncompress.

struct JpegSource {
  jpeg_source_mgr pub;
  const JOCTET* data;
  unsigned long size;  // NOLINT(runtime/int): libjpeg's type
  bool try_recover_truncated;
};

const JOCTET kFakeEoi[2] = {0xff, JPEG_EOI};

void JpegInitSource(j_decompress_ptr cinfo) {
  auto* src = reinterpret_cast<JpegSource*>(cinfo->src);
  src->pub.next_input_byte = src->data;
  src->pub.bytes_in_buffer = src->size;
}

// TF's fill_input_buffer: an empty file is an error; with data left (a
// corrupt stream) it suspends (FALSE) unless recovering truncated files, and
// at the end it then inserts one fake EOI marker, after which it is an error.
boolean JpegFill(j_decompress_ptr cinfo) {
  auto* src = reinterpret_cast<JpegSource*>(cinfo->src);
  if (src->pub.bytes_in_buffer == 0 && src->pub.next_input_byte == src->data) {
    ERREXIT(cinfo, JERR_INPUT_EMPTY);
    return FALSE;
  }
  if (src->pub.bytes_in_buffer) return src->try_recover_truncated ? TRUE : FALSE;
  if (src->pub.next_input_byte != kFakeEoi && src->try_recover_truncated) {
    WARNMS(cinfo, JWRN_JPEG_EOF);
    src->pub.next_input_byte = kFakeEoi;
    src->pub.bytes_in_buffer = 2;
    return TRUE;
  }
  ERREXIT(cinfo, JERR_FILE_READ);
  return FALSE;
}

void JpegSkip(j_decompress_ptr cinfo, long jump) {  // NOLINT(runtime/int)
  auto* src = reinterpret_cast<JpegSource*>(cinfo->src);
  if (jump < 0) return;
  if (static_cast<unsigned long>(jump) > src->pub.bytes_in_buffer) {  // NOLINT(runtime/int)
    src->pub.bytes_in_buffer = 0;
    (void)JpegFill(cinfo);
  } else {
    src->pub.bytes_in_buffer -= static_cast<size_t>(jump);
    src->pub.next_input_byte += jump;
  }
}

void JpegTermSource(j_decompress_ptr) {}

void JpegSetSource(j_decompress_ptr cinfo, std::string_view data, bool try_recover) {
  auto* src = static_cast<JpegSource*>(
      (*cinfo->mem->alloc_small)(reinterpret_cast<j_common_ptr>(cinfo), JPOOL_PERMANENT, sizeof(JpegSource)));
  cinfo->src = &src->pub;
  src->pub.init_source = JpegInitSource;
  src->pub.fill_input_buffer = JpegFill;
  src->pub.skip_input_data = JpegSkip;
  src->pub.resync_to_restart = jpeg_resync_to_restart;
  src->pub.term_source = JpegTermSource;
  src->data = reinterpret_cast<const JOCTET*>(data.data());
  src->size = data.size();
  src->pub.bytes_in_buffer = 0;
  src->pub.next_input_byte = nullptr;
  src->try_recover_truncated = try_recover;
}

// TF's CatchError without the message TF prints to stderr.
void JpegErrorExit(j_common_ptr cinfo) {
  auto* jump = static_cast<std::jmp_buf*>(cinfo->client_data);
  jpeg_destroy(cinfo);
  std::longjmp(*jump, 1);
}

// libjpeg's default prints the first warning to stderr; only counted here.
void JpegEmitMessage(j_common_ptr cinfo, int level) {
  if (level < 0) cinfo->err->num_warnings++;
}

struct CropWindow {
  bool crop = false;
  int y = 0, x = 0, height = 0, width = 0;
};

// What the decode reports back past a possible longjmp.
struct JpegRun {
  std::function<uint8_t*(int, int, int)> allocate;
  int height_read = 0;
  int height = 0;
  int stride = 0;
};

// A decode's libjpeg state and its scratch row, in memory the error exit's
// longjmp target reads back (JpegUncompressLow).
struct JpegState {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr jerr;
  std::jmp_buf jump;
  JSAMPLE* tempdata = nullptr;
};

// The decode between setjmp and a possible longjmp, in its own frame: none
// of its locals is read after a jump.
__attribute__((noinline)) uint8_t* JpegDecodeBody(JpegState* s, std::string_view data, const JpegFlags& flags,
                                                  int components, const CropWindow& crop, JpegRun* run) {
  jpeg_decompress_struct& cinfo = s->cinfo;
  JSAMPLE*& tempdata = s->tempdata;
  bool unexpected_end = false, bad_param = false;
  jpeg_create_decompress(&cinfo);
  JpegSetSource(&cinfo, data, flags.try_recover_truncated);
  jpeg_read_header(&cinfo, TRUE);
  if (components == 0) components = std::min(cinfo.num_components, 3);
  switch (components) {
    case 1:
      cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case 3:
      // CMYK and YCCK files decode to CMYK, converted to RGB below.
      cinfo.out_color_space =
          cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK ? JCS_CMYK : JCS_RGB;
      break;
    default:
      jpeg_destroy_decompress(&cinfo);
      return nullptr;
  }
  cinfo.do_fancy_upsampling = static_cast<boolean>(flags.fancy_upscaling);
  cinfo.scale_num = 1;
  cinfo.scale_denom = static_cast<unsigned int>(flags.ratio);
  cinfo.dct_method = flags.dct_islow ? JDCT_ISLOW : JDCT_IFAST;
  jpeg_calc_output_dimensions(&cinfo);
  const int64_t total = int64_t{cinfo.output_height} * cinfo.output_width * cinfo.num_components;
  if (cinfo.output_width <= 0 || cinfo.output_height <= 0 || total >= (int64_t{1} << 29)) {
    jpeg_destroy_decompress(&cinfo);
    return nullptr;
  }
  jpeg_start_decompress(&cinfo);
  JDIMENSION out_width = cinfo.output_width, out_height = cinfo.output_height, skipped = 0;
  if (crop.crop) {
    out_height = static_cast<JDIMENSION>(crop.height);
    out_width = static_cast<JDIMENSION>(crop.width);
    const bool valid = crop.width > 0 && crop.height > 0 && crop.x >= 0 && crop.y >= 0 &&
                       int64_t{crop.y} + crop.height <= int64_t{cinfo.output_height} &&
                       int64_t{crop.x} + crop.width <= int64_t{cinfo.output_width};
    if (!valid) {
      jpeg_destroy_decompress(&cinfo);
      return nullptr;
    }
    // The decoded columns start on an iMCU boundary at or left of crop.x.
    JDIMENSION crop_x = static_cast<JDIMENSION>(crop.x), crop_width = static_cast<JDIMENSION>(crop.width);
    jpeg_crop_scanline(&cinfo, &crop_x, &crop_width);
    skipped = jpeg_skip_scanlines(&cinfo, static_cast<JDIMENSION>(crop.y));
  }
  const int stride = static_cast<int>(out_width) * components;
  run->height = static_cast<int>(out_height);
  run->stride = stride;
  uint8_t* dst = run->allocate(static_cast<int>(out_width), static_cast<int>(out_height), components);
  if (dst == nullptr) {
    jpeg_destroy_decompress(&cinfo);
    return nullptr;
  }
  JSAMPLE* line = dst;
  const bool realign = out_width != cinfo.output_width;
  const bool cmyk = cinfo.out_color_space == JCS_CMYK;
  if (cmyk) {
    tempdata = new JSAMPLE[cinfo.output_width * 4];
  } else if (realign) {
    tempdata = new JSAMPLE[cinfo.output_width * static_cast<unsigned>(components)];
  }
  run->height_read = static_cast<int>(out_height);
  const JDIMENSION last = skipped + out_height;
  const int align = static_cast<int>(cinfo.output_width - out_width) * (cmyk ? 4 : components);
  while (cinfo.output_scanline < last) {
    JDIMENSION lines = 0;
    if (cmyk) {
      JSAMPLE* temp = tempdata;
      lines = jpeg_read_scanlines(&cinfo, &temp, 1);
      if (lines > 0) {
        for (JDIMENSION i = 0; i < out_width; ++i) {
          const int offset = 4 * static_cast<int>(i) + (realign ? align : 0);
          const int c = temp[offset], m = temp[offset + 1], y = temp[offset + 2], k = temp[offset + 3];
          int r, g, b;
          if (cinfo.saw_Adobe_marker) {  // Adobe's CMYK is stored inverted
            r = (k * c) / 255;
            g = (k * m) / 255;
            b = (k * y) / 255;
          } else {
            r = (255 - k) * (255 - c) / 255;
            g = (255 - k) * (255 - m) / 255;
            b = (255 - k) * (255 - y) / 255;
          }
          line[3 * i] = static_cast<JSAMPLE>(r);
          line[3 * i + 1] = static_cast<JSAMPLE>(g);
          line[3 * i + 2] = static_cast<JSAMPLE>(b);
        }
      }
    } else if (realign) {
      JSAMPLE* temp = tempdata;
      lines = jpeg_read_scanlines(&cinfo, &temp, 1);
      if (lines > 0) std::memcpy(line, temp + align, static_cast<size_t>(stride));
    } else {
      lines = jpeg_read_scanlines(&cinfo, &line, 1);
    }
    if (lines == 0) {  // the data ended (a suspending source) before the last row
      if (!flags.try_recover_truncated) {
        run->height_read = static_cast<int>(cinfo.output_scanline - skipped);
        unexpected_end = true;
      } else {
        // The missing rows repeat the row above (black for a first row).
        for (JDIMENSION row = cinfo.output_scanline; row < last; ++row) {
          if (row == 0) {
            std::memset(line, 0, static_cast<size_t>(stride));
          } else {
            std::memcpy(line, line - stride, static_cast<size_t>(stride));
          }
          line += stride;
        }
        run->height_read = static_cast<int>(out_height);
        cinfo.output_scanline = last;
      }
      break;
    }
    line += stride;
  }
  delete[] tempdata;
  tempdata = nullptr;
  if (crop.crop && cinfo.output_scanline < cinfo.output_height) {
    jpeg_skip_scanlines(&cinfo, cinfo.output_height - static_cast<JDIMENSION>(crop.y + crop.height));
  }
  if (components == 1) {
    if (cinfo.output_components != 1) bad_param = true;
  } else if (cmyk ? cinfo.output_components != 4 : cinfo.output_components != 3) {
    bad_param = true;
  }
  if (!unexpected_end && !bad_param) {
    jpeg_finish_decompress(&cinfo);
  } else {
    jpeg_abort(reinterpret_cast<j_common_ptr>(&cinfo));
  }
  jpeg_destroy_decompress(&cinfo);
  return dst;
}

uint8_t* JpegUncompressLow(std::string_view data, const JpegFlags& flags, int components, const CropWindow& crop,
                           JpegRun* run) {
  if (data.empty()) return nullptr;
  JpegState s;
  s.cinfo.err = jpeg_std_error(&s.jerr);
  s.jerr.error_exit = JpegErrorExit;
  s.jerr.emit_message = JpegEmitMessage;
  s.cinfo.client_data = &s.jump;
  if (setjmp(s.jump)) {
    delete[] s.tempdata;
    return nullptr;
  }
  return JpegDecodeBody(&s, data, flags, components, crop, run);
}

// jpeg_mem.cc's Uncompress: the fraction of rows read must reach
// min(1, acceptable_fraction); rows not read are black.
uint8_t* JpegUncompress(std::string_view data, const JpegFlags& flags, int components, const CropWindow& crop,
                        JpegRun* run) {
  uint8_t* dst = JpegUncompressLow(data, flags, components, crop, run);
  const float fraction = run->height == 0 ? 1.0f : static_cast<float>(run->height_read) / run->height;
  if (dst == nullptr || fraction < std::min(1.0f, static_cast<float>(flags.acceptable_fraction))) return nullptr;
  if (run->height_read != run->height) {
    std::memset(dst + int64_t{run->height_read} * run->stride, 0,
                static_cast<size_t>(int64_t{run->height - run->height_read} * run->stride));
  }
  return dst;
}

Status DecodeJpeg(KernelContext& ctx, const DecodeRequest& r, std::string_view input) {
  OPBRIDGE_REQUIRE(r.channels == 0 || r.channels == 1 || r.channels == 3, "JPEG does not support 4 channels");
  CropWindow crop;
  if (r.op == DecodeOp::kAndCropJpeg) {
    const ConstTensor& window = ctx.input(1);
    OPBRIDGE_REQUIRE(window.rank() == 1, "crop_window must be 1-D, got shape ", window.shape().ToString());
    OPBRIDGE_REQUIRE(window.dim(0) == 4, "crop_size must have four elements ", window.shape().ToString());
    const int32_t* w = window.data<int32_t>();
    crop = {true, w[0], w[1], w[2], w[3]};
  } else if (r.op == DecodeOp::kBmp) {
    return Errorf("Trying to decode JPEG format using DecodeBmp op. Use `decode_jpeg` or `decode_image` instead.");
  }
  Status allocated = Status::Ok();
  std::unique_ptr<uint8_t[]> buffer;  // the uint8 pixels of a uint16 or float output
  int64_t size = 0;
  JpegRun run;
  run.allocate = [&](int width, int height, int channels) -> uint8_t* {
    size = int64_t{height} * width * channels;
    allocated = ctx.AllocateOutput(0, StillShape(r, height, width, channels));
    if (!allocated.ok()) return nullptr;
    if (r.dtype == DType::kUInt8) return ctx.output(0).data<uint8_t>();
    buffer.reset(new uint8_t[static_cast<size_t>(size)]);
    return buffer.get();
  };
  uint8_t* pixels = JpegUncompress(input, r.jpeg, static_cast<int>(r.channels), crop, &run);
  OPBRIDGE_RETURN_IF_ERROR(allocated);
  OPBRIDGE_REQUIRE(pixels != nullptr, "jpeg::Uncompress failed. Invalid JPEG data or crop window.");
  if (r.dtype != DType::kUInt8) Widen8(ctx, pixels, size, r.dtype, ctx.output(0).data<void>());
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// BMP: TF's own decoder (decode_image_op.cc), little-endian fields.

int32_t Le32(const uint8_t* p) {
  return static_cast<int32_t>(uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24);
}

void BmpPixels(const uint8_t* in, int row_size, uint8_t* out, int width, int height, int out_channels,
               int in_channels, bool top_down) {
  for (int i = 0; i < height; ++i) {
    const uint8_t* src = in + static_cast<int64_t>(top_down ? i : height - 1 - i) * row_size;
    uint8_t* dst = out + static_cast<int64_t>(i) * width * out_channels;
    for (int j = 0; j < width; ++j, src += in_channels, dst += out_channels) {
      if (in_channels == 1) {
        dst[0] = src[0];
        if (out_channels >= 3) dst[1] = dst[2] = src[0];
        if (out_channels == 4) dst[3] = 255;
      } else {  // BGR(A) -> RGB(A)
        dst[0] = src[2];
        dst[1] = src[1];
        dst[2] = src[0];
        if (out_channels == 4) dst[3] = in_channels == 4 ? src[3] : 255;
      }
    }
  }
}

Status DecodeBmp(KernelContext& ctx, const DecodeRequest& r, std::string_view input) {
  OPBRIDGE_REQUIRE(r.channels != 1, "`channels` must be 0, 3 or 4 for BMP, but got ", r.channels);
  if (r.op == DecodeOp::kAndCropJpeg) {
    return Errorf("DecodeAndCropJpeg operation can run on JPEG only, but detected BMP.");
  }
  if (r.op != DecodeOp::kBmp && r.op != DecodeOp::kImage) {
    return Errorf("Trying to decode BMP format using a wrong op. Use `decode_bmp` or `decode_image` instead. Op used: ",
                  r.op_name);
  }
  OPBRIDGE_REQUIRE(input.size() >= 32,
                   "Incomplete bmp content, requires at least 32 bytes to find the header size, width, height, and "
                   "bpp, got ",
                   input.size(), " bytes");
  const auto* bytes = reinterpret_cast<const uint8_t*>(input.data());
  const int32_t header_size = Le32(bytes + 10), width = Le32(bytes + 18), height = Le32(bytes + 22);
  const auto bpp = static_cast<int16_t>(bytes[28] | bytes[29] << 8);
  const int img_channels = bpp / 8;
  OPBRIDGE_REQUIRE(img_channels == 1 || img_channels == 3 || img_channels == 4,
                   "Number of channels inherent in the image must be 1, 3 or 4, was ", img_channels);
  const int channels = r.channels ? static_cast<int>(r.channels) : img_channels;
  OPBRIDGE_REQUIRE(width > 0, "Width must be positive");
  OPBRIDGE_REQUIRE(height != 0, "Height must be nonzero");
  OPBRIDGE_REQUIRE(header_size >= 0, "header size must be nonnegative");
  OPBRIDGE_REQUIRE(int64_t{width} * std::abs(int64_t{height}) < int64_t{std::numeric_limits<int32_t>::max() / 8},
                   "Total possible pixel bytes must be less than 2^30");
  const int32_t abs_height = std::abs(height);
  const int row_size = (img_channels * width + 3) / 4 * 4;
  // TF subtracts in size_t and keeps the low 32 bits.
  const auto size_diff = static_cast<int>(static_cast<uint32_t>(
      input.size() - static_cast<size_t>(header_size) - static_cast<size_t>(row_size * abs_height)));
  OPBRIDGE_REQUIRE(size_diff == 0, "Input size should match (header_size + row_size * abs_height) but they differ by ",
                   size_diff);
  const int64_t expected =
      int64_t{header_size} + int64_t{abs_height - 1} * row_size + int64_t{width - 1} * img_channels + img_channels;
  OPBRIDGE_REQUIRE(static_cast<uint64_t>(expected) <= input.size(), "Incomplete bmp content, requires at least ",
                   expected, " bytes, got ", input.size(), " bytes");
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({abs_height, width, channels})));
  const uint8_t* pixels = bytes + header_size;
  if (r.dtype == DType::kUInt8) {
    BmpPixels(pixels, row_size, ctx.output(0).data<uint8_t>(), width, abs_height, channels, img_channels, height < 0);
    return Status::Ok();
  }
  const int64_t n = int64_t{abs_height} * width * channels;
  std::unique_ptr<uint8_t[]> buffer(new uint8_t[static_cast<size_t>(n)]);
  BmpPixels(pixels, row_size, buffer.get(), width, abs_height, channels, img_channels, height < 0);
  Widen8(ctx, buffer.get(), n, r.dtype, ctx.output(0).data<void>());
  return Status::Ok();
}

}  // namespace

Status CheckChannels(int64_t channels) {
  OPBRIDGE_REQUIRE(channels == 0 || channels == 1 || channels == 3 || channels == 4,
                   "`channels` must be 0, 1, 3 or 4 but got ", channels);
  return Status::Ok();
}

Status JpegFlagsFrom(int64_t ratio, bool fancy_upscaling, bool try_recover_truncated, double acceptable_fraction,
                     std::string_view dct_method, JpegFlags* flags) {
  OPBRIDGE_REQUIRE(ratio == 1 || ratio == 2 || ratio == 4 || ratio == 8, "ratio must be 1, 2, 4, or 8, got ", ratio);
  OPBRIDGE_REQUIRE(dct_method.empty() || dct_method == "INTEGER_FAST" || dct_method == "INTEGER_ACCURATE",
                   "dct_method must be one of {'', 'INTEGER_FAST', 'INTEGER_ACCURATE'}");
  flags->ratio = ratio;
  flags->fancy_upscaling = fancy_upscaling;
  flags->try_recover_truncated = try_recover_truncated;
  flags->acceptable_fraction = acceptable_fraction;
  flags->dct_islow = dct_method == "INTEGER_ACCURATE";
  return Status::Ok();
}

Status DecodeImageKernel(KernelContext& ctx, const DecodeRequest& r) {
  const ConstTensor& contents = ctx.input(0);
  OPBRIDGE_REQUIRE(contents.rank() == 0, "`contents` must be scalar but got shape", contents.shape().ToString());
  const std::string_view input = contents.data<std::string_view>()[0];
  OPBRIDGE_REQUIRE(!input.empty(), "Input is empty.");
  OPBRIDGE_REQUIRE(input.size() <= static_cast<size_t>(std::numeric_limits<int>::max()),
                   "Input contents are too large for int: ", input.size());
  switch (Classify(input)) {
    case Format::kJpeg:
      return DecodeJpeg(ctx, r, input);
    case Format::kPng:
      return DecodePng(ctx, r, input);
    case Format::kBmp:
      return DecodeBmp(ctx, r, input);
    case Format::kGif:
      // TF decodes GIF with giflib; so do DecodeGif and DecodeImage (gif_codec.cc).
      // The other ops here link no giflib and refuse it.
      OPBRIDGE_REQUIRE(r.channels == 0 || r.channels == 3, "channels must be 0 or 3 for GIF, got ", r.channels);
      if (r.op == DecodeOp::kBmp) {
        return Errorf("Trying to decode GIF format using DecodeBmp op. Use `decode_gif` or `decode_image` instead.");
      }
      if (r.gif != nullptr) return r.gif(ctx, r, input);
      return Errorf("the input is a GIF image, which opbridge's kernel cannot decode (TF decodes it with giflib; "
                    "opbridge's image decoders cover JPEG, PNG and BMP)");
    case Format::kWebp:
      return Errorf("the input is a WebP image, which opbridge's kernel cannot decode (opbridge's image decoders "
                    "cover JPEG, PNG and BMP)");
    case Format::kJxl:
      return Errorf("the input is a JPEG XL image, which opbridge's kernel cannot decode (opbridge's image decoders "
                    "cover JPEG, PNG and BMP)");
    case Format::kUnknown:
      break;
  }
  return Errorf("Unknown image file format. One of JPEG, JPEG XL, PNG, GIF, BMP, WebP required.");
}

bool JpegImageInfo(std::string_view data, int64_t* height, int64_t* width, int64_t* components) {
  if (data.empty()) return false;
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jerr.error_exit = JpegErrorExit;
  jerr.emit_message = JpegEmitMessage;
  std::jmp_buf jump;
  cinfo.client_data = &jump;
  if (setjmp(jump)) return false;
  jpeg_create_decompress(&cinfo);
  JpegSetSource(&cinfo, data, false);
  jpeg_read_header(&cinfo, TRUE);
  // The output size from the header alone: TF 2.21 reads no scan (a
  // progressive file cut short or corrupt past its header still has a shape;
  // measured, tests/test_parity_image_decode.py).
  jpeg_calc_output_dimensions(&cinfo);
  *height = cinfo.output_height;
  *width = cinfo.output_width;
  *components = cinfo.output_components;
  jpeg_destroy_decompress(&cinfo);
  return true;
}

Status Decode3dShape(ShapeContext& ctx, int64_t channels) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 0));
  ctx.set_output(0, Shape({kUnknownDim, kUnknownDim, channels ? channels : kUnknownDim}));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

}  // namespace image
}  // namespace opbridge
