// Mfcc: tf.raw_ops.Mfcc, mel-frequency cepstral coefficients of each frame
// of an AudioSpectrogram output (squared magnitudes), as TF's speech_commands
// front end: spectrogram [channels, frames, bins] float and sample_rate int32
// scalar to [channels, frames, dct_coefficient_count] float. TF's arithmetic
// (mfcc.cc, mfcc_mel_filterbank.cc, mfcc_dct.cc), in its order, in double:
//   - filterbank_channel_count + 1 mel centres spaced evenly between
//     mel(lower) and mel(upper), mel(f) = 1127 log1p(f / 700), the limits
//     being float attrs widened to double;
//   - hz_per_bin = 0.5 * sample_rate / (bins - 1); bins from
//     int(1.5 + lower / hz_per_bin) to int(upper / hz_per_bin) (C casts,
//     x86's: NaN or out of range is INT_MIN) each add sqrt(bin) * weight to
//     the channel whose triangle falls there and the rest to the next;
//   - log(max(mel, 1e-12)), then the DCT sum_j fnorm cos(i pi / n (j + 0.5))
//     * log_mel[j], summed j ascending, rounded once to float.
// TF's edge cases: when the last bin a filter uses is at or past the
// spectrogram's end, its filterbank returns nothing and every coefficient is
// 0; invalid settings (channel count < 1, sample_rate <= 0, bins < 2,
// lower < 0, upper <= lower, dct count < 1 or above the channel count) are
// "Mfcc initialization failed for channel count <bins>, sample rate <r> and
// filterbank_channel_count <n>" (TF 2.21's text).
#include <cmath>
#include <cstdint>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace {

struct MfccParams {
  double upper_frequency_limit = 4000;
  double lower_frequency_limit = 20;
  int64_t filterbank_channel_count = 40;
  int64_t dct_coefficient_count = 13;

  static void Declare(ParamBinder& b, MfccParams& p) {
    b.Attr("upper_frequency_limit: float = 4000", &p.upper_frequency_limit);
    b.Attr("lower_frequency_limit: float = 20", &p.lower_frequency_limit);
    b.Attr("filterbank_channel_count: int = 40", &p.filterbank_channel_count);
    b.Attr("dct_coefficient_count: int = 13", &p.dct_coefficient_count);
  }
  Status Validate() const {
    // TF's kernel reads both counts as int32 (GetAttr fails outside its range).
    OPBRIDGE_REQUIRE(filterbank_channel_count >= INT32_MIN && filterbank_channel_count <= INT32_MAX,
                     "Attr filterbank_channel_count has value ", filterbank_channel_count,
                     " out of range for an int32");
    OPBRIDGE_REQUIRE(dct_coefficient_count >= INT32_MIN && dct_coefficient_count <= INT32_MAX,
                     "Attr dct_coefficient_count has value ", dct_coefficient_count, " out of range for an int32");
    return Status::Ok();
  }
};

Status MfccShape(ShapeContext& ctx, const MfccParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 3));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 0));
  const Shape& s = ctx.input(0);
  // A count below 1 is the kernel's initialization error; the shape stays valid until then.
  const int64_t coefficients = p.dct_coefficient_count < 0 ? 0 : p.dct_coefficient_count;
  if (!s.rank_known()) {
    ctx.set_output(0, Shape{kUnknownDim, kUnknownDim, coefficients});
  } else {
    ctx.set_output(0, Shape{s.dim(0), s.dim(1), coefficients});
  }
  return Status::Ok();
}

// static_cast<int>(double) as x86-64 computes it (cvttsd2si): NaN and values
// outside int's range give INT_MIN. TF's filterbank relies on it for huge
// frequency limits (C++ leaves it undefined, so it is spelled out).
int TruncateToInt(double x) {
  if (!(x > -2147483649.0 && x < 2147483648.0)) return INT32_MIN;
  return static_cast<int>(x);
}

double FreqToMel(double freq) { return 1127.0 * std::log1p(freq / 700.0); }

// TF's MfccMelFilterbank and MfccDct tables for one spectrogram width.
struct MfccTables {
  int channels = 0;
  int start = 0, end = 0;
  bool empty_output = false;          // TF's filterbank gives nothing: all coefficients 0
  std::vector<int> band;              // per bin: the channel of its right slope (-1: none)
  std::vector<double> weight;         // per bin: its weight in `band`, 1 - weight in band + 1
  std::vector<double> cosines;        // [coefficients, channels]
};

