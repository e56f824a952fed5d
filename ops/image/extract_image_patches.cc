// ExtractImagePatches: TF's tf.image.extract_patches. The converter emits
// CUSTOM "ExtractImagePatches" with {T, ksizes, strides, rates, padding}.
//
//   images [N, H, W, D] -> patches [N, OH, OW, KH * KW * D]
// patches[n, r, c, (i * KW + j) * D + d] =
//   images[n, r * stride_r + i * rate_r - pad_top, c * stride_c + j * rate_c - pad_left, d]
// or 0 outside the image. The window spans KH + (KH - 1) * (rate_r - 1) rows;
// output sizes and SAME padding follow TF's GetWindowedOutputSize (as TF's
// Eigen kernel does). A pure copy, so it works on bytes: every element type
// TF's CPU kernel takes. TF's op also admits bool, for which TF registers no
// kernel on any device: a bool image is refused, as TF refuses it, rather than
// given patches TF never computes.
#include <cstring>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using image::Padding;

struct PatchParams {
  std::vector<int64_t> ksizes, strides, rates;
  DType type = DType::kInvalid;  // bound by the tensors; a field only to keep TF's attr order
  Padding padding = Padding::kValid;

  static void Declare(ParamBinder& b, PatchParams& p) {
    b.Attr("ksizes: list(int)", &p.ksizes);
    b.Attr("strides: list(int)", &p.strides);
    b.Attr("rates: list(int)", &p.rates);
    b.Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
           "uint64, complex64, complex128, bool}",
           &p.type);
    b.Enum("padding: {'SAME', 'VALID'}", &p.padding, {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
  }
};

struct PatchGeometry {
  int64_t ksize[2], stride[2], rate[2];
  int64_t out[2] = {kUnknownDim, kUnknownDim};
  int64_t pad[2] = {0, 0};
};

// Checks the attrs as TF's kernel constructor does and, when the input's
// spatial dims are known, computes the output size and padding.
Status Geometry(const PatchParams& p, const Shape& images, PatchGeometry* g) {
  const char* names[3] = {"ksizes", "strides", "rates"};
  const std::vector<int64_t>* values[3] = {&p.ksizes, &p.strides, &p.rates};
  int64_t* dest[3] = {g->ksize, g->stride, g->rate};
  for (int a = 0; a < 3; ++a) {
    int64_t v[4];
    OPBRIDGE_RETURN_IF_ERROR(image::Attr4(*values[a], names[a], v));
    OPBRIDGE_REQUIRE(v[0] == 1 && v[3] == 1, "Only support ", names[a], " across space (attr '", names[a],
                     "' must be [1, x, y, 1])");
    OPBRIDGE_REQUIRE(v[1] >= 1 && v[2] >= 1 && v[1] <= INT32_MAX && v[2] <= INT32_MAX, names[a],
                     " is out of range (attr '", names[a], "' spatial entries must be >= 1)");
    dest[a][0] = v[1];
    dest[a][1] = v[2];
  }
  if (!images.rank_known()) return Status::Ok();
  for (int k = 0; k < 2; ++k) {
    const int64_t in = images.dim(1 + k);
    if (in == kUnknownDim) continue;
    const int64_t effective = g->ksize[k] + (g->ksize[k] - 1) * (g->rate[k] - 1);
    OPBRIDGE_REQUIRE(effective <= INT32_MAX, "the effective window (", effective, ") is too large");
    OPBRIDGE_RETURN_IF_ERROR(image::WindowedOutputSize(in, effective, g->stride[k], p.padding,
                                                       k == 0 ? "rows" : "cols", &g->out[k], &g->pad[k]));
  }
  return Status::Ok();
}

Status ExtractImagePatchesShape(ShapeContext& ctx, const PatchParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  PatchGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(Geometry(p, ctx.input(0), &g));
  const Shape& in = ctx.input(0);
  if (!in.rank_known()) {
    ctx.set_output(0, Shape({kUnknownDim, kUnknownDim, kUnknownDim, kUnknownDim}));
    return Status::Ok();
  }
  const int64_t depth = in.dim(3);
  // Each factor is below 2^31; keep the product within TFLite's int32 dims.
  OPBRIDGE_REQUIRE(g.ksize[0] * g.ksize[1] <= INT32_MAX &&
                       (depth == kUnknownDim || depth == 0 || g.ksize[0] * g.ksize[1] <= INT32_MAX / depth),
                   "patches of ", g.ksize[0], "x", g.ksize[1], "x", depth, " elements are too large");
  const int64_t patch = depth == kUnknownDim ? kUnknownDim : g.ksize[0] * g.ksize[1] * depth;
  ctx.set_output(0, Shape({in.dim(0), g.out[0], g.out[1], patch}));
  return Status::Ok();
}

Status ExtractImagePatchesKernel(KernelContext& ctx, const PatchParams& p) {
  const ConstTensor& images = ctx.input(0);
  const Tensor& patches = ctx.output(0);
  OPBRIDGE_REQUIRE(images.dtype() != DType::kBool, "TF has no kernel for T=bool");
  PatchGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(Geometry(p, images.shape(), &g));
  if (patches.num_elements() == 0) return Status::Ok();
  const int64_t height = images.dim(1), width = images.dim(2);
  const auto elem = static_cast<int64_t>(DTypeSize(images.dtype()));
  const int64_t depth_bytes = images.dim(3) * elem;
  const int64_t out_rows = g.out[0], out_cols = g.out[1];
  const int64_t patch_bytes = g.ksize[0] * g.ksize[1] * depth_bytes;
  const char* in = images.data<char>();
  auto* out = patches.data<char>();

  // One task per output row: KW*KH contiguous copies of D elements per pixel.
  ctx.ParallelFor(images.dim(0) * out_rows, out_cols * patch_bytes / 4 + 20, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t n = task / out_rows, r = task % out_rows;
      const char* image = in + n * height * width * depth_bytes;
      char* dst = out + task * out_cols * patch_bytes;
      for (int64_t c = 0; c < out_cols; ++c) {
        for (int64_t i = 0; i < g.ksize[0]; ++i) {
          const int64_t y = r * g.stride[0] + i * g.rate[0] - g.pad[0];
          const bool row_inside = y >= 0 && y < height;
          for (int64_t j = 0; j < g.ksize[1]; ++j, dst += depth_bytes) {
            const int64_t x = c * g.stride[1] + j * g.rate[1] - g.pad[1];
            if (row_inside && x >= 0 && x < width) {
              std::memcpy(dst, image + (y * width + x) * depth_bytes, static_cast<size_t>(depth_bytes));
            } else {
              std::memset(dst, 0, static_cast<size_t>(depth_bytes));
            }
          }
        }
      }
    }
  });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("ExtractImagePatches")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Patches of an NHWC image batch, flattened into the depth dimension "
                              "(tf.image.extract_patches).")
                         .Input("images: T")
                         .Output("patches: T")
                         .Params<PatchParams>()
                         .ShapeRule(ExtractImagePatchesShape)
                         .Kernel(ExtractImagePatchesKernel));

}  // namespace
}  // namespace opbridge
