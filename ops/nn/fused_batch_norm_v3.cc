// FusedBatchNormV3: batch normalization in one op. The converter lowers
// inference mode (is_training=false) to builtins but leaves training mode
// custom (tf.nn.fused_batch_norm(is_training=True), TF-Keras 2's
// BatchNormalization in a train step). Options {T, U, epsilon,
// exponential_avg_factor, data_format, is_training}; the converter
// transposes NCHW to NHWC around the node.
//
//   x [N, H, W, C] (or another of the 4 formats), scale, offset [C], mean,
//   variance [C] (or empty in training with exponential_avg_factor 1)
//   -> y (x's shape, T), batch_mean, batch_variance, reserve_space_1,
//      reserve_space_2 [C] and reserve_space_3 (empty), all float.
//
// Training: m and v are each channel's mean and biased variance over its
// R = N*H*W elements; y = (x - m) * (rsqrt(v + eps) * scale) + offset;
// batch_mean = (1 - f) * mean + f * m and batch_variance = (1 - f) * variance
// + f * v * R / max(R - 1, 1) with f = exponential_avg_factor (the old values
// unread when f = 1); reserve_space_1/2 = m, v for the gradient. Empty x
// gives NaN batch statistics and zero reserves. Inference: y from the given
// mean and variance, which batch_mean/variance and the reserves repeat (TF
// leaves its reserves unset). Sums run in double and results round once to
// float (TF sums in float in Eigen's order): within float rounding of TF.
// reserve_space_3 is [0] for float32 and bfloat16 (TF's oneDNN kernel) and a
// scalar 0 for half (TF's own), as TF gives them.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "fused_batch_norm.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using nn::NormLayout;

struct FusedBatchNormParams : nn::BatchNormAttrs {
  double exponential_avg_factor = 1.0;

  static void Declare(ParamBinder& b, FusedBatchNormParams& p) {
    DeclareEpsilon(b, p);
    b.Attr("exponential_avg_factor: float = 1.0", &p.exponential_avg_factor);
    DeclareFormatAndMode(b, p);
  }
};

// TF's checks of FusedBatchNormOpBase::ComputeWithReservedSpace, in its order.
Status Check(const FusedBatchNormParams& p, const Shape& x, const Shape& scale, const Shape& offset,
             const Shape& mean, const Shape& variance, NormLayout* l) {
  OPBRIDGE_RETURN_IF_ERROR(nn::NormLayoutOf(x, p.channels_first(), l));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireVector(scale, "scale"));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireVector(offset, "offset"));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireVector(mean, "estimated_mean"));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireVector(variance, "estimated_variance"));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireChannels(scale, l->channels, "", "scale"));
  OPBRIDGE_RETURN_IF_ERROR(nn::RequireChannels(offset, l->channels, "", "offset"));
  if (!p.is_training) {
    OPBRIDGE_RETURN_IF_ERROR(nn::RequireChannels(mean, l->channels, "When is_training=false, ", "mean"));
    OPBRIDGE_RETURN_IF_ERROR(nn::RequireChannels(variance, l->channels, "When is_training=false, ", "variance"));
  } else if (p.exponential_avg_factor != 1.0) {
    OPBRIDGE_RETURN_IF_ERROR(nn::RequireChannels(mean, l->channels, "When exponential_avg_factor != 1, ", "mean"));
    OPBRIDGE_RETURN_IF_ERROR(
        nn::RequireChannels(variance, l->channels, "When exponential_avg_factor != 1, ", "variance"));
  }
  return Status::Ok();
}

Shape Reserve3(DType t) { return t == DType::kFloat16 ? Shape({}) : Shape({0}); }

Status FusedBatchNormShape(ShapeContext& ctx, const FusedBatchNormParams& p) {
  const Shape& x = ctx.input(0);
  int64_t channels = kUnknownDim;
  if (x.rank_known()) {
    bool known = true;
    for (int i = 0; i < 5; ++i) known = known && (i >= ctx.num_inputs() || ctx.input(i).fully_known());
    NormLayout l;
    if (known) {
      OPBRIDGE_RETURN_IF_ERROR(Check(p, x, ctx.input(1), ctx.input(2), ctx.input(3), ctx.input(4), &l));
    } else {
      OPBRIDGE_REQUIRE(x.rank() == 4 || x.rank() == 5, "input must be 4 or 5-dimensional", nn::ShapeText(x));
    }
    channels = x.dim(p.channels_first() ? 1 : x.rank() - 1);
  }
  ctx.set_output(0, x);
  for (int i = 1; i <= 4; ++i) ctx.set_output(i, Shape({channels}));
  ctx.set_output(5, Reserve3(ctx.input_dtype(0)));
  return Status::Ok();
}