// Returns false where TF's Mfcc::Initialize fails.
bool Initialize(int bins, double rate, const MfccParams& p, MfccTables* t) {
  const int channels = static_cast<int>(p.filterbank_channel_count);
  const int coefficients = static_cast<int>(p.dct_coefficient_count);
  // TF keeps the limits as float attrs.
  const double lower = static_cast<float>(p.lower_frequency_limit);
  const double upper = static_cast<float>(p.upper_frequency_limit);
  if (channels < 1 || rate <= 0 || bins < 2 || lower < 0 || upper <= lower) return false;
  if (coefficients < 1 || coefficients > channels) return false;
  t->channels = channels;
  std::vector<double> centre(static_cast<size_t>(channels) + 1);
  const double mel_low = FreqToMel(lower), mel_hi = FreqToMel(upper);
  const double mel_spacing = (mel_hi - mel_low) / static_cast<double>(channels + 1);
  for (int i = 0; i < channels + 1; ++i) centre[static_cast<size_t>(i)] = mel_low + (mel_spacing * (i + 1));
  const double hz_per_bin = 0.5 * rate / static_cast<double>(bins - 1);
  t->start = TruncateToInt(1.5 + (lower / hz_per_bin));
  t->end = TruncateToInt(upper / hz_per_bin);
  // TF compares the input's size_t length with the int end: a negative end is huge.
  t->empty_output = t->end < 0 || bins <= t->end;
  t->band.assign(static_cast<size_t>(bins), -2);
  t->weight.assign(static_cast<size_t>(bins), 0.0);
  int channel = 0;
  for (int i = 0; i < bins; ++i) {
    if (i < t->start || i > t->end) continue;
    const double melf = FreqToMel(i * hz_per_bin);
    while (channel < channels && centre[static_cast<size_t>(channel)] < melf) ++channel;
    const int band = channel - 1;
    t->band[static_cast<size_t>(i)] = band;
    t->weight[static_cast<size_t>(i)] =
        band >= 0 ? (centre[static_cast<size_t>(band) + 1] - FreqToMel(i * hz_per_bin)) /
                        (centre[static_cast<size_t>(band) + 1] - centre[static_cast<size_t>(band)])
                  : (centre[0] - FreqToMel(i * hz_per_bin)) / (centre[0] - mel_low);
  }
  t->cosines.resize(static_cast<size_t>(coefficients) * static_cast<size_t>(channels));
  const double fnorm = std::sqrt(2.0 / channels);
  const double pi = std::atan(1.0) * 4;
  const double arg = pi / channels;
  for (int i = 0; i < coefficients; ++i) {
    for (int j = 0; j < channels; ++j) {
      t->cosines[static_cast<size_t>(i) * static_cast<size_t>(channels) + static_cast<size_t>(j)] =
          fnorm * std::cos(i * arg * (j + 0.5));
    }
  }
  return true;
}

// One frame: bins squared magnitudes to `coefficients` floats. `mel` holds
// the channels' sums (scratch).
void ComputeFrame(const MfccTables& t, int coefficients, const float* frame, std::vector<double>* mel, float* out) {
  if (t.empty_output) {
    for (int i = 0; i < coefficients; ++i) out[i] = 0.0f;
    return;
  }
  const int channels = t.channels;
  mel->assign(static_cast<size_t>(channels), 0.0);
  double* m = mel->data();
  for (int i = t.start; i <= t.end; ++i) {
    const double spec_val = std::sqrt(static_cast<double>(frame[i]));
    const double weighted = spec_val * t.weight[static_cast<size_t>(i)];
    int channel = t.band[static_cast<size_t>(i)];
    if (channel >= 0) m[channel] += weighted;
    ++channel;
    if (channel < channels) m[channel] += spec_val - weighted;
  }
  constexpr double kFloor = 1e-12;
  for (int c = 0; c < channels; ++c) m[c] = std::log(m[c] < kFloor ? kFloor : m[c]);
  for (int i = 0; i < coefficients; ++i) {
    const double* cosine = t.cosines.data() + static_cast<size_t>(i) * static_cast<size_t>(channels);
    double sum = 0.0;
    for (int j = 0; j < channels; ++j) sum += cosine[j] * m[j];
    out[i] = static_cast<float>(sum);
  }
}

Status MfccKernel(KernelContext& ctx, const MfccParams& p) {
  const ConstTensor& spectrogram = ctx.input(0);
  OPBRIDGE_REQUIRE(spectrogram.rank() == 3, "spectrogram must be 3-dimensional", spectrogram.shape().ToString());
  const ConstTensor& rate_tensor = ctx.input(1);
  OPBRIDGE_REQUIRE(rate_tensor.rank() == 0, "Input sample_rate should be a scalar tensor, got ",
                   rate_tensor.shape().ToString(), " instead.");
  const int32_t rate = rate_tensor.data<int32_t>()[0];
  // TF holds the spectrogram's dims as int.
  const int64_t bins = spectrogram.dim(2);
  MfccTables tables;
  OPBRIDGE_REQUIRE(bins <= INT32_MAX && Initialize(static_cast<int>(bins), rate, p, &tables),
                   "Mfcc initialization failed for channel count ", bins, ", sample rate ", rate,
                   " and filterbank_channel_count ", p.filterbank_channel_count);
  const int coefficients = static_cast<int>(p.dct_coefficient_count);
  const int64_t frames = spectrogram.dim(0) * spectrogram.dim(1);
  if (frames == 0) return Status::Ok();
  const float* in = spectrogram.data<float>();
  float* out = ctx.output(0).data<float>();
  const int64_t used = tables.empty_output ? 0 : tables.end - tables.start + 1;
  const int64_t cost = 10 + used * 10 + static_cast<int64_t>(tables.channels) * (20 + coefficients * 2);
  ctx.ParallelFor(frames, cost, [&](int64_t begin, int64_t end) {
    std::vector<double> mel;
    for (int64_t f = begin; f < end; ++f) ComputeFrame(tables, coefficients, in + f * bins, &mel, out + f * coefficients);
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("Mfcc")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Mel-frequency cepstral coefficients of each frame of an AudioSpectrogram output "
                              "(tf.raw_ops.Mfcc): triangular mel filterbank of the magnitudes, log, DCT, in "
                              "double as TF.")
                         .Input("spectrogram: float")
                         .Input("sample_rate: int32")
                         .Output("output: float")
                         .Params<MfccParams>()
                         .ShapeRule(MfccShape)
                         .Kernel(MfccKernel));

}  // namespace opbridge
