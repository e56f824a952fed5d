// FusedBatchNormGradV3: the gradient of FusedBatchNormV3, which a converted
// training step leaves custom (tf.nn.fused_batch_norm, TF-Keras 2's
// BatchNormalization). Options {T, U, epsilon, data_format, is_training}.
//
//   y_backprop, x (x's shape, T), scale [C], reserve_space_1 (the batch
//   mean m), reserve_space_2 (the biased batch variance v), reserve_space_3
//   (unread) -> x_backprop (T), scale_backprop, offset_backprop [C], and
//   reserve_space_4/5 (empty), all float. With r = rsqrt(v + eps), per
//   channel over its R elements:
//   offset_backprop = sum(dy), scale_backprop = sum(dy * (x - m)) * r,
//   training:  x_backprop = scale * r * (dy - sum(dy) / R
//                           - (x - m) * r^2 * sum(dy * (x - m)) / R)
//   inference: x_backprop = dy * scale * r
// (TF's FusedBatchNormGrad CPU functor). Empty x gives zero scale/offset
// gradients. Sums run in double and results round once to float: within
// float rounding of TF, which sums in float.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "fused_batch_norm.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using nn::NormLayout;

struct FusedBatchNormGradParams : nn::BatchNormAttrs {
  static void Declare(ParamBinder& b, FusedBatchNormGradParams& p) {
    DeclareEpsilon(b, p);
    DeclareFormatAndMode(b, p);
  }
};

// TF's checks of FusedBatchNormGradOpBase::ComputeWithReservedSpace, in its order.
Status Check(const FusedBatchNormGradParams& p, const Shape& dy, const Shape& x, const Shape& scale,
             const Shape& mean, const Shape& var, NormLayout* l) {
  OPBRIDGE_REQUIRE(dy.rank() == 4 || dy.rank() == 5, "input must be 4 or 5-dimensional", nn::ShapeText(dy));
  OPBRIDGE_RETURN_IF_ERROR(nn::NormLayoutOf(x, p.channels_first(), l));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireVector(scale, "scale"));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireVector(mean, "saved mean"));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireVector(var, "saved variance"));
  OPBRIDGE_REQUIRE(x.dims() == dy.dims(), "x and y_backprop must have same shape, but x has shape ", nn::ShapeText(x),
                   " and y_backprop has shape ", nn::ShapeText(dy));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireChannels(scale, l->channels, "", "scale"));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireChannels(mean, l->channels, "", "reserve_space_1"));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireChannels(var, l->channels, "", "reserve_space_2"));
  return Status::Ok();
}

Status FusedBatchNormGradShape(ShapeContext& ctx, const FusedBatchNormGradParams& p) {
  const Shape& x = ctx.input(1);
  int64_t channels = kUnknownDim;
  if (x.rank_known()) {
    bool known = true;
    for (int i = 0; i < 5; ++i) known = known && ctx.input(i).fully_known();
    NormLayout l;
    if (known) {
      OPBRIDGE_RETURN_IF_ERROR(Check(p, ctx.input(0), x, ctx.input(2), ctx.input(3), ctx.input(4), &l));
    } else {
      OPBRIDGE_REQUIRE(x.rank() == 4 || x.rank() == 5, "input must be 4 or 5-dimensional", nn::ShapeText(x));
    }
    channels = x.dim(p.channels_first() ? 1 : x.rank() - 1);
  }
  ctx.set_output(0, x);
  ctx.set_output(1, Shape({channels}));
  ctx.set_output(2, Shape({channels}));
  ctx.set_output(3, Shape({0}));
  ctx.set_output(4, Shape({0}));
  return Status::Ok();
}

// The op's tensors, as both loops read and write them.
template <typename T>
struct GradTensors {
  explicit GradTensors(KernelContext& ctx)
      : dy(ctx.input(0).data<T>()),
        x(ctx.input(1).data<T>()),
        scale(ctx.input(2).data<float>()),
        mean(ctx.input(3).data<float>()),
        var(ctx.input(4).data<float>()),
        dx(ctx.output(0).data<T>()),
        scale_backprop(ctx.output(1).data<float>()),
        offset_backprop(ctx.output(2).data<float>()) {}
  const T* dy;
  const T* x;
  const float* scale;
  const float* mean;
  const float* var;
  T* dx;
  float* scale_backprop;
  float* offset_backprop;
};