template <typename T>
void Normalize(KernelContext& ctx, const FusedBatchNormParams& p, const NormLayout& l, const T* x,
               const float* scale, const float* offset, const std::vector<double>& m, const std::vector<double>& v,
               T* y) {
  // Per channel: y = x * a + b with a = rsqrt(v + eps) * scale, in float as TF.
  std::vector<float> a(static_cast<size_t>(l.channels)), mf(a.size()), off(a.size());
  for (int64_t c = 0; c < l.channels; ++c) {
    const auto k = static_cast<size_t>(c);
    const float vf = static_cast<float>(v[k]);
    a[k] = 1.0f / std::sqrt(vf + static_cast<float>(p.epsilon)) * scale[c];
    mf[k] = static_cast<float>(m[k]);
    off[k] = offset[c];
  }
  const int64_t cost = l.channels * l.inner * 2;
  ctx.ParallelFor(l.outer, cost, [&](int64_t begin, int64_t end) {
    if (l.inner == 1) {  // channels last: a pixel's channels are contiguous, one vector loop per pixel
      for (int64_t o = begin; o < end; ++o) {
        const T* px = x + o * l.channels;
        T* py = y + o * l.channels;
        for (int64_t c = 0; c < l.channels; ++c) {
          py[c] = static_cast<T>((static_cast<float>(px[c]) - mf[static_cast<size_t>(c)]) * a[static_cast<size_t>(c)] +
                                 off[static_cast<size_t>(c)]);
        }
      }
      return;
    }
    for (int64_t o = begin; o < end; ++o) {
      for (int64_t c = 0; c < l.channels; ++c) {
        const auto k = static_cast<size_t>(c);
        const int64_t base = (o * l.channels + c) * l.inner;
        for (int64_t i = 0; i < l.inner; ++i) {
          y[base + i] = static_cast<T>((static_cast<float>(x[base + i]) - mf[k]) * a[k] + off[k]);
        }
      }
    }
  });
}

// Each channel's mean and biased variance, two passes in double, the
// elements summed in order (outer, then inner); one work item per channel.
template <typename T>
void ChannelMoments(KernelContext& ctx, const NormLayout& l, const T* x, std::vector<double>* m,
                    std::vector<double>* v) {
  const int64_t rest = l.rest();
  ctx.ParallelFor(l.channels, rest * 4, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      double sum = 0.0;
      for (int64_t o = 0; o < l.outer; ++o) {
        const T* px = x + (o * l.channels + c) * l.inner;
        for (int64_t i = 0; i < l.inner; ++i) sum += static_cast<double>(static_cast<float>(px[i]));
      }
      const double mean = sum / static_cast<double>(rest);
      double squares = 0.0;
      for (int64_t o = 0; o < l.outer; ++o) {
        const T* px = x + (o * l.channels + c) * l.inner;
        for (int64_t i = 0; i < l.inner; ++i) {
          const double d = static_cast<double>(static_cast<float>(px[i])) - mean;
          squares += d * d;
        }
      }
      (*m)[static_cast<size_t>(c)] = mean;
      (*v)[static_cast<size_t>(c)] = squares / static_cast<double>(rest);
    }
  });
}

// The same sums for channels last (inner 1), a block of channels at a time
// across each pixel (contiguous, vectorized) instead of one channel strided
// over the whole tensor: every channel's sum still adds its elements in
// pixel order, so the results are ChannelMoments' bit for bit.
template <typename T>
void ChannelsLastMoments(KernelContext& ctx, const NormLayout& l, const T* x, std::vector<double>* m,
                         std::vector<double>* v) {
  constexpr int64_t kBlock = 64;
  const int64_t rest = l.rest(), blocks = (l.channels + kBlock - 1) / kBlock;
  ctx.ParallelFor(blocks, rest * 4 * kBlock, [&](int64_t begin, int64_t end) {
    double acc[kBlock];
    for (int64_t b = begin; b < end; ++b) {
      const int64_t c0 = b * kBlock, width = std::min(kBlock, l.channels - c0);
      std::fill(acc, acc + width, 0.0);
      for (int64_t o = 0; o < l.outer; ++o) {
        const T* px = x + o * l.channels + c0;
        for (int64_t c = 0; c < width; ++c) acc[c] += static_cast<double>(static_cast<float>(px[c]));
      }
      double mean[kBlock];
      for (int64_t c = 0; c < width; ++c) mean[c] = acc[c] / static_cast<double>(rest);
      std::fill(acc, acc + width, 0.0);
      for (int64_t o = 0; o < l.outer; ++o) {
        const T* px = x + o * l.channels + c0;
        for (int64_t c = 0; c < width; ++c) {
          const double d = static_cast<double>(static_cast<float>(px[c])) - mean[c];
          acc[c] += d * d;
        }
      }
      for (int64_t c = 0; c < width; ++c) {
        (*m)[static_cast<size_t>(c0 + c)] = mean[c];
        (*v)[static_cast<size_t>(c0 + c)] = acc[c] / static_cast<double>(rest);
      }
    }
  });
}

