// MaxPool: TF's tf.nn.max_pool2d / max_pool1d (Keras MaxPooling1D/2D). The
// TFLite builtin takes float32 and int8 only, so the converter leaves
// float64, half, bfloat16 and the other integer pools as CUSTOM "MaxPool"
// with options {T, ksize, strides, padding, explicit_paddings, data_format}.
//
//   input [N, H, W, C] -> output [N, OH, OW, C]: each window's maximum
//   (padding never counts); or, with ksize[3] > 1, [N, H, W, C / ksize[3]]:
//   the maximum of each run of ksize[3] channels (TF's depthwise max pool).
//
// As TF's CPU kernels, measured bit for bit on TF 2.21 (x86):
// - Every type but half, bfloat16 and float is TF's MaxPoolingOp
//   (SpatialMaxPool): the maximum starts at lowest() (float64: -DBL_MAX) and
//   a tap replaces it only when strictly larger, taps in row-major order. So
//   NaN never wins, a window of -inf and NaN gives -DBL_MAX, and of +0 and
//   -0 the first is kept. Its compares run with subnormals flushed (DAZ, as
//   these kernels do) and the stored maximum is the flushed tap (-1e-310
//   comes out as -0.0), which Flush spells out rather than relying on the
//   instruction the compiler picks.
// - half, bfloat16 and float go to oneDNN when TF's x86 build hands them
//   to it (SAME or VALID padding; half on CPUs with AVX512-FP16, bfloat16
//   with AVX512F): the same rule from -inf (float: -FLT_MAX), compared in
//   float. Elsewhere (EXPLICIT padding, older CPUs) TF's MaxPoolingOp above
//   takes them, from lowest() (half: -65504). FloatInit mirrors that choice.
// - Pooling across channels (DepthwiseMaxPool, Eigen's maxCoeff per run):
//   the run's first channel starts the maximum, so a leading NaN is kept.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "../math/avx2_dispatch.h"
#include "opbridge/op.h"
#include "pool_2d.h"

namespace opbridge {
namespace {

using nn::DataFormat;
using nn::Padding;

struct MaxPoolParams : nn::Pool2DAttrs {
  static void Declare(ParamBinder& b, MaxPoolParams& p) {
    b.Attr("ksize: list(int)", &p.ksize);
    b.Attr("strides: list(int)", &p.strides);
    b.Enum("padding: {'SAME', 'VALID', 'EXPLICIT'}", &p.padding,
           {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}, {"EXPLICIT", Padding::kExplicit}});
    b.Attr("explicit_paddings: list(int) = []", &p.explicit_paddings);
    // NCHW_VECT_C is qint8's GPU layout; on CPU it is refused as NCHW is.
    b.Enum("data_format: {'NHWC', 'NCHW', 'NCHW_VECT_C'} = 'NHWC'", &p.data_format,
           {{"NHWC", DataFormat::kChannelsLast},
            {"NCHW", DataFormat::kChannelsFirst},
            {"NCHW_VECT_C", DataFormat::kChannelsFirst}});
  }

