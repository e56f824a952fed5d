// AdjustContrastv2: TF's tf.image.adjust_contrast. The converter emits CUSTOM
// "AdjustContrastv2" for float32 images [..., h, w, c] (the Python function
// converts integer images to float32 around the op); contrast_factor is a
// float scalar input.
//
// Per image and channel: mean over the h * w pixels, then
// out = mean + factor * (x - mean). The bits follow TF's CPU kernel
// (AdjustContrastOpv2<CPUDevice, float>), which does not call an Eigen
// reduction: it sums each image's rows by folding the plane in half,
// row j += row j + left for the first floor(n / 2) rows of the n left, a
// middle row of an odd n carried over, until one row is left; all in float.
// The mean is that sum times 1.0f / float(h * w) (a product with the rounded
// reciprocal, not a division), and the output is mean + factor * (x - mean)
// in float, nothing contracted into an FMA (TF's x86-64 wheel has none).
// Any other summation order (a running sum, Eigen's tree) differs from TF in
// the last bits of the mean, and the difference is scaled into every pixel.
//
// NaNs: x86 hands on the first operand's NaN when both are NaN, and TF's code
// puts its operands in a fixed order (measured with NaN payloads): the fold's
// sums keep the upper row's NaN in the first round and the kept row's after,
// and the output is (factor * (x - mean)) + mean, so a NaN factor wins over a
// NaN x, which wins over a NaN mean. GCC may swap the operands of a + or *,
// so the kernel picks the NaN itself (Add, Sub, Mul below).
//
// TF registers the CPU kernel for float only (half runs on GPUs alone): a
// half image is refused, as TF's CPU refuses it.
//
// Speed: the operand order matters only where a result is NaN, so the fold
// and the output are first computed with plain vector adds and multiplies
// (16-byte vectors on the baseline, 32-byte ones in an AVX2 copy; no FMA in
// either). A NaN sum of the fold is NaN in the channel's final sum (a NaN
// never leaves a sum), so an image whose sums are all numbers had no NaN
// anywhere in its fold and has the scalar path's bits; otherwise its fold is
// redone on the scalar path. Output blocks holding a NaN are likewise redone.
// The scalar path alone (a NaN test per operation) was 5.4x TF's time.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../math/avx2_dispatch.h"
#include "../math/simd_cols.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

// a as x86 returns it from an operation: a NaN quieted, payload and sign kept.
float Quiet(float a) {
  uint32_t bits;
  std::memcpy(&bits, &a, sizeof(bits));
  bits |= 0x00400000u;
  std::memcpy(&a, &bits, sizeof(bits));
  return a;
}

// a op b with x86's NaN rule, whatever operand order the compiler chooses: a
// NaN a, else a NaN b, else the result (a new NaN, from inf - inf or 0 * inf,
// is the same default NaN either way).
float Pick(float r, float a, float b) {
  if (r == r) return r;
  if (a != a) return Quiet(a);
  if (b != b) return Quiet(b);
  return r;
}
float Add(float a, float b) { return Pick(a + b, a, b); }
float Sub(float a, float b) { return Pick(a - b, a, b); }
float Mul(float a, float b) { return Pick(a * b, a, b); }

Status AdjustContrastShape(ShapeContext& ctx) {
  const Shape& in = ctx.input(0);
  OPBRIDGE_REQUIRE(!in.rank_known() || in.rank() >= 3, "input must be at least 3-D, got shape", in.ToString());
  OPBRIDGE_REQUIRE(!ctx.input(1).rank_known() || ctx.input(1).rank() == 0, "contrast_factor must be scalar: ",
                   ctx.input(1).ToString());
  ctx.set_output(0, in);
  return Status::Ok();
}

// The exact output of pixels' elements [begin, end) of one image.
void OutputScalar(const float* x, float* y, int64_t begin, int64_t end, const float* mean, int64_t channels,
                  float factor) {
  for (int64_t i = begin; i < end; ++i) {
    const float m = mean[i % channels];
    y[i] = Add(Mul(factor, Sub(x[i], m)), m);
  }
}

