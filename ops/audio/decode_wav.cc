// DecodeWav: tf.audio.decode_wav, a 16-bit PCM WAV file (a string scalar) to
// audio [samples, channels] float (each sample / 32768) and its sample_rate
// (int32 scalar), with TF's parser (tensorflow/core/lib/wav/wav_io.cc) step
// for step, so that every file TF reads gives the same floats and every file
// it refuses the same error:
//   - "RIFF", a size (unchecked), "WAVE"; chunks JUNK, bext, iXML, qlty,
//     mext, levl, link, axml skipped before "fmt ", any other id is
//     "Unexpected field <id>";
//   - the format chunk: size 16 or 18, format 1 (PCM), channels >= 1,
//     16 bits, bytes per frame 2 * channels, bytes per second that times the
//     rate (in 64 bits, so a wrapped 32-bit field is refused), each with
//     TF's message;
//   - then chunks up to the end: a chunk above 2^31 - 1 bytes is an error,
//     "data" (once) holds size / bytes-per-frame whole frames (a ragged tail
//     is parsed as the next chunk's header), others are skipped.
// Offsets are TF's int: checked reads and skips add in 64 bits against the
// size; the unchecked skip of a chunk after the format wraps as TF's int does
// (a skip past 2^31 ends the scan).
// desired_channels / desired_samples (-1: the file's) crop, zero-pad
// samples, and repeat the last channel; their checks (>= -1) come after the
// file is parsed, as in TF.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "opbridge/op.h"

namespace opbridge {
namespace {

struct DecodeWavParams {
  int64_t desired_channels = -1;
  int64_t desired_samples = -1;

  static void Declare(ParamBinder& b, DecodeWavParams& p) {
    b.Attr("desired_channels: int = -1", &p.desired_channels);
    b.Attr("desired_samples: int = -1", &p.desired_samples);
  }
  Status Validate() const {
    // TF's kernel reads both as int32 (GetAttr fails outside its range).
    OPBRIDGE_REQUIRE(desired_channels >= INT32_MIN && desired_channels <= INT32_MAX,
                     "Attr desired_channels has value ", desired_channels, " out of range for an int32");
    OPBRIDGE_REQUIRE(desired_samples >= INT32_MIN && desired_samples <= INT32_MAX,
                     "Attr desired_samples has value ", desired_samples, " out of range for an int32");
    return Status::Ok();
  }
};

// A chunk id or header text for an error message: TF prints the file's bytes
// as they are; bytes outside printable ASCII are written \xNN here, so that
// the message stays valid UTF-8 (Python's runtimes fail to decode it otherwise).
std::string Printable(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The file and TF's read position (an int, as TF's).
class WavReader {
 public:
  explicit WavReader(std::string_view data) : data_(data) {}
  int32_t offset() const { return offset_; }
  void Skip(uint32_t n) { offset_ = Wrap(static_cast<uint32_t>(offset_) + n); }
  // TF's `offset < wav_string.size()`: a negative int compares as a huge size_t.
  bool More() const { return offset_ >= 0 && static_cast<uint64_t>(offset_) < data_.size(); }

  // TF's IncrementOffset: the new position, or its error.
  Status Advance(int64_t increment, int32_t* next) const {
    OPBRIDGE_REQUIRE(offset_ >= 0, "Negative offsets are not allowed: ", offset_);
    OPBRIDGE_REQUIRE(increment >= 0, "Negative increment is not allowed: ", increment);
    OPBRIDGE_REQUIRE(static_cast<uint64_t>(offset_) <= data_.size(), "Initial offset is outside data range: ",
                     offset_);
    // The sum in 64 bits, checked before it is narrowed (a JUNK chunk of
    // 2^32 - 1 bytes is too short here, where an int sum would wrap back).
    const uint64_t sum = static_cast<uint64_t>(offset_) + static_cast<uint64_t>(increment);
    OPBRIDGE_REQUIRE(sum <= data_.size(), "Data too short when trying to read string");
    *next = static_cast<int32_t>(sum);
    return Status::Ok();
  }
  Status Check(int64_t increment) const {
    int32_t unused;
    return Advance(increment, &unused);
  }

