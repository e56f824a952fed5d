// AvgPool: TF's tf.nn.avg_pool2d / avg_pool1d (Keras AveragePooling1D/2D).
// The TFLite builtin takes float32 and int8 only, so the converter leaves
// float64, half and bfloat16 pools as CUSTOM "AvgPool" with options
// {T, ksize, strides, padding, data_format}.
//
//   input [N, H, W, C] -> output [N, OH, OW, C]: each window's mean over the
//   taps inside the input (padding is not counted).
//
// As TF's CPU kernels, measured bit for bit on TF 2.21 (x86):
// - double is TF's SpatialAvgPool: a window's taps are added to 0.0 in T in
//   row, column order and the sum divided (not multiplied by a reciprocal) by
//   the number of taps, counted in T. Every value counts: NaN and infinities
//   propagate; when NaNs meet, Eigen's compiled add keeps the tap's, so the
//   last NaN tap's payload wins (NaNSum).
// - half, bfloat16 and float go to oneDNN on TF's x86 build: summed in float
//   in the same order, divided in float, rounded once to T (bfloat16 and
//   half: the last NaN tap wins; float: the first, as measured for 3-D).
#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../math/avx2_dispatch.h"
#include "opbridge/op.h"
#include "pool_2d.h"

namespace opbridge {
namespace {

using nn::DataFormat;
using nn::Padding;

struct AvgPoolParams : nn::Pool2DAttrs {
  static void Declare(ParamBinder& b, AvgPoolParams& p) {
    b.Attr("ksize: list(int)", &p.ksize);
    b.Attr("strides: list(int)", &p.strides);
    b.Enum("padding: {'SAME', 'VALID'}", &p.padding, {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
    b.Enum("data_format: {'NHWC', 'NCHW'} = 'NHWC'", &p.data_format,
           {{"NHWC", DataFormat::kChannelsLast}, {"NCHW", DataFormat::kChannelsFirst}});
  }

  // AvgPoolingOp's (CPU) constructor, in its order and with its texts.
  Status Validate() const {
    OPBRIDGE_RETURN_IF_ERROR(nn::CheckPool2DListLengths(*this));
    OPBRIDGE_REQUIRE(data_format == DataFormat::kChannelsLast,
                     "Default AvgPoolingOp only supports NHWC on device type CPU");
    OPBRIDGE_REQUIRE(ksize.size() == 4, "Sliding window ksize field must specify 4 dimensions");
    for (int64_t k : ksize) OPBRIDGE_REQUIRE(k > 0, "ksize must be a positive int32 value, got:", k);
    OPBRIDGE_REQUIRE(strides.size() == 4, "Sliding window stride field must specify 4 dimensions");
    OPBRIDGE_REQUIRE(ksize[0] == 1 && strides[0] == 1, "Pooling is not yet supported on the batch dimension.");
    return Status::Ok();
  }
};

// TF's PoolParameters, then AvgPoolingOp::Compute's own check.
Status Geometry(const AvgPoolParams& p, const Shape& in, nn::Pool2DGeometry* g) {
  OPBRIDGE_RETURN_IF_ERROR(nn::MakePool2DGeometry(p, in, g));
  OPBRIDGE_REQUIRE(g->depth_window == 1, "Non-spatial pooling is not yet supported. Volunteers? :)");
  return Status::Ok();
}

Status AvgPoolShape(ShapeContext& ctx, const AvgPoolParams& p) {
  const Shape& in = ctx.input(0);
  if (!in.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    return Status::Ok();
  }
  nn::Pool2DGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(Geometry(p, in, &g));
  ctx.set_output(0, g.OutputShape());
  return Status::Ok();
}

// What each type sums in, and which NaN a sum keeps when NaNs meet.
template <typename T>
struct AvgOf {
  using Acc = float;
  static constexpr bool kTapNaNWins = !std::is_same_v<T, float>;
  static OPBRIDGE_POOL3D_INLINE Acc Load(T v) { return static_cast<float>(v); }
};

template <>
struct AvgOf<double> {
  using Acc = double;
  static constexpr bool kTapNaNWins = true;
  static OPBRIDGE_POOL3D_INLINE Acc Load(double v) { return v; }
};

template <>
struct AvgOf<Eigen::bfloat16> {
  using Acc = float;
  static constexpr bool kTapNaNWins = true;
  static OPBRIDGE_POOL3D_INLINE Acc Load(Eigen::bfloat16 v) { return nn::PoolLoad(v); }
};

template <typename F>
F Quieted(F v) {
  using U = std::conditional_t<sizeof(F) == 8, uint64_t, uint32_t>;
  U bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits |= sizeof(F) == 8 ? U{1} << 51 : U{1} << 22;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// A NaN sum again, with TF's rule for which NaN it keeps spelled out: the
// vectorized adds take their operands in whichever order the compiler likes,
// and x86 returns the first operand's NaN when both are NaN. Without NaN
// operands the order does not matter (inf + -inf is x86's default NaN).
template <typename T>
typename AvgOf<T>::Acc NaNSum(const T* tap, int64_t h0, int64_t h1, int64_t w0, int64_t w1, int64_t row_stride,
                              int64_t channels) {
  using A = AvgOf<T>;
  typename A::Acc sum = 0;
  for (int64_t h = h0; h < h1; ++h) {
    for (int64_t w = w0; w < w1; ++w) {
      const auto v = A::Load(tap[h * row_stride + w * channels]);
      if (std::isnan(v) && (A::kTapNaNWins || !std::isnan(sum))) {
        sum = Quieted(v);
      } else if (!std::isnan(sum)) {
        sum += v;
      }
    }
  }
  return sum;
}

struct AvgJob {
  nn::Pool2DGeometry g;
  const void* in;
  void* out;
};

// Output rows [begin, end) of N * OH: per output, the channels are the
// vector lanes, each a sum in TF's order.
template <typename T>
OPBRIDGE_POOL3D_INLINE void AvgRows(const AvgJob& job, int64_t begin, int64_t end) {
  using A = AvgOf<T>;
  using Acc = typename A::Acc;
  const nn::Pool2DGeometry& g = job.g;
  const int64_t c = g.channels, width = g.cols.in, row_stride = width * c;
  const T* in = static_cast<const T*>(job.in);
  T* out = static_cast<T*>(job.out);
  std::vector<Acc> buffer(static_cast<size_t>(c));
  Acc* __restrict sum = buffer.data();
  for (int64_t r = begin; r < end; ++r) {
    const int64_t n = r / g.rows.out, oh = r % g.rows.out;
    const int64_t h0 = g.rows.Lo(oh), h1 = g.rows.Hi(oh);
    const T* image = in + n * g.rows.in * row_stride;
    for (int64_t ow = 0; ow < g.cols.out; ++ow) {
      const int64_t w0 = g.cols.Lo(ow), w1 = g.cols.Hi(ow);
      for (int64_t i = 0; i < c; ++i) sum[i] = 0;
      for (int64_t h = h0; h < h1; ++h) {
        for (int64_t w = w0; w < w1; ++w) {
          const T* __restrict tap = image + h * row_stride + w * c;
          for (int64_t i = 0; i < c; ++i) sum[i] += A::Load(tap[i]);
        }
      }
      bool nan = false;
      for (int64_t i = 0; i < c; ++i) nan |= sum[i] != sum[i];
      if (nan) {
        for (int64_t i = 0; i < c; ++i) {
          if (std::isnan(sum[i])) sum[i] = NaNSum(image + i, h0, h1, w0, w1, row_stride, c);
        }
      }
      // The number of taps, counted in Acc as TF counts (exact).
      const Acc count = static_cast<Acc>((h1 - h0) * (w1 - w0));
      T* __restrict dst = out + (r * g.cols.out + ow) * c;
      for (int64_t i = 0; i < c; ++i) dst[i] = static_cast<T>(sum[i] / count);
    }
  }
}

template <typename T>
void AvgRowsBaseline(const AvgJob& job, int64_t begin, int64_t end) {
  AvgRows<T>(job, begin, end);
}

#if defined(__x86_64__)
template <typename T>
__attribute__((target("avx2"))) void AvgRowsAvx2(const AvgJob& job, int64_t begin, int64_t end) {
  AvgRows<T>(job, begin, end);
}
#endif

template <typename Fn>
Status DispatchAvgPoolTypes(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kFloat64: return fn(TypeTag<double>{});
    case DType::kFloat32: return fn(TypeTag<float>{});
    case DType::kFloat16: return fn(TypeTag<Eigen::half>{});
    case DType::kBFloat16: return fn(TypeTag<Eigen::bfloat16>{});
    default: return Errorf("AvgPool: TF has no CPU kernel for T=", DTypeName(dtype));
  }
}

Status AvgPoolKernel(KernelContext& ctx, const AvgPoolParams& p) {
  const ConstTensor& input = ctx.input(0);
  AvgJob job;
  OPBRIDGE_RETURN_IF_ERROR(Geometry(p, input.shape(), &job.g));
  if (job.g.out_elements() == 0) return Status::Ok();
  return DispatchAvgPoolTypes(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    job.in = input.data<T>();
    job.out = ctx.output(0).data<T>();
    void (*rows)(const AvgJob&, int64_t, int64_t) = AvgRowsBaseline<T>;
#if defined(__x86_64__)
    if (math::UseAvx2()) rows = AvgRowsAvx2<T>;
#endif
    const nn::Pool2DGeometry& g = job.g;
    const int64_t total = g.batch * g.rows.out;
    // ~0.2 ns per tap and channel (in double: a huge window's product overflows int64).
    const double row_ns = 0.2 * static_cast<double>(g.cols.out * g.channels) *
                          (static_cast<double>(g.rows.ksize) * static_cast<double>(g.cols.ksize) + 2.0);
    ctx.ParallelFor(total, nn::ItemCost(row_ns, total), [&](int64_t begin, int64_t end) { rows(job, begin, end); });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("AvgPool")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("2-D average pooling over NHWC windows, SAME or VALID padding, padding taps not "
                              "counted (tf.nn.avg_pool2d, avg_pool1d).")
                         .Input("value: T")
                         .Output("output: T")
                         .Params<AvgPoolParams>()
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(AvgPoolShape)
                         .Kernel(AvgPoolKernel));

}  // namespace
}  // namespace opbridge
