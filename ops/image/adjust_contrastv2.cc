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
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

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

// Sums the `rows` rows of `plane` (rows x channels, row-major) in TF's folding
// order into sum[0 .. channels). `scratch` holds at least ceil(rows / 2) rows.
void FoldedRowSum(const float* plane, int64_t rows, int64_t channels, float* scratch, float* sum) {
  int64_t remaining = rows;
  bool first = true;
  do {
    const int64_t right = remaining / 2;
    const int64_t left = remaining - right;
    const int64_t n = right * channels;
    if (first) {
      // The first round reads the input and writes the scratch, so the input
      // is never written.
      const float* upper = plane + left * channels;
      for (int64_t j = 0; j < n; ++j) scratch[j] = Add(upper[j], plane[j]);
      if (left > right) std::memcpy(scratch + n, plane + n, sizeof(float) * channels);
      first = false;
    } else {
      const float* upper = scratch + left * channels;
      for (int64_t j = 0; j < n; ++j) scratch[j] = Add(scratch[j], upper[j]);
    }
    remaining = left;
  } while (remaining > 1);
  std::memcpy(sum, scratch, sizeof(float) * channels);
}

Status AdjustContrastKernel(KernelContext& ctx) {
  const ConstTensor& images = ctx.input(0);
  const DType dtype = images.dtype();
  OPBRIDGE_REQUIRE(dtype == DType::kFloat32, "TF has no CPU kernel for T=", DTypeName(dtype), " (only float)");
  const Shape& shape = images.shape();
  const int64_t total = images.num_elements();
  if (total == 0) return Status::Ok();
  const int64_t rows = shape.dim(-3) * shape.dim(-2);
  const int64_t channels = shape.dim(-1);
  const int64_t plane = rows * channels;
  const int64_t batch = total / plane;
  const float factor = ctx.input(1).data<float>()[0];
  // TF: 1.0f / image_size, the int64 converted to float first.
  const float scaling = 1.0f / static_cast<float>(rows);
  const float* in = images.data<float>();
  float* out = ctx.output(0).data<float>();
  ctx.ParallelFor(batch, std::max<int64_t>(1, 3 * plane), [&](int64_t begin, int64_t end) {
    std::vector<float> mean(static_cast<size_t>(channels));
    for (int64_t b = begin; b < end; ++b) {
      const float* x = in + b * plane;
      float* y = out + b * plane;
      // The image's own output plane is the fold's scratch (TF uses its
      // output the same way): it has room for every row, and is written with
      // the result only once the means are out of it.
      FoldedRowSum(x, rows, channels, y, mean.data());
      for (float& m : mean) m = Mul(m, scaling);
      for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * channels;
        float* yr = y + r * channels;
        for (int64_t k = 0; k < channels; ++k) yr[k] = Add(Mul(factor, Sub(xr[k], mean[k])), mean[k]);
      }
    }
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
