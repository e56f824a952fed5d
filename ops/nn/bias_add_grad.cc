// BiasAddGrad: the gradient of tf.nn.bias_add with respect to the bias, the
// sum of out_backprop over every dim but the channel dim. float32 lowers to
// a builtin SUM; float64, half (and the other types TF registers) stay
// CUSTOM "BiasAddGrad" {T, data_format}.
//
// NHWC: channels are the last dim (rank >= 2); NCHW: dim 1 (rank >= 3, as
// TF's shape function requires). TF sums in a wider accumulator for
// half and bfloat16 (float) and rounds once. TF splits the rows over its
// thread pool and adds the partial sums, so its rounding depends on its
// thread count; here each channel is summed in row order, which equals TF's
// one-block result (the difference otherwise is a few ulps of the sum).
#include <complex>
#include <string>
#include <type_traits>
#include <vector>

#include "binary_grad.h"

namespace opbridge {
namespace {

enum class DataFormat { kNHWC, kNCHW };

struct BiasAddGradParams {
  DataFormat data_format = DataFormat::kNHWC;

  static void Declare(ParamBinder& b, BiasAddGradParams& p) {
    b.Enum("data_format: {'NHWC', 'NCHW'} = 'NHWC'", &p.data_format,
           {{"NHWC", DataFormat::kNHWC}, {"NCHW", DataFormat::kNCHW}});
  }
};

// The channel dim for a shape of this rank.
int ChannelDim(int rank, DataFormat format) { return format == DataFormat::kNCHW ? 1 : rank - 1; }

Status BiasAddGradShape(ShapeContext& ctx, const BiasAddGradParams& p) {
  const Shape& in = ctx.input(0);
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, p.data_format == DataFormat::kNCHW ? 3 : 2));
  ctx.set_output(0, Shape{in.rank_known() ? in.dim(ChannelDim(in.rank(), p.data_format)) : kUnknownDim});
  return Status::Ok();
}

// Integer sums wrap as TF's do: accumulated unsigned, where wrapping is defined.
template <typename T, bool = std::is_integral_v<T>>
struct SumType {
  using type = std::conditional_t<nn::kIs16BitFloat<T>, float, T>;
};
template <typename T>
struct SumType<T, true> {
  using type = std::make_unsigned_t<T>;
};
template <typename T>
using Accumulator = typename SumType<T>::type;

template <typename T>
Status SumChannels(KernelContext& ctx, const BiasAddGradParams& p) {
  using A = Accumulator<T>;
  const ConstTensor& in = ctx.input(0);
  const int rank = in.rank();
  const int c_dim = ChannelDim(rank, p.data_format);
  const int64_t channels = in.dim(c_dim);
  int64_t outer = 1, inner = 1;  // dims before and after the channel dim
  for (int i = 0; i < c_dim; ++i) outer *= in.dim(i);
  for (int i = c_dim + 1; i < rank; ++i) inner *= in.dim(i);
  const T* x = in.data<T>();
  T* out = ctx.output(0).data<T>();
  if (inner == 1) {
    // Channels last: a column per channel. Summing a block of channels row by
    // row reads the tensor once, in order (a column at a time re-read it per
    // channel, strided); each channel still adds its values in row order.
    ctx.ParallelFor(channels, outer + 1, [&](int64_t begin, int64_t end) {
      std::vector<A> sums(static_cast<size_t>(end - begin), A(0));
      A* acc = sums.data();
      const int64_t width = end - begin;
      for (int64_t o = 0; o < outer; ++o) {
        const T* row = x + o * channels + begin;
        for (int64_t c = 0; c < width; ++c) acc[c] += static_cast<A>(row[c]);
      }
      for (int64_t c = 0; c < width; ++c) out[begin + c] = static_cast<T>(acc[c]);
    });
    return Status::Ok();
  }
  ctx.ParallelFor(channels, outer * inner + 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      A sum = A(0);
      for (int64_t o = 0; o < outer; ++o) {
        const T* row = x + (o * channels + c) * inner;
        for (int64_t i = 0; i < inner; ++i) sum += static_cast<A>(row[i]);
      }
      out[c] = static_cast<T>(sum);
    }
  });
  return Status::Ok();
}

Status BiasAddGradKernel(KernelContext& ctx, const BiasAddGradParams& p) {
  return nn::DispatchFloatsAnd<float, double, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t,
                               std::complex<float>, std::complex<double>>(ctx.input(0).dtype(), [&](auto tag) {
    return SumChannels<typename decltype(tag)::type>(ctx, p);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("BiasAddGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of BiasAdd for the bias: out_backprop summed over all but the "
                              "channel dim (NHWC: last; NCHW: dim 1).")
                         .Input("out_backprop: T")
                         .Output("output: T")
                         .Attr("T: {float, double, int32, uint8, int16, int8, complex64, int64, bfloat16, uint16, "
                               "complex128, half, uint32, uint64}")
                         .Params<BiasAddGradParams>()
                         .ShapeRule(BiasAddGradShape)
                         .Kernel(BiasAddGradKernel));

}  // namespace
}  // namespace opbridge