  // MaxPoolingOp's constructor, in its order and with its texts.
  Status Validate() const {
    OPBRIDGE_RETURN_IF_ERROR(nn::CheckPool2DListLengths(*this));
    OPBRIDGE_REQUIRE(data_format == DataFormat::kChannelsLast,
                     "Default MaxPoolingOp only supports NHWC on device type CPU");
    OPBRIDGE_REQUIRE(ksize.size() == 4, "Sliding window ksize field must specify 4 dimensions");
    OPBRIDGE_REQUIRE(ksize[0] > 0 && ksize[1] > 0 && ksize[2] > 0 && ksize[3] > 0,
                     "Sliding window ksize must be positive. The specified or inferred ksize is: ", ksize[0], ",",
                     ksize[1], ",", ksize[2], ",", ksize[3]);
    OPBRIDGE_REQUIRE(strides.size() == 4, "Sliding window stride field must specify 4 dimensions");
    OPBRIDGE_RETURN_IF_ERROR(nn::CheckValidPadding(padding, explicit_paddings, 4, data_format));
    OPBRIDGE_REQUIRE(ksize[0] == 1 && strides[0] == 1, "Pooling is not yet supported on the batch dimension.");
    return Status::Ok();
  }
};

// TF's PoolParameters, then MaxPoolingOp::Compute's own check.
Status Geometry(const MaxPoolParams& p, const Shape& in, nn::Pool2DGeometry* g) {
  OPBRIDGE_RETURN_IF_ERROR(nn::MakePool2DGeometry(p, in, g));
  OPBRIDGE_REQUIRE(g->depth_window == 1 || p.padding != Padding::kExplicit,
                   "Depthwise max pooling does not support explicit padding.");
  return Status::Ok();
}

Status MaxPoolShape(ShapeContext& ctx, const MaxPoolParams& p) {
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

// How each type's maximum is kept: Acc is what taps are compared in, Init the
// maximum before any tap.
template <typename T>
struct MaxOf {
  using Acc = T;  // the integers: exact, from lowest()
  static OPBRIDGE_POOL3D_INLINE Acc Load(T v) { return v; }
  static OPBRIDGE_POOL3D_INLINE Acc Flush(T v) { return v; }
  static OPBRIDGE_POOL3D_INLINE void Store(Acc v, T* dst) { *dst = v; }
  static constexpr Acc Init() { return std::numeric_limits<T>::lowest(); }
};

// A subnormal maximum as the signed zero DAZ makes of it (TF stores that zero).
template <typename F>
OPBRIDGE_POOL3D_INLINE F FlushSubnormal(F v) {
  return std::fabs(v) < std::numeric_limits<F>::min() ? std::copysign(F(0), v) : v;
}

template <>
struct MaxOf<double> {
  using Acc = double;
  static OPBRIDGE_POOL3D_INLINE Acc Load(double v) { return v; }
  static OPBRIDGE_POOL3D_INLINE Acc Flush(double v) { return FlushSubnormal(v); }
  static OPBRIDGE_POOL3D_INLINE void Store(Acc v, double* dst) { *dst = v; }
  static constexpr Acc Init() { return std::numeric_limits<double>::lowest(); }
};

// For half, bfloat16 and float Init is the job's float_init (FloatInit).
template <>
struct MaxOf<float> {
  using Acc = float;
  static OPBRIDGE_POOL3D_INLINE Acc Load(float v) { return v; }
  static OPBRIDGE_POOL3D_INLINE Acc Flush(float v) { return FlushSubnormal(v); }
  static OPBRIDGE_POOL3D_INLINE void Store(Acc v, float* dst) { *dst = v; }
};

template <>
struct MaxOf<Eigen::half> {
  using Acc = float;  // widened exactly (never subnormal as float)
  static OPBRIDGE_POOL3D_INLINE Acc Load(Eigen::half v) { return static_cast<float>(v); }
  static OPBRIDGE_POOL3D_INLINE Acc Flush(float v) { return v; }
  static OPBRIDGE_POOL3D_INLINE void Store(Acc v, Eigen::half* dst) { *dst = static_cast<Eigen::half>(v); }
};

template <>
struct MaxOf<Eigen::bfloat16> {
  using Acc = float;
  static OPBRIDGE_POOL3D_INLINE Acc Load(Eigen::bfloat16 v) { return nn::PoolLoad(v); }
  static OPBRIDGE_POOL3D_INLINE Acc Flush(float v) { return FlushSubnormal(v); }
  static OPBRIDGE_POOL3D_INLINE void Store(Acc v, Eigen::bfloat16* dst) {  // exact: a tap or -inf
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    dst->value = static_cast<uint16_t>(bits >> 16);
  }
};

// TF's step: the tap replaces the maximum only when strictly larger.
template <typename A>
OPBRIDGE_POOL3D_INLINE A MaxStep(A acc, A tap) {
  return acc < tap ? tap : acc;
}

// The maximum half, bfloat16 and float start from: oneDNN's (-inf; float:
// -FLT_MAX) where TF hands the op to oneDNN (its IsFP16SupportedByOneDNN /
// IsBF16SupportedByOneDNN checks of the CPU; not for EXPLICIT padding),
// else Eigen's lowest() of T.
float FloatInit(DType dtype, Padding padding) {
  const float lowest = std::numeric_limits<float>::lowest();
  bool onednn = false;
#if defined(__x86_64__)
  if (padding != Padding::kExplicit) {
    if (dtype == DType::kFloat16) onednn = math::Cpu().avx512fp16;
    if (dtype == DType::kBFloat16) onednn = math::Cpu().avx512f;
  }
#endif
  if (onednn) return -std::numeric_limits<float>::infinity();
  if (dtype == DType::kFloat16) return -65504.0f;                                      // half's lowest
  if (dtype == DType::kBFloat16) return nn::PoolLoad(Eigen::NumTraits<Eigen::bfloat16>::lowest());
  return lowest;
}

struct MaxJob {
  nn::Pool2DGeometry g;
  const void* in;
  void* out;
  float float_init;  // FloatInit, for the types compared in float
};

template <typename T>
OPBRIDGE_POOL3D_INLINE typename MaxOf<T>::Acc InitOf(const MaxJob& job) {
  if constexpr (std::is_same_v<typename MaxOf<T>::Acc, float>) {
    return job.float_init;
  } else {
    return MaxOf<T>::Init();
  }
}

// dst[i] = TF's step of dst[i] and src[i], for i < len.
template <typename T>
OPBRIDGE_POOL3D_INLINE void MaxInto(const T* __restrict src, int64_t len, typename MaxOf<T>::Acc* __restrict dst) {
  for (int64_t i = 0; i < len; ++i) dst[i] = MaxStep(dst[i], MaxOf<T>::Load(src[i]));
}

// Output rows [begin, end) of N * OH. A row's maxima stay in `acc` (OW * C,
// in L1) while the window's taps are swept in row, column order, each tap
// over the whole output row at once: every output still sees its taps in
// TF's order, and consecutive updates of one maximum are a row apart (no
// chain of dependent loads and stores per tap; with stride 1 a tap is one
// long sweep). Subnormal taps are compared as zeros (the kernels run with
// DAZ, as TF's do) and the maximum kept is flushed at the end: what TF stores.
template <typename T>
OPBRIDGE_POOL3D_INLINE void MaxRows(const MaxJob& job, int64_t begin, int64_t end) {
  using M = MaxOf<T>;
  using Acc = typename M::Acc;
  const nn::Pool2DGeometry& g = job.g;
  const nn::PoolAxis& ar = g.rows;
  const nn::PoolAxis& ac = g.cols;
  const int64_t c = g.channels, row_step = ac.in * c, out_row = ac.out * c;
  const T* in = static_cast<const T*>(job.in);
  T* out = static_cast<T*>(job.out);
  const Acc init = InitOf<T>(job);
  std::vector<Acc> buffer(static_cast<size_t>(out_row));
  Acc* acc = buffer.data();
  for (int64_t r = begin; r < end; ++r) {
    const int64_t n = r / ar.out, oh = r % ar.out;
    const T* image = in + n * ar.in * row_step;
    for (int64_t i = 0; i < out_row; ++i) acc[i] = init;
    for (int64_t h = ar.Lo(oh); h < ar.Hi(oh); ++h) {
      const T* row = image + h * row_step;
      for (int64_t dw = 0; dw < ac.ksize; ++dw) {
        // The outputs whose tap dw is inside the input: 0 <= ow * stride - pad + dw < in.
        const int64_t lead = ac.pad_before - dw;  // ow * stride >= lead
        const int64_t ow_lo = lead > 0 ? (lead + ac.stride - 1) / ac.stride : 0;
        const int64_t last = ac.in - 1 + lead;  // ow * stride <= last
        const int64_t ow_hi = last < 0 ? 0 : std::min(ac.out, last / ac.stride + 1);
        if (ow_lo >= ow_hi) continue;
        const T* src = row + (ow_lo * ac.stride - lead) * c;
        if (ac.stride == 1) {
          MaxInto<T>(src, (ow_hi - ow_lo) * c, acc + ow_lo * c);
        } else {
          for (int64_t ow = ow_lo; ow < ow_hi; ++ow) {
            MaxInto<T>(src + (ow - ow_lo) * ac.stride * c, c, acc + ow * c);
          }
        }
      }
    }
    T* __restrict dst = out + r * out_row;
    for (int64_t i = 0; i < out_row; ++i) M::Store(M::Flush(acc[i]), dst + i);
  }
}

// Runs [begin, end) of depth_window channels each (N * H * W * C / window).
template <typename T>
OPBRIDGE_POOL3D_INLINE void MaxRuns(const MaxJob& job, int64_t begin, int64_t end) {
  using M = MaxOf<T>;
  const int64_t k = job.g.depth_window;
  const T* in = static_cast<const T*>(job.in);
  T* out = static_cast<T*>(job.out);
  for (int64_t i = begin; i < end; ++i) {
    const T* run = in + i * k;
    typename M::Acc acc = M::Load(run[0]);
    for (int64_t j = 1; j < k; ++j) acc = MaxStep(acc, M::Load(run[j]));
    M::Store(M::Flush(acc), out + i);
  }
}

template <typename T>
void MaxRowsBaseline(const MaxJob& job, int64_t begin, int64_t end) {
  MaxRows<T>(job, begin, end);
}

#if defined(__x86_64__)
template <typename T>
__attribute__((target("avx2"))) void MaxRowsAvx2(const MaxJob& job, int64_t begin, int64_t end) {
  MaxRows<T>(job, begin, end);
}
#endif

template <typename Fn>
Status DispatchMaxPoolTypes(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kFloat64: return fn(TypeTag<double>{});
    case DType::kFloat32: return fn(TypeTag<float>{});
    case DType::kFloat16: return fn(TypeTag<Eigen::half>{});
    case DType::kBFloat16: return fn(TypeTag<Eigen::bfloat16>{});
    case DType::kInt32: return fn(TypeTag<int32_t>{});
    case DType::kInt64: return fn(TypeTag<int64_t>{});
    case DType::kUInt8: return fn(TypeTag<uint8_t>{});
    case DType::kInt16: return fn(TypeTag<int16_t>{});
    case DType::kInt8: return fn(TypeTag<int8_t>{});
    case DType::kUInt16: return fn(TypeTag<uint16_t>{});
    default: return Errorf("MaxPool: TF has no CPU kernel for T=", DTypeName(dtype));
  }
}

Status MaxPoolKernel(KernelContext& ctx, const MaxPoolParams& p) {
  const ConstTensor& input = ctx.input(0);
  MaxJob job;
  OPBRIDGE_RETURN_IF_ERROR(Geometry(p, input.shape(), &job.g));
  if (job.g.out_elements() == 0) return Status::Ok();
  return DispatchMaxPoolTypes(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    job.in = input.data<T>();
    job.out = ctx.output(0).data<T>();
    job.float_init = FloatInit(input.dtype(), p.padding);
    const nn::Pool2DGeometry& g = job.g;
    if (g.depth_window > 1) {
      const int64_t runs = g.out_elements();
      ctx.ParallelFor(runs, nn::ItemCost(0.5 * static_cast<double>(g.depth_window), runs),
                      [&](int64_t begin, int64_t end) { MaxRuns<T>(job, begin, end); });
      return Status::Ok();
    }
    void (*rows)(const MaxJob&, int64_t, int64_t) = MaxRowsBaseline<T>;
#if defined(__x86_64__)
    if (math::UseAvx2()) rows = MaxRowsAvx2<T>;
#endif
    const int64_t total = g.batch * g.rows.out;
    // ~0.2 ns per tap and channel (in double: a huge window's product overflows int64).
    const double row_ns = 0.2 * static_cast<double>(g.cols.out * g.channels) *
                          (static_cast<double>(g.rows.ksize) * static_cast<double>(g.cols.ksize) + 1.0);
    ctx.ParallelFor(total, nn::ItemCost(row_ns, total), [&](int64_t begin, int64_t end) { rows(job, begin, end); });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("MaxPool")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("2-D max pooling over NHWC windows, SAME, VALID or EXPLICIT padding, or across "
                              "channels (tf.nn.max_pool2d, max_pool1d).")
                         .Input("input: T")
                         .Output("output: T")
                         .Params<MaxPoolParams>()
                         // TF's default (DT_FLOAT) is left out: the converter writes no T for uint16,
                         // which the input's type then gives.
                         .Attr("T: {half, bfloat16, float, double, int32, int64, uint8, int16, int8, uint16}")
                         .ShapeRule(MaxPoolShape)
                         .Kernel(MaxPoolKernel));

}  // namespace
}  // namespace opbridge