  Status Text(size_t n, std::string_view* text) {
    int32_t next;
    OPBRIDGE_RETURN_IF_ERROR(Advance(static_cast<int64_t>(n), &next));
    *text = data_.substr(static_cast<size_t>(offset_), n);
    offset_ = next;
    return Status::Ok();
  }
  Status Expect(std::string_view expected) {
    std::string_view found;
    OPBRIDGE_RETURN_IF_ERROR(Text(expected.size(), &found));
    OPBRIDGE_REQUIRE(found == expected, "Header mismatch: Expected ", expected, " but found ", Printable(found));
    return Status::Ok();
  }
  // Little-endian unsigned of `bytes` bytes.
  Status Value(size_t bytes, uint32_t* value) {
    std::string_view raw;
    OPBRIDGE_RETURN_IF_ERROR(Text(bytes, &raw));
    *value = 0;
    for (size_t i = 0; i < bytes; ++i) *value |= static_cast<uint32_t>(static_cast<unsigned char>(raw[i])) << (8 * i);
    return Status::Ok();
  }
  const unsigned char* here() const { return reinterpret_cast<const unsigned char*>(data_.data()) + offset_; }

 private:
  // An int's two's-complement wrap, as TF's int offset arithmetic.
  static int32_t Wrap(uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

  std::string_view data_;
  int32_t offset_ = 0;
};

bool SkippableBeforeFormat(std::string_view id) {
  for (std::string_view s : {"JUNK", "bext", "iXML", "qlty", "mext", "levl", "link", "axml"}) {
    if (id == s) return true;
  }
  return false;
}

struct WavData {
  const unsigned char* samples = nullptr;  // little-endian int16, frames * channels of them
  uint32_t frames = 0;
  uint32_t channels = 0;
  uint32_t rate = 0;
};

Status ParseWav(std::string_view file, WavData* wav) {
  WavReader r(file);
  uint32_t value;
  OPBRIDGE_RETURN_IF_ERROR(r.Expect("RIFF"));
  OPBRIDGE_RETURN_IF_ERROR(r.Value(4, &value));  // the file size, unchecked
  OPBRIDGE_RETURN_IF_ERROR(r.Expect("WAVE"));
  std::string_view id;
  OPBRIDGE_RETURN_IF_ERROR(r.Text(4, &id));
  while (id != "fmt ") {
    OPBRIDGE_REQUIRE(SkippableBeforeFormat(id), "Unexpected field ", Printable(id));
    uint32_t size;
    OPBRIDGE_RETURN_IF_ERROR(r.Value(4, &size));
    int32_t next;
    OPBRIDGE_RETURN_IF_ERROR(r.Advance(size, &next));
    r.Skip(size);
    OPBRIDGE_RETURN_IF_ERROR(r.Text(4, &id));
  }
  uint32_t format_size, format, channels, rate, bytes_per_second, bytes_per_frame, bits;
  OPBRIDGE_RETURN_IF_ERROR(r.Value(4, &format_size));
  OPBRIDGE_REQUIRE(format_size == 16 || format_size == 18,
                   "Bad format chunk size for WAV: Expected 16 or 18, but got", format_size);
  OPBRIDGE_RETURN_IF_ERROR(r.Value(2, &format));
  OPBRIDGE_REQUIRE(format == 1, "Bad audio format for WAV: Expected 1 (PCM), but got", format);
  OPBRIDGE_RETURN_IF_ERROR(r.Value(2, &channels));
  OPBRIDGE_REQUIRE(channels >= 1, "Bad number of channels for WAV: Expected at least 1, but got ", channels);
  OPBRIDGE_RETURN_IF_ERROR(r.Value(4, &rate));
  OPBRIDGE_RETURN_IF_ERROR(r.Value(4, &bytes_per_second));
  OPBRIDGE_RETURN_IF_ERROR(r.Value(2, &bytes_per_frame));
  OPBRIDGE_RETURN_IF_ERROR(r.Value(2, &bits));
  OPBRIDGE_REQUIRE(bits == 16, "Can only read 16-bit WAV files, but received ", bits);
  const uint32_t expected_per_frame = (bits * channels + 7) / 8;
  OPBRIDGE_REQUIRE(bytes_per_frame == expected_per_frame, "Bad bytes per sample in WAV header: Expected ",
                   expected_per_frame, " but got ", bytes_per_frame);
  // In 64 bits (TF 2.21 prints 8589934588 for 4 bytes a frame at 2^31 - 1 Hz,
  // where the 32-bit field holds the wrapped value: such files are refused).
  const uint64_t expected_per_second = uint64_t{bytes_per_frame} * rate;
  OPBRIDGE_REQUIRE(bytes_per_second == expected_per_second, "Bad bytes per second in WAV header: Expected ",
                   expected_per_second, " but got ", bytes_per_second, " (sample_rate=", rate,
                   ", bytes_per_sample=", bytes_per_frame, ")");
  if (format_size == 18) r.Skip(2);  // unchecked, as TF

  bool found = false;
  while (r.More()) {
    std::string_view chunk;
    uint32_t size;
    OPBRIDGE_RETURN_IF_ERROR(r.Text(4, &chunk));
    OPBRIDGE_RETURN_IF_ERROR(r.Value(4, &size));
    OPBRIDGE_REQUIRE(size <= static_cast<uint32_t>(INT32_MAX), "WAV data chunk '", Printable(chunk), "' is too large: ", size,
                     " bytes, but the limit is ", INT32_MAX);
    if (chunk == "data") {
      OPBRIDGE_REQUIRE(!found, "More than one data chunk found in WAV");
      found = true;
      wav->frames = size / bytes_per_frame;
      const uint32_t count = wav->frames * channels;
      OPBRIDGE_RETURN_IF_ERROR(r.Check(int64_t{2} * count));
      wav->samples = r.here();
      r.Skip(2 * count);
    } else {
      r.Skip(size);
    }
  }
  OPBRIDGE_REQUIRE(found, "No data chunk found in WAV");
  wav->channels = channels;
  wav->rate = rate;
  return Status::Ok();
}

Status DecodeWavShape(ShapeContext& ctx, const DecodeWavParams&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 0));
  ctx.set_output(0, Shape{kUnknownDim, kUnknownDim});
  ctx.set_output_dynamic(0);
  ctx.set_output(1, Shape{});
  return Status::Ok();
}

Status DecodeWavKernel(KernelContext& ctx, const DecodeWavParams& p) {
  const ConstTensor& contents = ctx.input(0);
  OPBRIDGE_REQUIRE(contents.rank() == 0, "contents must be scalar, got shape ", contents.shape().ToString());
  const std::string_view file = contents.data<std::string_view>()[0];
  OPBRIDGE_REQUIRE(file.size() <= static_cast<size_t>(INT32_MAX), "WAV contents are too large for int: ",
                   file.size());
  WavData wav;
  OPBRIDGE_RETURN_IF_ERROR(ParseWav(file, &wav));
  OPBRIDGE_REQUIRE(p.desired_channels >= -1, "desired_channels must be >= -1, got ", p.desired_channels);
  OPBRIDGE_REQUIRE(p.desired_samples >= -1, "desired_samples must be >= -1, got ", p.desired_samples);
  // TF's int32 counts (a uint32 frame count wraps; the chunk limit keeps it below 2^30).
  const int32_t samples =
      p.desired_samples == -1 ? static_cast<int32_t>(wav.frames) : static_cast<int32_t>(p.desired_samples);
  const int32_t channels =
      p.desired_channels == -1 ? static_cast<int32_t>(wav.channels) : static_cast<int32_t>(p.desired_channels);
  OPBRIDGE_REQUIRE(samples >= 0, "Output sample count must be >= 0, got ", samples);
  OPBRIDGE_REQUIRE(channels >= 0, "Output channel count must be >= 0, got ", channels);
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape{samples, channels}));
  float* out = ctx.output(0).data<float>();
  const int64_t decoded = wav.frames, src_channels = wav.channels;
  constexpr float kScale = 1.0f / 32768;  // exact: TF's int16 * (1.0f / (1 << 15))
  for (int64_t s = 0; s < samples; ++s) {
    float* row = out + s * channels;
    if (s >= decoded) {
      for (int64_t c = 0; c < channels; ++c) row[c] = 0.0f;
      continue;
    }
    const unsigned char* frame = wav.samples + 2 * s * src_channels;
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t source = c < src_channels ? c : src_channels - 1;
      const auto v = static_cast<int16_t>(static_cast<uint16_t>(frame[2 * source] | (frame[2 * source + 1] << 8)));
      row[c] = static_cast<float>(v) * kScale;
    }
  }
  ctx.output(1).data<int32_t>()[0] = static_cast<int32_t>(wav.rate);
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("DecodeWav")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Decodes a 16-bit PCM WAV file (tf.audio.decode_wav) to [samples, channels] floats "
                              "in [-1, 1) and its sample rate, with TF's header checks and errors.")
                         .Input("contents: string")
                         .Output("audio: float")
                         .Output("sample_rate: int32")
                         .Params<DecodeWavParams>()
                         .ShapeRule(DecodeWavShape)
                         .Kernel(DecodeWavKernel));

}  // namespace opbridge