// Channels last (inner 1): the sums a block of channels at a time across
// each pixel (contiguous, vectorized; every channel still adds its elements
// in pixel order, so the bits of the per-channel loop below), then
// x_backprop a pixel at a time, the same expression per element.
template <typename T>
Status ChannelsLast(KernelContext& ctx, const FusedBatchNormGradParams& p, const NormLayout& l,
                    const GradTensors<T>& t) {
  const int64_t rest = l.rest(), channels = l.channels;
  const auto eps = static_cast<float>(p.epsilon);
  // Per channel: m, r, and the factors of x_backprop.
  std::vector<double> m(static_cast<size_t>(channels)), k(m.size()), mean_dy(m.size()), mean_dy_xc(m.size());
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (channels + kBlock - 1) / kBlock;
  ctx.ParallelFor(blocks, rest * 3 * kBlock + 1, [&](int64_t begin, int64_t end) {
    double mb[kBlock], sum_dy[kBlock], sum_dy_xc[kBlock];
    for (int64_t b = begin; b < end; ++b) {
      const int64_t c0 = b * kBlock, width = std::min(kBlock, channels - c0);
      for (int64_t c = 0; c < width; ++c) mb[c] = t.mean[c0 + c], sum_dy[c] = 0.0, sum_dy_xc[c] = 0.0;
      for (int64_t o = 0; o < l.outer; ++o) {
        const T* pdy = t.dy + o * channels + c0;
        const T* px = t.x + o * channels + c0;
        for (int64_t c = 0; c < width; ++c) {
          const double g = static_cast<float>(pdy[c]);
          sum_dy[c] += g;
          sum_dy_xc[c] += g * (static_cast<double>(static_cast<float>(px[c])) - mb[c]);
        }
      }
      for (int64_t c = 0; c < width; ++c) {
        const int64_t ch = c0 + c;
        const auto at = static_cast<size_t>(ch);
        const double r = 1.0 / std::sqrt(static_cast<double>(t.var[ch] + eps));
        t.offset_backprop[ch] = static_cast<float>(sum_dy[c]);
        t.scale_backprop[ch] = static_cast<float>(sum_dy_xc[c] * r);
        m[at] = mb[c];
        k[at] = static_cast<double>(t.scale[ch]) * r;
        if (rest > 0) {
          mean_dy[at] = sum_dy[c] / static_cast<double>(rest);
          mean_dy_xc[at] = sum_dy_xc[c] / static_cast<double>(rest) * r * r;
        }
      }
    }
  });
  if (rest == 0) return Status::Ok();
  ctx.ParallelFor(l.outer, channels * 4, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      const T* pdy = t.dy + o * channels;
      const T* px = t.x + o * channels;
      T* pdx = t.dx + o * channels;
      for (int64_t c = 0; c < channels; ++c) {
        const auto at = static_cast<size_t>(c);
        const double g = static_cast<float>(pdy[c]);
        if (p.is_training) {
          const double xc = static_cast<double>(static_cast<float>(px[c])) - m[at];
          pdx[c] = static_cast<T>(static_cast<float>(k[at] * (g - mean_dy[at] - xc * mean_dy_xc[at])));
        } else {
          pdx[c] = static_cast<T>(static_cast<float>(g * k[at]));
        }
      }
    }
  });
  return Status::Ok();
}

template <typename T>
Status Compute(KernelContext& ctx, const FusedBatchNormGradParams& p, const NormLayout& l) {
  const GradTensors<T> t(ctx);
  if (l.inner == 1) return ChannelsLast<T>(ctx, p, l, t);
  const int64_t rest = l.rest();
  const auto eps = static_cast<float>(p.epsilon);
  // One work item per channel: its two sums, then its x_backprop.
  ctx.ParallelFor(l.channels, rest * 6 + 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const double m = t.mean[c];
      const double r = 1.0 / std::sqrt(static_cast<double>(t.var[c] + eps));
      double sum_dy = 0.0, sum_dy_xc = 0.0;
      for (int64_t o = 0; o < l.outer; ++o) {
        const int64_t base = (o * l.channels + c) * l.inner;
        for (int64_t i = 0; i < l.inner; ++i) {
          const double g = static_cast<float>(t.dy[base + i]);
          sum_dy += g;
          sum_dy_xc += g * (static_cast<double>(static_cast<float>(t.x[base + i])) - m);
        }
      }
      t.offset_backprop[c] = static_cast<float>(sum_dy);
      t.scale_backprop[c] = static_cast<float>(sum_dy_xc * r);
      if (rest == 0) continue;
      const double k = static_cast<double>(t.scale[c]) * r;
      const double mean_dy = sum_dy / static_cast<double>(rest);
      const double mean_dy_xc = sum_dy_xc / static_cast<double>(rest) * r * r;
      for (int64_t o = 0; o < l.outer; ++o) {
        const int64_t base = (o * l.channels + c) * l.inner;
        for (int64_t i = 0; i < l.inner; ++i) {
          const double g = static_cast<float>(t.dy[base + i]);
          if (p.is_training) {
            const double xc = static_cast<double>(static_cast<float>(t.x[base + i])) - m;
            t.dx[base + i] = static_cast<T>(static_cast<float>(k * (g - mean_dy - xc * mean_dy_xc)));
          } else {
            t.dx[base + i] = static_cast<T>(static_cast<float>(g * k));
          }
        }
      }
    }
  });
  return Status::Ok();
}

Status FusedBatchNormGradKernel(KernelContext& ctx, const FusedBatchNormGradParams& p) {
  NormLayout l;
  OPBRIDGE_RETURN_IF_ERROR(Check(p, ctx.input(0).shape(), ctx.input(1).shape(), ctx.input(2).shape(),
                                 ctx.input(3).shape(), ctx.input(4).shape(), &l));
  OPBRIDGE_REQUIRE(ctx.input(3).dtype() == DType::kFloat32, "U must be float, got ", DTypeName(ctx.input(3).dtype()));
  return math::DispatchElement<Eigen::half, Eigen::bfloat16, float>(ctx.input(0).dtype(),
                               [&](auto tag) { return Compute<typename decltype(tag)::type>(ctx, p, l); });
}

OPBRIDGE_REGISTER_OP(OpSpec("FusedBatchNormGradV3")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of FusedBatchNormV3 with respect to x, scale and offset.")
                         .Input("y_backprop: T")
                         .Input("x: T")
                         .Input("scale: float")
                         .Input("reserve_space_1: U")
                         .Input("reserve_space_2: U")
                         .Input("reserve_space_3: U")
                         .Output("x_backprop: T")
                         .Output("scale_backprop: U")
                         .Output("offset_backprop: U")
                         .Output("reserve_space_4: U")
                         .Output("reserve_space_5: U")
                         .Attr("T: {half, bfloat16, float}")
                         .Attr("U: {float}")
                         .Params<FusedBatchNormGradParams>()
                         .ShapeRule(FusedBatchNormGradShape)
                         .Kernel(FusedBatchNormGradKernel));

}  // namespace
}  // namespace opbridge