#define OPBRIDGE_CONTRAST_INLINE __attribute__((always_inline)) inline

// dst[j] = a[j] + b[j] for j < n, in W-byte vectors.
template <int W>
OPBRIDGE_CONTRAST_INLINE void AddRows(const float* a, const float* b, float* dst, int64_t n) {
  using V = typename math::Cols<float, W>::type;
  using U = typename math::Cols<float, W>::unaligned;
  constexpr int L = math::Cols<float, W>::kWidth;
  int64_t j = 0;
  for (; j + L <= n; j += L) {
    *reinterpret_cast<U*>(dst + j) = V(*reinterpret_cast<const U*>(a + j)) + V(*reinterpret_cast<const U*>(b + j));
  }
  for (; j < n; ++j) dst[j] = a[j] + b[j];
}

// Sums the `rows` rows of `plane` (rows x channels, row-major) in TF's folding
// order into sum[0 .. channels), each step AddSpan::Run(a, b, dst, n) (dst[j] =
// a[j] + b[j], operands in TF's order). `scratch` holds at least ceil(rows / 2)
// rows. Inlined, so the target("avx2") caller compiles it for AVX2.
template <typename AddSpan>
OPBRIDGE_CONTRAST_INLINE void FoldRows(const float* plane, int64_t rows, int64_t channels, float* scratch,
                                       float* sum) {
  int64_t remaining = rows;
  bool first = true;
  do {
    const int64_t right = remaining / 2;
    const int64_t left = remaining - right;
    const int64_t n = right * channels;
    if (first) {
      // The first round reads the input and writes the scratch, so the input
      // is never written.
      AddSpan::Run(plane + left * channels, plane, scratch, n);
      if (left > right) std::memcpy(scratch + n, plane + n, sizeof(float) * channels);
      first = false;
    } else {
      AddSpan::Run(scratch, scratch + left * channels, scratch, n);
    }
    remaining = left;
  } while (remaining > 1);
  std::memcpy(sum, scratch, sizeof(float) * channels);
}

// The fold's additions with TF's NaN rule (Add).
struct AddSpanExact {
  static OPBRIDGE_CONTRAST_INLINE void Run(const float* a, const float* b, float* dst, int64_t n) {
    for (int64_t j = 0; j < n; ++j) dst[j] = Add(a[j], b[j]);
  }
};

// The fold's additions without the NaN rule (see the file's comment), in
// W-byte vectors.
template <int W>
struct AddSpanFast {
  static OPBRIDGE_CONTRAST_INLINE void Run(const float* a, const float* b, float* dst, int64_t n) {
    AddRows<W>(a, b, dst, n);
  }
};

struct ContrastJob {
  const float* in;
  float* out;
  int64_t rows, channels, plane;
  float factor, scaling;
};