template <typename T>
Status Compute(KernelContext& ctx, const FusedBatchNormParams& p, const NormLayout& l) {
  const T* x = ctx.input(0).data<T>();
  const float* scale = ctx.input(1).data<float>();
  const float* offset = ctx.input(2).data<float>();
  const float* old_mean = ctx.input(3).data<float>();
  const float* old_var = ctx.input(4).data<float>();
  float* batch_mean = ctx.output(1).data<float>();
  float* batch_var = ctx.output(2).data<float>();
  float* saved_mean = ctx.output(3).data<float>();
  float* saved_var = ctx.output(4).data<float>();
  const auto channels = static_cast<size_t>(l.channels);
  std::vector<double> m(channels), v(channels);
  if (!p.is_training) {
    for (size_t c = 0; c < channels; ++c) m[c] = old_mean[c], v[c] = old_var[c];
    Normalize<T>(ctx, p, l, x, scale, offset, m, v, ctx.output(0).data<T>());
    for (size_t c = 0; c < channels; ++c) {
      batch_mean[c] = saved_mean[c] = old_mean[c];
      batch_var[c] = saved_var[c] = old_var[c];
    }
    return Status::Ok();
  }
  const int64_t rest = l.rest();
  if (rest == 0) {
    for (size_t c = 0; c < channels; ++c) {
      batch_mean[c] = batch_var[c] = std::numeric_limits<float>::quiet_NaN();
      saved_mean[c] = saved_var[c] = 0.0f;
    }
    return Status::Ok();
  }
  if (l.inner == 1) {
    ChannelsLastMoments<T>(ctx, l, x, &m, &v);
  } else {
    ChannelMoments<T>(ctx, l, x, &m, &v);
  }
  Normalize<T>(ctx, p, l, x, scale, offset, m, v, ctx.output(0).data<T>());
  const double f = p.exponential_avg_factor;
  const double adjust = static_cast<double>(rest) / static_cast<double>(std::max<int64_t>(rest - 1, 1));
  for (size_t c = 0; c < channels; ++c) {
    const double unbiased = v[c] * adjust;
    batch_mean[c] = static_cast<float>(f == 1.0 ? m[c] : (1.0 - f) * old_mean[c] + f * m[c]);
    batch_var[c] = static_cast<float>(f == 1.0 ? unbiased : (1.0 - f) * old_var[c] + f * unbiased);
    saved_mean[c] = static_cast<float>(m[c]);
    saved_var[c] = static_cast<float>(v[c]);
  }
  return Status::Ok();
}

Status FusedBatchNormKernel(KernelContext& ctx, const FusedBatchNormParams& p) {
  // TF's op admits U = bfloat16, which no CPU kernel of TF takes: refused
  // before anything else, as TF's CPU refuses the node.
  OPBRIDGE_REQUIRE(ctx.input(1).dtype() == DType::kFloat32, "TF has no CPU kernel for U=",
                   DTypeName(ctx.input(1).dtype()), " (only float)");
  NormLayout l;
  OPBRIDGE_RETURN_IF_ERROR(Check(p, ctx.input(0).shape(), ctx.input(1).shape(), ctx.input(2).shape(),
                                 ctx.input(3).shape(), ctx.input(4).shape(), &l));
  if (ctx.output(5).num_elements() > 0) ctx.output(5).data<float>()[0] = 0.0f;
  return math::DispatchElement<Eigen::half, Eigen::bfloat16, float>(ctx.input(0).dtype(),
                               [&](auto tag) { return Compute<typename decltype(tag)::type>(ctx, p, l); });
}

OPBRIDGE_REGISTER_OP(OpSpec("FusedBatchNormV3")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Batch normalization; in training, of the batch's own statistics.")
                         .Input("x: T")
                         .Input("scale: U")
                         .Input("offset: U")
                         .Input("mean: U")
                         .Input("variance: U")
                         .Output("y: T")
                         .Output("batch_mean: U")
                         .Output("batch_variance: U")
                         .Output("reserve_space_1: U")
                         .Output("reserve_space_2: U")
                         .Output("reserve_space_3: U")
                         .Attr("T: {half, bfloat16, float}")
                         .Attr("U: {bfloat16, float}")
                         .Params<FusedBatchNormParams>()
                         .ShapeRule(FusedBatchNormShape)
                         .Kernel(FusedBatchNormKernel));

}  // namespace
}  // namespace opbridge
