// BiasAdd: TF's value + bias along the channel dim (tf.nn.bias_add) in every
// dtype TF's CPU kernel takes: the converter leaves CUSTOM "BiasAdd" {T,
// data_format} for all but float32 (measured by tools/census_float64.py and
// tests/test_parity_integer_reductions.py: every integer type, complex,
// float64, half and bfloat16); float32 is kept for models that carry it
// custom. NHWC adds along the last dim, NCHW along dim 1 (for a rank-2 value
// both are the last dim). TF's checks: value at least 2-D, bias 1-D with one
// entry per channel. Exact: one addition per element, rounded to T, or for
// integers wrapped modulo 2^bits as TF's.
#include <complex>
#include <type_traits>

#include "../math/cwise.h"

namespace opbridge {
namespace {

enum class Format { kNHWC, kNCHW };

struct BiasAddParams {
  Format format = Format::kNHWC;

  static void Declare(ParamBinder& b, BiasAddParams& p) {
    b.Enum("data_format: {'NHWC', 'NCHW'} = 'NHWC'", &p.format, {{"NHWC", Format::kNHWC}, {"NCHW", Format::kNCHW}});
  }
};

int ChannelDim(int rank, Format format) { return format == Format::kNCHW ? 1 : rank - 1; }

Status Check(const Shape& value, const Shape& bias, Format format) {
  if (!value.rank_known() || !bias.rank_known()) return Status::Ok();
  OPBRIDGE_REQUIRE(value.rank() >= 2, "Input tensor must be at least 2D: ", value.ToString());
  OPBRIDGE_REQUIRE(bias.rank() == 1, "Biases must be 1D: ", bias.ToString());
  const int64_t channels = value.dim(ChannelDim(value.rank(), format));
  OPBRIDGE_REQUIRE(channels == kUnknownDim || bias.dim(0) == kUnknownDim || channels == bias.dim(0),
                   "Must provide as many biases as the last dimension of the input tensor: ", bias.ToString(),
                   " vs. ", value.ToString());
  return Status::Ok();
}

Status BiasAddShape(ShapeContext& ctx, const BiasAddParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(Check(ctx.input(0), ctx.input(1), p.format));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const BiasAddParams& p) {
  const ConstTensor& value = ctx.input(0);
  const ConstTensor& bias = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(Check(value.shape(), bias.shape(), p.format));
  const int rank = value.rank();
  const int cdim = ChannelDim(rank, p.format);
  int64_t inner = 1;  // elements per channel step
  for (int d = cdim + 1; d < rank; ++d) inner *= value.dim(d);
  const int64_t channels = value.dim(cdim);
  if (channels == 0) return Status::Ok();
  // half and bfloat16: Eigen adds in float and rounds, as TF's kernel; one
  // step, so by float blocks (OneStepRun).
  // Signed integers run as the unsigned type of their width
  // (math::UnsignedOfWidth: the same wrapped sums).
  return math::DispatchElement<double, float, Eigen::half, Eigen::bfloat16, uint8_t, uint16_t, uint32_t, uint64_t,
                               std::complex<float>, std::complex<double>>(
      math::UnsignedOfWidth(value.dtype()), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = value.data<T>();
    const T* b = bias.data<T>();
    T* out = ctx.output(0).data<T>();
    // Integers widened as math::Wrapping widens them (uint8 + uint8 would
    // promote to int): TF's signed sum wraps in practice, and so does this.
    auto add = [](auto v, auto w) {
      if constexpr (std::is_integral_v<T>) {
        return static_cast<T>(math::Wrapping(static_cast<T>(v)) + math::Wrapping(static_cast<T>(w)));
      } else {
        return v + w;
      }
    };
    ctx.ParallelFor(value.num_elements(), 1, [&](int64_t begin, int64_t end) {
      // Runs of one bias step: along the channels (inner == 1: the bias
      // advances with the value) or along one channel's inner block (the
      // bias stays).
      for (int64_t i = begin; i < end;) {
        const int64_t c = (i / inner) % channels;
        const int64_t run = inner == 1 ? std::min(end - i, channels - c) : std::min(end - i, inner - i % inner);
        const int64_t step_b = inner == 1 ? 1 : 0;
        if constexpr (math::kHalfType<T>) {
          math::OneStepRun(x + i, 1, b + c, step_b, out + i, run, add);
        } else {
          math::MapRun(x + i, 1, b + c, step_b, out + i, run, add);
        }
        i += run;
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("BiasAdd")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("value + bias along the channel dim, NHWC or NCHW (tf.nn.bias_add).")
                         .Input("value: T")
                         .Input("bias: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, complex64, complex128}")
                         .Params<BiasAddParams>()
                         .ShapeRule(BiasAddShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
