// ExtractVolumePatches: TF's tf.extract_volume_patches, the 3-D
// ExtractImagePatches (no rates). The converter emits CUSTOM
// "ExtractVolumePatches" with {T, ksizes, strides, padding}.
//
//   input [N, P, R, C, D] -> patches [N, OP, OR, OC, KP * KR * KC * D]
// patches[n, p, r, c, ((i * KR + j) * KC + k) * D + d] =
//   input[n, p * sp + i - pad_p, r * sr + j - pad_r, c * sc + k - pad_c, d]
// or 0 outside the volume. The output sizes are TF's GetWindowedOutputSize;
// the padding is not: TF's kernel hands the work to Eigen's
// extract_volume_patches, which places SAME windows with
// pad = ((out - 1) * stride + ksize - in) / 2 truncated toward zero, negative
// when the stride skips past the end (in 8, ksize 1, stride 4: pad -1, the
// windows start at 1 and 5), where GetWindowedOutputSize would say 0. A pure
// copy, so it works on bytes: every type TF registers, bit for bit.
#include <algorithm>
#include <cstring>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using image::Padding;

struct VolumePatchParams {
  std::vector<int64_t> ksizes, strides;
  DType type = DType::kInvalid;  // bound by the tensors; a field only to keep TF's attr order
  Padding padding = Padding::kValid;

