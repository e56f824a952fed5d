// EncodeWav: tf.audio.encode_wav, audio [frames, channels] float and a
// sample_rate int32 scalar to a 16-bit PCM WAV file (a string scalar), byte
// for byte as TF's EncodeAudioAsS16LEWav (tensorflow/core/lib/wav/wav_io.cc):
//   - a 44-byte header: RIFF (file size - 8), WAVE, a 16-byte PCM format
//     chunk (channels, rate, rate * 2 * channels and 2 * channels truncated
//     to the field's 32 and 16 bits), data (2 * samples);
//   - each sample as min(max(roundf(x * 32768), -32768), 32767) in float
//     (a NaN stays NaN through TF's clamps and its conversion to int16 gives
//     0 on x86-64, which we write), little-endian.
// TF's errors, in its order: audio rank 2, sample_rate a scalar, fewer than
// 2^31 - 1 elements, then the sample rate in (0, 2^32) (a negative int32 is
// read as a huge size_t, printed so), channels in (0, 2^16), a file below
// 2^32 bytes.
#include <cstdint>
#include <cstring>
#include <string>

#include "opbridge/op.h"

namespace opbridge {
namespace {

Status EncodeWavShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 0));
  ctx.set_output(0, Shape{});
  return Status::Ok();
}

void Put16(char* p, uint32_t v) {
  p[0] = static_cast<char>(v & 0xff);
  p[1] = static_cast<char>((v >> 8) & 0xff);
}

void Put32(char* p, uint64_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// TF's FloatToInt16Sample, min(max(roundf(x * 32768), -32768), 32767) in
// float, without the libm call: below 2^15 in magnitude v - trunc(v) is
// exact, so rounding half away from zero is one comparison. A NaN stays NaN
// through TF's clamps and x86-64 converts it to 0 after truncation to 16
// bits; that is spelled out.
int16_t ToSample(float x) {
  const float v = x * 32768.0f;
  if (v != v) return 0;
  if (v <= -32768.0f) return -32768;
  if (v >= 32767.0f) return 32767;
  int t = static_cast<int>(v);
  const float d = v - static_cast<float>(t);
  if (d >= 0.5f) {
    ++t;
  } else if (d <= -0.5f) {
    --t;
  }
  return static_cast<int16_t>(t);
}

Status EncodeWavKernel(KernelContext& ctx) {
  const ConstTensor& audio = ctx.input(0);
  OPBRIDGE_REQUIRE(audio.rank() == 2, "audio must be 2-dimensional", audio.shape().ToString());
  const ConstTensor& rate_tensor = ctx.input(1);
  OPBRIDGE_REQUIRE(rate_tensor.rank() == 0, "Input sample_rate should be a scalar tensor, got ",
                   rate_tensor.shape().ToString(), " instead.");
  const int32_t rate = rate_tensor.data<int32_t>()[0];
  OPBRIDGE_REQUIRE(audio.num_elements() < INT32_MAX, "Cannot encode audio with >= max int32 elements");
  const uint64_t frames = static_cast<uint64_t>(audio.dim(0)), channels = static_cast<uint64_t>(audio.dim(1));
  // TF passes the int32 rate as a size_t.
  const uint64_t rate_wide = static_cast<uint64_t>(static_cast<int64_t>(rate));
  OPBRIDGE_REQUIRE(rate_wide != 0 && rate_wide <= UINT32_MAX, "sample_rate must be in (0, 2^32), got: ", rate_wide);
  OPBRIDGE_REQUIRE(channels != 0 && channels <= UINT16_MAX, "num_channels must be in (0, 2^16), got: ", channels);
  const uint64_t samples = frames * channels;
  const uint64_t file_size = 44 + 2 * samples;
  OPBRIDGE_REQUIRE(file_size <= UINT32_MAX, "Provided channels and frames cannot be encoded as a WAV.");
  std::string& out = ctx.output(0).data<std::string>()[0];
  out.assign(static_cast<size_t>(file_size), '\0');
  char* h = out.data();
  std::memcpy(h, "RIFF", 4);
  Put32(h + 4, file_size - 8);
  std::memcpy(h + 8, "WAVEfmt ", 8);
  Put32(h + 16, 16);
  Put16(h + 20, 1);  // PCM
  Put16(h + 22, static_cast<uint32_t>(channels));
  Put32(h + 24, rate_wide);
  Put32(h + 28, rate_wide * 2 * channels);
  Put16(h + 32, static_cast<uint32_t>(2 * channels));
  Put16(h + 34, 16);
  std::memcpy(h + 36, "data", 4);
  Put32(h + 40, 2 * samples);
  const float* x = audio.data<float>();
  char* d = h + 44;
  ctx.ParallelFor(static_cast<int64_t>(samples), 2, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) Put16(d + 2 * i, static_cast<uint16_t>(ToSample(x[i])));
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("EncodeWav")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Encodes [frames, channels] float audio as a 16-bit PCM WAV file "
                              "(tf.audio.encode_wav), byte for byte as TF.")
                         .Input("audio: float")
                         .Input("sample_rate: int32")
                         .Output("contents: string")
                         .ShapeRule(EncodeWavShape)
                         .Kernel(EncodeWavKernel));

}  // namespace opbridge