// Images [begin, end). `pattern` holds the means repeated over a block of
// pixels (so the output loop has no index modulo the channels); `mean` holds
// one image's means.
template <int W>
OPBRIDGE_CONTRAST_INLINE void Images(const ContrastJob& job, int64_t begin, int64_t end, float* mean,
                                     float* pattern, int64_t block) {
  using V = typename math::Cols<float, W>::type;
  using U = typename math::Cols<float, W>::unaligned;
  using I = typename math::Cols<int32_t, W>::type;
  constexpr int L = math::Cols<float, W>::kWidth;
  const int64_t channels = job.channels, rows = job.rows, plane = job.plane;
  const V factor = V{} + job.factor;
  for (int64_t b = begin; b < end; ++b) {
    const float* x = job.in + b * plane;
    float* y = job.out + b * plane;
    // The image's own output plane is the fold's scratch (TF uses its output
    // the same way): it has room for every row, and is written with the
    // result only once the means are out of it.
    FoldRows<AddSpanFast<W>>(x, rows, channels, y, mean);
    bool nan_sum = false;
    for (int64_t k = 0; k < channels; ++k) nan_sum |= mean[k] != mean[k];
    if (nan_sum) FoldRows<AddSpanExact>(x, rows, channels, y, mean);
    for (int64_t k = 0; k < channels; ++k) mean[k] = Mul(mean[k], job.scaling);
    const int64_t span = std::min(block, rows) * channels;
    for (int64_t i = 0; i < span; i += channels) std::memcpy(pattern + i, mean, sizeof(float) * channels);
    for (int64_t start = 0; start < plane; start += span) {
      const int64_t n = std::min(span, plane - start);
      const float* xs = x + start;
      float* ys = y + start;
      I nan = {};
      int64_t i = 0;
      for (; i + L <= n; i += L) {
        const V m = *reinterpret_cast<const U*>(pattern + i);
        const V r = factor * (V(*reinterpret_cast<const U*>(xs + i)) - m) + m;
        nan |= r != r;
        *reinterpret_cast<U*>(ys + i) = r;
      }
      bool any_nan = false;
      for (int l = 0; l < L; ++l) any_nan |= nan[l] != 0;
      for (; i < n; ++i) {
        const float m = pattern[i];
        ys[i] = job.factor * (xs[i] - m) + m;
        any_nan |= ys[i] != ys[i];
      }
      // The block starts on a pixel, so pattern[i] is the mean of element i.
      if (any_nan) OutputScalar(xs, ys, 0, n, mean, channels, job.factor);
    }
  }
}

void ImagesBaseline(const ContrastJob& job, int64_t begin, int64_t end, float* mean, float* pattern, int64_t block) {
  Images<16>(job, begin, end, mean, pattern, block);
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void ImagesAvx2(const ContrastJob& job, int64_t begin, int64_t end, float* mean,
                                                float* pattern, int64_t block) {
  Images<32>(job, begin, end, mean, pattern, block);
}
#endif

Status AdjustContrastKernel(KernelContext& ctx) {
  const ConstTensor& images = ctx.input(0);
  const DType dtype = images.dtype();
  OPBRIDGE_REQUIRE(dtype == DType::kFloat32, "TF has no CPU kernel for T=", DTypeName(dtype), " (only float)");
  const Shape& shape = images.shape();
  const int64_t total = images.num_elements();
  if (total == 0) return Status::Ok();
  ContrastJob job;
  job.rows = shape.dim(-3) * shape.dim(-2);
  job.channels = shape.dim(-1);
  job.plane = job.rows * job.channels;
  const int64_t batch = total / job.plane;
  job.factor = ctx.input(1).data<float>()[0];
  // TF: 1.0f / image_size, the int64 converted to float first.
  job.scaling = 1.0f / static_cast<float>(job.rows);
  job.in = images.data<float>();
  job.out = ctx.output(0).data<float>();
  // Pixels per output block: about 2048 floats (8 KB of means, in L1).
  const int64_t block = std::max<int64_t>(1, 2048 / job.channels);
  auto images_fn = ImagesBaseline;
#if defined(__x86_64__)
  if (math::UseAvx2()) images_fn = ImagesAvx2;
#endif
  ctx.ParallelFor(batch, std::max<int64_t>(1, job.plane), [&](int64_t begin, int64_t end) {
    std::vector<float> mean(static_cast<size_t>(job.channels));
    std::vector<float> pattern(static_cast<size_t>(std::min(block, job.rows) * job.channels));
    images_fn(job, begin, end, mean.data(), pattern.data(), block);
  });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("AdjustContrastv2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Per image and channel, (x - mean) * contrast_factor + mean, the mean over height "
                              "and width (tf.image.adjust_contrast).")
                         .Input("images: T")
                         .Input("contrast_factor: float")
                         .Output("output: T")
                         .Attr("T: {half, float} = DT_FLOAT")
                         .ShapeRule(AdjustContrastShape)
                         .Kernel(AdjustContrastKernel));

}  // namespace
}  // namespace opbridge
