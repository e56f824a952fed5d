// Cumprod: TF's cumulative product along an axis (tf.math.cumprod), with
// `exclusive` (start from 1, leave out the element itself) and `reverse` (run
// from the end). TFLite has no kernel: the converter emits CUSTOM "Cumprod"
// with options {T, Tidx, exclusive, reverse}; axis is an input tensor.
//
// Like TF's Eigen scan: an accumulator starts at 1 and multiplies the
// elements in scan order, so floating-point results match TF's exactly.
// Integers wrap on overflow as in TF (computed unsigned: no undefined
// behaviour); float, half and bfloat16 multiply in T, as Eigen's types do.
#include <type_traits>

#include "elementwise.h"

namespace opbridge {
namespace {

struct CumprodParams {
  bool exclusive = false;
  bool reverse = false;

  static void Declare(ParamBinder& b, CumprodParams& p) {
    b.Attr("exclusive: bool = false", &p.exclusive);
    b.Attr("reverse: bool = false", &p.reverse);
  }
};

Status CumprodShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 0));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

// a * b wrapped modulo 2^bits (math::Wrapping: 16-bit operands multiply in
// uint32, as their own unsigned type would promote to int and 65535 * 65535
// overflow it).
template <typename T>
T Multiply(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(math::Wrapping(a) * math::Wrapping(b));
  } else {
    return a * b;
  }
}

template <typename T>
Status Scan(KernelContext& ctx, const CumprodParams& p, int axis) {
  const ConstTensor& x = ctx.input(0);
  const bool exclusive = p.exclusive;
  const bool reverse = p.reverse;
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= x.dim(d);
  for (int d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
  const int64_t length = x.dim(axis);
  if (x.num_elements() == 0) return Status::Ok();
  const T* in = x.data<T>();
  T* out = ctx.output(0).data<T>();

  if (inner == 1) {  // scans along contiguous rows: keep the product in a register
    ctx.ParallelFor(outer, length * 2, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) {
        const T* src = in + o * length;
        T* dst = out + o * length;
        T acc = T(1);
        for (int64_t step = 0; step < length; ++step) {
          const int64_t k = reverse ? length - 1 - step : step;
          if (exclusive) dst[k] = acc;
          acc = Multiply(acc, src[k]);
          if (!exclusive) dst[k] = acc;
        }
      }
    });
    return Status::Ok();
  }
  // Work items are (outer index, block of inner lanes): each scans its lanes
  // along the axis, the lanes of a block side by side in memory.
  constexpr int64_t kBlock = 512;
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  ctx.ParallelFor(outer * blocks, std::min(inner, kBlock) * length * 2, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t o = item / blocks;
      const int64_t lane_begin = (item % blocks) * kBlock;
      const int64_t lanes = std::min(kBlock, inner - lane_begin);
      const T* src = in + o * length * inner + lane_begin;
      T* dst = out + o * length * inner + lane_begin;
      const T* prev_in = nullptr;  // the element multiplied in last
      T* prev_out = nullptr;       // the running product so far
      for (int64_t step = 0; step < length; ++step) {
        const int64_t k = reverse ? length - 1 - step : step;
        const T* row_in = src + k * inner;
        T* row_out = dst + k * inner;
        for (int64_t i = 0; i < lanes; ++i) {
          const T acc = prev_out ? prev_out[i] : T(1);
          if (exclusive) {
            row_out[i] = prev_in ? Multiply(acc, prev_in[i]) : T(1);
          } else {
            row_out[i] = Multiply(acc, row_in[i]);
          }
        }
        prev_in = row_in;
        prev_out = row_out;
      }
    }
  });
  return Status::Ok();
}

Status CumprodKernel(KernelContext& ctx, const CumprodParams& p) {
  const ConstTensor& x = ctx.input(0);
  const ConstTensor& axis_t = ctx.input(1);
  OPBRIDGE_REQUIRE(axis_t.rank() == 0, "axis must be a scalar, not ", axis_t.shape().ToString());
  int64_t axis = 0;
  const Status read = Dispatch<int32_t, int64_t>(axis_t.dtype(), [&](auto tag) {
    axis = static_cast<int64_t>(*axis_t.data<typename decltype(tag)::type>());
    return Status::Ok();
  });
  OPBRIDGE_RETURN_IF_ERROR(read);
  OPBRIDGE_REQUIRE(axis >= -x.rank() && axis < x.rank(), "axis must be in the range [", -x.rank(), ", ",
                   x.rank(), ") for input 'x' of shape ", x.shape().ToString(), ", got ", axis);
  const int a = static_cast<int>(axis < 0 ? axis + x.rank() : axis);
  // Signed integers run as the unsigned type of their width (math::UnsignedOfWidth:
  // the same wrapped products).
  return math::DispatchElement<float, double, Eigen::half, Eigen::bfloat16, uint8_t, uint16_t, uint32_t, uint64_t,
                               std::complex<float>, std::complex<double>>(
      math::UnsignedOfWidth(x.dtype()), [&](auto tag) { return Scan<typename decltype(tag)::type>(ctx, p, a); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Cumprod")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Cumulative product along `axis`; exclusive starts from 1 without the element "
                              "itself, reverse runs from the end (tf.math.cumprod).")
                         .Input("x: T")
                         .Input("axis: Tidx")
                         .Output("out: T")
                         .Params<CumprodParams>()
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, uint32, uint64, "
                               "complex64, complex128}")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .ShapeRule(CumprodShape)
                         .Kernel(CumprodKernel));

}  // namespace
}  // namespace opbridge
