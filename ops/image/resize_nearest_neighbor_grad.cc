// ResizeNearestNeighborGrad: the gradient of ResizeNearestNeighbor
// (tf.image.resize method="nearest", Keras UpSampling2D under
// tf.GradientTape). The converter emits CUSTOM "ResizeNearestNeighborGrad"
// {T, align_corners, half_pixel_centers}; `size` is the original image's
// [height, width], an int32 input.
//
//   grads [B, RH, RW, C] T, size [2] -> [B, size[0], size[1], C] T
//
// Each resized pixel's gradient is added to the one original pixel the
// forward op copied it from, with TF's index rule computed the grad's way:
// scale = ResizeScale(original, resized), src = y * scale (or
// (y + 0.5) * scale with half_pixel_centers), roundf with align_corners and
// floorf without, min(original - 1), max(0) with half_pixel_centers. Unlike
// the forward op, TF's grad kernel accepts align_corners together with
// half_pixel_centers (both branches are compiled), and so does this one.
//
// TF adds in order of (y, x) over the resized grid, per image. An output row
// here gathers the resized rows mapping to it (contiguous, increasing y:
// the indices are monotone) and adds their pixels in increasing x, so every
// element gets TF's sums in TF's order: the same bits for the float types
// (Eigen::half / bfloat16 round each sum, as TF's), wrapping sums for the
// integers.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../math/int_arith.h"
#include "image_util.h"
#include "opbridge/op.h"
#include "resize_util.h"

namespace opbridge {
namespace {

struct ResizeNearestNeighborGradParams {
  bool align_corners = false;
  bool half_pixel_centers = false;

  static void Declare(ParamBinder& b, ResizeNearestNeighborGradParams& p) {
    b.Attr("align_corners: bool = false", &p.align_corners);
    b.Attr("half_pixel_centers: bool = false", &p.half_pixel_centers);
  }
};

// The original index each resized coordinate was copied from.
std::vector<int64_t> SourceIndices(int64_t resized, int64_t original, bool align_corners, bool half_pixel) {
  const float scale = image::ResizeScale(original, resized, align_corners);
  std::vector<int64_t> result(static_cast<size_t>(resized));
  for (int64_t i = 0; i < resized; ++i) {
    const float src = half_pixel ? (static_cast<float>(i) + 0.5f) * scale : image::LegacySource(i, scale);
    int64_t index = std::min(static_cast<int64_t>(align_corners ? roundf(src) : floorf(src)), original - 1);
    if (half_pixel) index = std::max<int64_t>(index, 0);
    result[static_cast<size_t>(i)] = index;
  }
  return result;
}

Status CheckGrads(const Shape& grads) {
  OPBRIDGE_REQUIRE(!grads.rank_known() || grads.rank() == 4, "input must be 4-dimensional", grads.ToString());
  return Status::Ok();
}

Status CheckSize(int64_t h, int64_t w) {
  OPBRIDGE_REQUIRE(h > 0 && w > 0, "shape_t's elements must be positive");
  return Status::Ok();
}

Status ResizeNearestNeighborGradShape(ShapeContext& ctx, const ResizeNearestNeighborGradParams&) {
  OPBRIDGE_RETURN_IF_ERROR(CheckGrads(ctx.input(0)));
  int64_t h = 0, w = 0;
  OPBRIDGE_RETURN_IF_ERROR(image::KnownIntPair(ctx, 1, "shape_t", &h, &w));
  const Shape& grads = ctx.input(0);
  if (h == kUnknownDim) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  OPBRIDGE_RETURN_IF_ERROR(CheckSize(h, w));
  ctx.set_output(0, Shape({grads.rank_known() ? grads.dim(0) : kUnknownDim, h, w,
                           grads.rank_known() ? grads.dim(3) : kUnknownDim}));
  return Status::Ok();
}

template <typename T>
Status Grad(KernelContext& ctx, const ResizeNearestNeighborGradParams& p, const Tensor& output) {
  const ConstTensor& grads = ctx.input(0);
  const int64_t batch = grads.dim(0), resized_h = grads.dim(1), resized_w = grads.dim(2), nc = grads.dim(3);
  const int64_t original_h = output.dim(1), original_w = output.dim(2);
  const std::vector<int64_t> ys = SourceIndices(resized_h, original_h, p.align_corners, p.half_pixel_centers);
  const std::vector<int64_t> xs = SourceIndices(resized_w, original_w, p.align_corners, p.half_pixel_centers);
  // The resized rows mapping to each original row: [first[r], last[r]).
  std::vector<int64_t> first(static_cast<size_t>(original_h), 0), last(static_cast<size_t>(original_h), 0);
  for (int64_t y = resized_h - 1; y >= 0; --y) {
    const auto r = static_cast<size_t>(ys[static_cast<size_t>(y)]);
    first[r] = y;
    if (last[r] == 0) last[r] = y + 1;
  }
  const T* in = grads.data<T>();
  T* out = output.data<T>();
  const int64_t out_row = original_w * nc, in_row = resized_w * nc;
  const int64_t cost = (resized_h / original_h + 1) * in_row + out_row;
  ctx.ParallelFor(batch * original_h, cost, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / original_h, r = task % original_h;
      T* __restrict dst = out + task * out_row;
      std::fill(dst, dst + out_row, T(0));
      for (int64_t y = first[static_cast<size_t>(r)]; y < last[static_cast<size_t>(r)]; ++y) {
        const T* __restrict src = in + (b * resized_h + y) * in_row;
        for (int64_t x = 0; x < resized_w; ++x, src += nc) {
          T* d = dst + xs[static_cast<size_t>(x)] * nc;
          for (int64_t c = 0; c < nc; ++c) d[c] = math::WrapAdd(d[c], src[c]);
        }
      }
    }
  });
  return Status::Ok();
}

Status ResizeNearestNeighborGradKernel(KernelContext& ctx, const ResizeNearestNeighborGradParams& p) {
  const ConstTensor& grads = ctx.input(0);
  OPBRIDGE_RETURN_IF_ERROR(CheckGrads(grads.shape()));
  int64_t h = 0, w = 0;
  OPBRIDGE_RETURN_IF_ERROR(image::ReadIntPair(ctx.input(1), "shape_t", &h, &w));
  OPBRIDGE_RETURN_IF_ERROR(CheckSize(h, w));
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(image::OutputWithShape(ctx, 0, Shape({grads.dim(0), h, w, grads.dim(3)}), &output));
  if (output.num_elements() == 0) return Status::Ok();
  return image::DispatchWith16BitFloats<float, double, int8_t, uint8_t, int32_t>(
      grads.dtype(), true, true, [&](auto tag) { return Grad<typename decltype(tag)::type>(ctx, p, output); });
}

OPBRIDGE_REGISTER_OP(OpSpec("ResizeNearestNeighborGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of ResizeNearestNeighbor: each resized pixel's gradient added to the "
                              "original pixel it was copied from.")
                         .Input("grads: T")
                         .Input("size: int32")
                         .Output("output: T")
                         .Attr("T: {uint8, int8, int32, half, float, double, bfloat16}")
                         .Params<ResizeNearestNeighborGradParams>()
                         .ShapeRule(ResizeNearestNeighborGradShape)
                         .Kernel(ResizeNearestNeighborGradKernel));

}  // namespace
}  // namespace opbridge
