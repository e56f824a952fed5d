// AdjustHue: TF's tf.image.adjust_hue. The converter emits CUSTOM
// "AdjustHue" with {T} (float32 or half; tf.image.adjust_hue casts other
// types to float32 around the op); delta is a float scalar input. TF's CPU
// kernel is float only (half runs on GPUs alone): a half image is refused, as
// TF's CPU refuses it, rather than given a result TF's CPU never computes.
//
// As TF's CPU kernel: each RGB pixel becomes (hue in [0, 6), min, max) by
// TF's six-way category logic (ties land where TF's comparisons put them),
// the hue moves by delta * 6 and is brought back into [0, 6) by adding or
// subtracting 6, and the pixel is rebuilt from (hue, min, max), all in float.
//
// Where TF never returns: TF's wrap loop spins forever for an infinite delta
// and for |hue + 6 delta| large enough that subtracting 6 no longer changes
// it (about 1e8). Here such hues wrap with fmod (|h| > 1e6), and a non-finite
// hue takes TF's NaN path (the pixel's mid channel becomes NaN).
#include <cmath>

#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status AdjustHueShape(ShapeContext& ctx) {
  const Shape& in = ctx.input(0);
  if (in.rank_known()) {
    OPBRIDGE_REQUIRE(in.rank() >= 3, "input must be at least 3-D, got shape ", in.ToString());
    OPBRIDGE_REQUIRE(in.dim(-1) == kUnknownDim || in.dim(-1) == 3, "input must have 3 channels but instead has ",
                     in.dim(-1), " channels.");
  }
  OPBRIDGE_REQUIRE(!ctx.input(1).rank_known() || ctx.input(1).rank() == 0, "delta must be scalar: ",
                   ctx.input(1).ToString());
  ctx.set_output(0, in);
  return Status::Ok();
}

constexpr float kRange = 6;

// Brings h + 6 delta back into [0, 6) as TF's loops do (one step of 6 at a
// time); |h| > 1e6, where TF would loop (nearly) forever, wraps with fmod.
float WrapHue(float h) {
  if (std::abs(h) > 1e6f) h = std::fmod(h, kRange);
  while (h < 0) h += kRange;
  while (h >= kRange) h -= kRange;
  return h;
}

// Four float pixels at once, branch-free (TF's per-pixel branches mispredict
// on real images): per lane, TF's arithmetic and category choices.
void AdjustQuad(const float* in, float delta, float* out) {
  using image::Float4;
  using image::Int4;
  Float4 r, g, b;
  image::Load3x4(in, &r, &g, &b);
  const Int4 r_lt_g = r < g;
  // r < g: (b < r) -> 1: g, r, b;  (b > g) -> 3: b, g, r;  else 2: g, b, r
  // else:  (b < g) -> 0: r, g, b;  (b > r) -> 4: b, r, g;  else 5: r, b, g
  const Int4 c1 = r_lt_g & (b < r), c3 = r_lt_g & ~(b < r) & (b > g), c2 = r_lt_g & ~c1 & ~c3;
  const Int4 c0 = ~r_lt_g & (b < g), c4 = ~r_lt_g & ~(b < g) & (b > r);  // else 5: no mask needed
  const Float4 v_max = c1 | c2 ? g : c3 | c4 ? b : r;
  const Float4 v_mid = c1 | c4 ? r : c3 | c0 ? g : b;
  const Float4 v_min = c1 | c0 ? b : c3 | c2 ? r : g;
  const Int4 category = c0 ? 0 : c1 ? 1 : c2 ? 2 : c3 ? 3 : c4 ? 4 : 5;
  const Float4 ratio = (v_mid - v_min) / (v_max - v_min);
  const Int4 increasing = (category & 1) == 0;
  const Float4 zero = {0, 0, 0, 0};
  Float4 h = v_max == v_min ? zero : __builtin_convertvector(category, Float4) + (increasing ? ratio : 1 - ratio);
  h += delta * kRange;
  for (int i = 0; i < 4; ++i) {
    if (!(h[i] >= 0 && h[i] < kRange)) h[i] = WrapHue(h[i]);
  }
  // Back to RGB. TF converts the hue to int directly: a NaN hue (INT_MIN on
  // x86) lands in its default branch, category 5, with a NaN ratio.
  const Int4 finite = h == h;
  const Int4 cat = finite ? __builtin_convertvector(finite ? h : zero, Int4) : 5;
  Float4 mid_ratio = h - __builtin_convertvector(cat, Float4);
  mid_ratio = (cat & 1) != 0 ? 1 - mid_ratio : mid_ratio;
  const Float4 mid = v_min + mid_ratio * (v_max - v_min);
  const Float4 out_r = cat == 0 || cat == 5 ? v_max : cat == 1 || cat == 4 ? mid : v_min;
  const Float4 out_g = cat == 1 || cat == 2 ? v_max : cat == 0 || cat == 3 ? mid : v_min;
  const Float4 out_b = cat == 3 || cat == 4 ? v_max : cat == 2 || cat == 5 ? mid : v_min;
  image::Store3x4(out_r, out_g, out_b, out);
}

Status AdjustHueKernel(KernelContext& ctx) {
  const DType dtype = ctx.input(0).dtype();
  OPBRIDGE_REQUIRE(dtype == DType::kFloat32, "TF has no CPU kernel for T=", DTypeName(dtype), " (only float)");
  const float* in = ctx.input(0).data<float>();
  float* out = ctx.output(0).data<float>();
  const float delta = ctx.input(1).data<float>()[0];
  const int64_t pixels = ctx.input(0).num_elements() / 3;
  image::ForPixelQuads(ctx, in, out, pixels, 40, [delta](const float* a, float* b) { AdjustQuad(a, delta, b); });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("AdjustHue")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Rotates the hue of RGB images [..., 3] by delta (a fraction of the color wheel) "
                              "(tf.image.adjust_hue).")
                         .Input("images: T")
                         .Input("delta: float")
                         .Output("output: T")
                         .Attr("T: {half, float} = DT_FLOAT")
                         .ShapeRule(AdjustHueShape)
                         .Kernel(AdjustHueKernel));

}  // namespace
}  // namespace opbridge