  static void Declare(ParamBinder& b, VolumePatchParams& p) {
    b.Attr("ksizes: list(int)", &p.ksizes);
    b.Attr("strides: list(int)", &p.strides);
    b.Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64, uint8, uint16, uint32, uint64}", &p.type);
    b.Enum("padding: {'SAME', 'VALID'}", &p.padding, {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
  }
};

struct VolumeGeometry {
  int64_t ksize[3], stride[3];
  int64_t out[3] = {kUnknownDim, kUnknownDim, kUnknownDim};
  int64_t pad[3] = {0, 0, 0};
};

// TF's constructor checks (ParseAttributeVec5) and, for the known spatial
// dims, the output size and Eigen's padding.
Status Geometry(const VolumePatchParams& p, const Shape& input, VolumeGeometry* g) {
  const char* names[2] = {"ksizes", "strides"};
  const std::vector<int64_t>* values[2] = {&p.ksizes, &p.strides};
  int64_t* dest[2] = {g->ksize, g->stride};
  for (int a = 0; a < 2; ++a) {
    const std::vector<int64_t>& v = *values[a];
    OPBRIDGE_REQUIRE(v.size() == 5, "attr '", names[a], "' must have 5 elements, got ", v.size());
    OPBRIDGE_REQUIRE(v[0] == 1 && v[4] == 1, "Only support ", names[a], " across space.");
    OPBRIDGE_REQUIRE(v[1] >= 1 && v[2] >= 1 && v[3] >= 1, names[a], " is out of range.");
    for (int k = 0; k < 3; ++k) {
      OPBRIDGE_REQUIRE(v[static_cast<size_t>(k + 1)] <= INT32_MAX, names[a], " is out of range.");
      dest[a][k] = v[static_cast<size_t>(k + 1)];
    }
  }
  if (!input.rank_known()) return Status::Ok();
  OPBRIDGE_REQUIRE(input.rank() == 5, "input must be 5-dimensional", input.ToString());
  const char* dims[3] = {"planes", "rows", "cols"};
  for (int k = 0; k < 3; ++k) {
    const int64_t in = input.dim(1 + k);
    if (in == kUnknownDim) continue;
    int64_t unused = 0;
    OPBRIDGE_RETURN_IF_ERROR(
        image::WindowedOutputSize(in, g->ksize[k], g->stride[k], p.padding, dims[k], &g->out[k], &unused));
    if (p.padding == Padding::kSame) g->pad[k] = ((g->out[k] - 1) * g->stride[k] + g->ksize[k] - in) / 2;
  }
  return Status::Ok();
}

Status ExtractVolumePatchesShape(ShapeContext& ctx, const VolumePatchParams& p) {
  VolumeGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(Geometry(p, ctx.input(0), &g));
  const Shape& in = ctx.input(0);
  if (!in.rank_known()) {
    ctx.set_output(0, Shape({kUnknownDim, kUnknownDim, kUnknownDim, kUnknownDim, kUnknownDim}));
    return Status::Ok();
  }
  const int64_t depth = in.dim(4);
  int64_t patch = g.ksize[0];
  OPBRIDGE_REQUIRE(!__builtin_mul_overflow(patch, g.ksize[1], &patch) &&
                       !__builtin_mul_overflow(patch, g.ksize[2], &patch) &&
                       (depth == kUnknownDim || !__builtin_mul_overflow(patch, depth, &patch)) &&
                       patch <= INT32_MAX,
                   "Output size would overflow: ", g.ksize[0], " x ", g.ksize[1], " x ", g.ksize[2], " x ", depth);
  ctx.set_output(0, Shape({in.dim(0), g.out[0], g.out[1], g.out[2], depth == kUnknownDim ? kUnknownDim : patch}));
  return Status::Ok();
}

Status ExtractVolumePatchesKernel(KernelContext& ctx, const VolumePatchParams& p) {
  const ConstTensor& input = ctx.input(0);
  const Tensor& patches = ctx.output(0);
  VolumeGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(Geometry(p, input.shape(), &g));
  if (patches.num_elements() == 0) return Status::Ok();
  const int64_t planes = input.dim(1), rows = input.dim(2), cols = input.dim(3);
  const auto elem = static_cast<int64_t>(DTypeSize(input.dtype()));
  const int64_t depth_bytes = input.dim(4) * elem;
  const int64_t out_p = g.out[0], out_r = g.out[1], out_c = g.out[2];
  const int64_t patch_bytes = g.ksize[0] * g.ksize[1] * g.ksize[2] * depth_bytes;
  const char* in = input.data<char>();
  auto* out = patches.data<char>();

  // One task per output row (n, p, r): per window position KP*KR*KC copies of
  // D elements, or zeros outside the volume.
  ctx.ParallelFor(input.dim(0) * out_p * out_r, out_c * patch_bytes / 4 + 20, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t n = task / (out_p * out_r), op = task / out_r % out_p, orow = task % out_r;
      const char* volume = in + n * planes * rows * cols * depth_bytes;
      char* dst = out + task * out_c * patch_bytes;
      for (int64_t oc = 0; oc < out_c; ++oc) {
        for (int64_t i = 0; i < g.ksize[0]; ++i) {
          const int64_t z = op * g.stride[0] + i - g.pad[0];
          const bool plane_inside = z >= 0 && z < planes;
          for (int64_t j = 0; j < g.ksize[1]; ++j) {
            const int64_t y = orow * g.stride[1] + j - g.pad[1];
            const bool row_inside = plane_inside && y >= 0 && y < rows;
            // The window's columns inside the volume are one contiguous run
            // of the input row: zeros before it, one copy, zeros after.
            const int64_t x0 = oc * g.stride[2] - g.pad[2];
            const int64_t lo = row_inside ? std::clamp<int64_t>(-x0, 0, g.ksize[2]) : g.ksize[2];
            const int64_t hi = row_inside ? std::clamp<int64_t>(cols - x0, lo, g.ksize[2]) : g.ksize[2];
            std::memset(dst, 0, static_cast<size_t>(lo * depth_bytes));
            if (hi > lo) {
              std::memcpy(dst + lo * depth_bytes, volume + ((z * rows + y) * cols + x0 + lo) * depth_bytes,
                          static_cast<size_t>((hi - lo) * depth_bytes));
            }
            std::memset(dst + hi * depth_bytes, 0, static_cast<size_t>((g.ksize[2] - hi) * depth_bytes));
            dst += g.ksize[2] * depth_bytes;
          }
        }
      }
    }
  });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("ExtractVolumePatches")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Patches of an NDHWC volume batch, flattened into the depth dimension "
                              "(tf.extract_volume_patches).")
                         .Input("input: T")
                         .Output("patches: T")
                         .Params<VolumePatchParams>()
                         .ShapeRule(ExtractVolumePatchesShape)
                         .Kernel(ExtractVolumePatchesKernel));

}  // namespace
}  // namespace opbridge
