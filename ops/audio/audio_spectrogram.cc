// AudioSpectrogram: tf.raw_ops.AudioSpectrogram, the front end of TF's
// speech_commands models. input [samples, channels] float; output
// [channels, frames, fft_length / 2 + 1] float, with
//   - frames = 1 + (samples - window_size) / stride, or 0 when the audio is
//     shorter than one window; frame f reads samples f * stride onwards (a
//     stride above the window skips samples, as TF's queue does);
//   - fft_length the next power of two >= window_size, the frame multiplied
//     by a periodic Hann window 0.5 - 0.5 cos(2 pi i / window_size) (in
//     double, pi as atan(1) * 4 as TF) and zero-padded to it;
//   - the squared magnitude re^2 + im^2 of each bin in double, rounded once
//     to float; without magnitude_squared, sqrtf of that float (TF's order).
// TF transforms with Ooura's split-radix rdft in double; we use opbridge's
// double real FFT (fft.h, exact twiddles), so a bin whose double result lies
// within an FFT rounding of a float rounding boundary can round the other
// way: measured (docs/ops/audio_spectrogram.md) at most 2 ulps, only in bins
// far below the frame's peak (leakage of pure tones), never on noise-like
// audio.
// TF's errors: window_size > 1 and stride > 0 ("Spectrogram initialization
// failed for window size W and stride S"), input rank 2.
#include <cmath>
#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

#include "../signal/fft.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct AudioSpectrogramParams {
  int64_t window_size = 0;
  int64_t stride = 0;
  bool magnitude_squared = false;

  static void Declare(ParamBinder& b, AudioSpectrogramParams& p) {
    b.Attr("window_size: int", &p.window_size);
    b.Attr("stride: int", &p.stride);
    b.Attr("magnitude_squared: bool = false", &p.magnitude_squared);
  }
  Status Validate() const {
    // TF's kernel reads both attrs as int32 (GetAttr fails outside its range).
    OPBRIDGE_REQUIRE(window_size >= INT32_MIN && window_size <= INT32_MAX, "Attr window_size has value ",
                     window_size, " out of range for an int32");
    OPBRIDGE_REQUIRE(stride >= INT32_MIN && stride <= INT32_MAX, "Attr stride has value ", stride,
                     " out of range for an int32");
    // TF 2.21 checks both when it runs (its Spectrogram::Initialize).
    OPBRIDGE_REQUIRE(window_size > 1 && stride > 0, "Spectrogram initialization failed for window size ",
                     window_size, " and stride ", stride);
    // Past 2^30 TF's int FFT length overflows and a CHECK aborts the process.
    OPBRIDGE_REQUIRE(window_size <= (int64_t{1} << 30), "window_size must be at most 2^30, got ", window_size);
    return Status::Ok();
  }
};

int64_t FftLength(int64_t window) {
  int64_t n = 1;
  while (n < window) n <<= 1;
  return n;
}

int64_t FrameCount(int64_t samples, const AudioSpectrogramParams& p) {
  return samples < p.window_size ? 0 : 1 + (samples - p.window_size) / p.stride;
}

Status AudioSpectrogramShape(ShapeContext& ctx, const AudioSpectrogramParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 2));
  const Shape& in = ctx.input(0);
  const int64_t bins = FftLength(p.window_size) / 2 + 1;
  if (!in.rank_known()) {
    ctx.set_output(0, Shape{kUnknownDim, kUnknownDim, bins});
    return Status::Ok();
  }
  const int64_t frames = in.dim(0) == kUnknownDim ? kUnknownDim : FrameCount(in.dim(0), p);
  ctx.set_output(0, Shape{in.dim(1), frames, bins});
  return Status::Ok();
}

// TF's window: periodic Hann in double, pi as TF spells it.
std::vector<double> HannWindow(int64_t n) {
  const double pi = std::atan(1.0) * 4;
  std::vector<double> w(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    w[static_cast<size_t>(i)] = 0.5 - 0.5 * std::cos((2 * pi * static_cast<double>(i)) / static_cast<double>(n));
  }
  return w;
}

Status AudioSpectrogramKernel(KernelContext& ctx, const AudioSpectrogramParams& p) {
  const ConstTensor& input = ctx.input(0);
  OPBRIDGE_REQUIRE(input.rank() == 2, "input must be 2-dimensional", input.shape().ToString());
  const int64_t samples = input.dim(0), channels = input.dim(1);
  const int64_t window = p.window_size, stride = p.stride;
  const int64_t n = FftLength(window), bins = n / 2 + 1;
  const int64_t frames = FrameCount(samples, p);
  const int64_t items = channels * frames;  // one transform per (channel, frame)
  if (items == 0) return Status::Ok();
  const float* in = input.data<float>();
  float* out = ctx.output(0).data<float>();
  const std::vector<double> hann = HannWindow(window);
  const std::shared_ptr<const fft::RealForwardPlan<double>> plan =
      fft::SharedPlan<fft::RealForwardPlan<double>>(n);
  constexpr int L = fft::kLanes;
  const int64_t groups = (items + L - 1) / L;
  // About 5 ns a point a transform (n log n in double), and the windowing.
  const int64_t cost = L * (n * 5 + window * 2);
  const bool squared = p.magnitude_squared;
  ctx.ParallelFor(groups, cost, [&](int64_t begin, int64_t end) {
    fft::RealWorkspace<double> ws;
    // L zero-padded windowed frames and their bins; the padding stays zero.
    std::vector<double> frame_buf(static_cast<size_t>(L * n), 0.0);
    std::vector<std::complex<double>> bin_buf(static_cast<size_t>(L * bins));
    const double* sources[L];
    std::complex<double>* targets[L];
    for (int l = 0; l < L; ++l) {
      sources[l] = frame_buf.data() + l * n;
      targets[l] = bin_buf.data() + l * bins;
    }
    for (int64_t g = begin; g < end; ++g) {
      const int64_t first = g * L;
      const int lanes = static_cast<int>(std::min<int64_t>(L, items - first));
      for (int l = 0; l < lanes; ++l) {
        const int64_t item = first + l, channel = item / frames, frame = item % frames;
        const float* x = in + frame * stride * channels + channel;
        double* f = frame_buf.data() + l * n;
        for (int64_t i = 0; i < window; ++i) {
          f[i] = static_cast<double>(x[i * channels]) * hann[static_cast<size_t>(i)];
        }
      }
      if (lanes == L) {
        plan->Transform<L>(sources, targets, &ws);
      } else {
        for (int l = 0; l < lanes; ++l) plan->Transform<1>(&sources[l], &targets[l], &ws);
      }
      for (int l = 0; l < lanes; ++l) {
        const std::complex<double>* xb = targets[l];
        float* o = out + (first + l) * bins;  // [channel, frame] rows are consecutive items
        for (int64_t k = 0; k < bins; ++k) {
          const double re = xb[k].real(), im = xb[k].imag();
          const float power = static_cast<float>(re * re + im * im);
          o[k] = squared ? power : std::sqrt(power);
        }
      }
    }
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("AudioSpectrogram")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Spectrogram of [samples, channels] float audio (tf.raw_ops.AudioSpectrogram): "
                              "periodic Hann windows of window_size every stride samples, zero-padded to a "
                              "power of two, squared magnitude (or magnitude) of each bin.")
                         .Input("input: float")
                         .Output("spectrogram: float")
                         .Params<AudioSpectrogramParams>()
                         .ShapeRule(AudioSpectrogramShape)
                         .Kernel(AudioSpectrogramKernel));

}  // namespace opbridge
