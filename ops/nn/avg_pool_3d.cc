// AvgPool3D: TF's tf.nn.avg_pool3d. TFLite has no 3-D pooling, so the
// converter emits CUSTOM "AvgPool3D" with options {T, ksize, strides,
// padding, data_format}.
//
//   input [N, D, H, W, C] -> output [N, OD, OH, OW, C]: each window's mean
//   over the taps inside the input (padding is not counted).
//
// As TF's x86 CPU kernel, which is oneDNN's (_MklNativeAvgPool3D; measured
// bit for bit): the taps inside the input are summed in float in depth, row,
// column order, every value counted (NaN and infinities propagate; unlike
// Eigen's CuboidAvgPooling, -FLT_MAX is an ordinary value), and the sum is
// divided by their number and rounded once to T (bfloat16 included). TF's CPU
// kernels exist for float and bfloat16 only (half and double are registered
// for GPU/XLA; TF's CPU refuses them, as here).
#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "opbridge/op.h"
#include "pool_3d.h"

namespace opbridge {
namespace {

struct AvgJob {
  nn::Pool3DLayout l;
  const void* in;
  void* out;
};

// One output's taps inside the input: planes [d0, d1), rows [h0, h1), and
// `cols` columns from the column its pointer is at.
struct TapBox {
  int64_t d0, d1, h0, h1, cols;
  int64_t row_stride, plane_stride, channels;  // the input's, in elements

  // The number of taps (an int64 converted to float, as a count of added taps
  // was); an empty window would give 0 / 0 = NaN, as it did.
  float count() const {
    return static_cast<float>(std::max<int64_t>(d1 - d0, 0) * std::max<int64_t>(h1 - h0, 0) *
                              std::max<int64_t>(cols, 0));
  }
};

// The sum of one channel's taps when it is NaN, with the NaN the previous
// kernel gave on x86 (its scalar loop's compiled adds). x86 returns the first
// operand's NaN (quieted) when both are NaN, and that loop added the tap to
// the sum for float (the sum first: the first NaN met stays) and the sum to
// the widened tap for bfloat16 (the tap first: the last NaN tap wins; only
// its sign survives the rounding to bfloat16). Vectorized adds take their
// operands in whichever order the compiler likes, so a NaN sum is redone here
// with that rule spelled out. Without NaN operands the order does not matter:
// inf + -inf gives x86's default NaN either way.
template <typename T>
OPBRIDGE_POOL3D_INLINE float NaNSum(const T* in, const TapBox& box) {
  constexpr bool kTapFirst = std::is_same_v<T, Eigen::bfloat16>;
  float sum = 0.0f;
  for (int64_t d = box.d0; d < box.d1; ++d) {
    for (int64_t h = box.h0; h < box.h1; ++h) {
      for (int64_t w = 0; w < box.cols; ++w) {
        const float tap = nn::PoolLoad(in[d * box.plane_stride + h * box.row_stride + w * box.channels]);
        if (std::isnan(tap) && (kTapFirst || !std::isnan(sum))) {
          uint32_t bits;
          std::memcpy(&bits, &tap, sizeof bits);
          bits |= 0x00400000u;  // quieted
          std::memcpy(&sum, &bits, sizeof sum);
        } else if (!std::isnan(sum)) {
          sum += tap;
        }
      }
    }
  }
  return sum;
}

// A register's worth of float lanes as GCC's generic vectors: 4 (SSE) for
// the baseline, 8 (AVX) inside the AVX2 functions. Passed by pointer, never
// by value (an AVX-sized value would change the baseline's calling
// convention).
struct Lanes4 {
  static constexpr int kCount = 4;
  using F = float __attribute__((vector_size(16)));
  using U16 = uint16_t __attribute__((vector_size(8)));
  using U32 = uint32_t __attribute__((vector_size(16)));
};

struct Lanes8 {
  static constexpr int kCount = 8;
  using F = float __attribute__((vector_size(32)));
  using U16 = uint16_t __attribute__((vector_size(16)));
  using U32 = uint32_t __attribute__((vector_size(32)));
};

struct Lanes16 {  // AVX-512
  static constexpr int kCount = 16;
  using F = float __attribute__((vector_size(64)));
  using U16 = uint16_t __attribute__((vector_size(32)));
  using U32 = uint32_t __attribute__((vector_size(64)));
};

template <typename L>
OPBRIDGE_POOL3D_INLINE void LoadLanes(const float* p, typename L::F* v) {
  std::memcpy(v, p, sizeof *v);
}

template <typename L>
OPBRIDGE_POOL3D_INLINE void LoadLanes(const Eigen::bfloat16* p, typename L::F* v) {  // nn::PoolLoad, lane-wise
  typename L::U16 h;
  std::memcpy(&h, p, sizeof h);
  const typename L::U32 bits = __builtin_convertvector(h, typename L::U32) << 16;
  std::memcpy(v, &bits, sizeof *v);
}

// Divides kPos outputs' sums of kLanes channels (NaN sums redone by NaNSum,
// looked for only when `maybe_nan`) and rounds them once to T.
template <int kPos, int kLanes, typename T>
OPBRIDGE_POOL3D_INLINE void FinishBlock(float (&sum)[kPos][kLanes], const T* in, int64_t pos_step, const TapBox& box,
                                        T* dst, bool maybe_nan = true) {
  bool nan = false;
  if (maybe_nan) {
    for (int p = 0; p < kPos; ++p) {
      for (int c = 0; c < kLanes; ++c) nan |= std::isnan(sum[p][c]);
    }
  }
  if (nan) {
    for (int p = 0; p < kPos; ++p) {
      for (int c = 0; c < kLanes; ++c) {
        if (std::isnan(sum[p][c])) sum[p][c] = NaNSum(in + p * pos_step + c, box);
      }
    }
  }
  const float count = box.count();
  for (int p = 0; p < kPos; ++p) {
    for (int c = 0; c < kLanes; ++c) dst[p * box.channels + c] = static_cast<T>(sum[p][c] / count);
  }
}

// L::kCount * kVecs channels of kPos outputs of a row whose windows are the
// same box moved by `pos_step` elements (in, dst: at the first channel of the
// first output): each output's taps summed in float, starting from 0.0f, in
// depth, row, column order (the order decides the bits, so no sum is split up
// or shared), then divided by the number of taps and rounded once to T. The
// channels are independent lanes; the kPos * kVecs sums stay in registers,
// independent chains of adds that overlap.
template <typename L, int kPos, int kVecs, typename T>
OPBRIDGE_POOL3D_INLINE void AverageBlock(const T* __restrict in, int64_t pos_step, const TapBox& box,
                                         T* __restrict dst) {
  typename L::F sum[kPos][kVecs];
  for (int p = 0; p < kPos; ++p) {
    for (int v = 0; v < kVecs; ++v) sum[p][v] = typename L::F{};
  }
  for (int64_t d = box.d0; d < box.d1; ++d) {
    for (int64_t h = box.h0; h < box.h1; ++h) {
      const T* row = in + d * box.plane_stride + h * box.row_stride;
      for (int64_t w = 0; w < box.cols; ++w) {
        const T* tap = row + w * box.channels;
        for (int p = 0; p < kPos; ++p) {
          for (int v = 0; v < kVecs; ++v) {
            typename L::F t;
            LoadLanes<L>(tap + p * pos_step + L::kCount * v, &t);
            sum[p][v] += t;
          }
        }
      }
    }
  }
  // Any NaN sum, found with vector compares: a scalar isnan per channel and
  // output was a third of the kernel's time.
  typename L::U32 unordered{};
  for (int p = 0; p < kPos; ++p) {
    for (int v = 0; v < kVecs; ++v) unordered |= reinterpret_cast<typename L::U32>(sum[p][v] != sum[p][v]);
  }
  uint32_t any = 0;
  for (int c = 0; c < L::kCount; ++c) any |= unordered[c];
  float lanes[kPos][L::kCount * kVecs];
  for (int p = 0; p < kPos; ++p) std::memcpy(lanes[p], sum[p], sizeof lanes[p]);
  FinishBlock(lanes, in, pos_step, box, dst, any != 0);
}

// One channel of kPos outputs (the channels after the last whole register).
template <int kPos, typename T>
OPBRIDGE_POOL3D_INLINE void AverageChannel(const T* __restrict in, int64_t pos_step, const TapBox& box,
                                           T* __restrict dst) {
  float sum[kPos][1] = {};
  for (int64_t d = box.d0; d < box.d1; ++d) {
    for (int64_t h = box.h0; h < box.h1; ++h) {
      const T* row = in + d * box.plane_stride + h * box.row_stride;
      for (int64_t w = 0; w < box.cols; ++w) {
        for (int p = 0; p < kPos; ++p) sum[p][0] += nn::PoolLoad(row[w * box.channels + p * pos_step]);
      }
    }
  }
  FinishBlock(sum, in, pos_step, box, dst);
}

// kPos outputs' channels [c, c + L::kCount * kVecs), kVecs = 0: channel c.
template <typename L, int kPos, int kVecs, typename T>
OPBRIDGE_POOL3D_INLINE void AverageOutputs(const T* in, int64_t pos_step, const TapBox& box, T* dst) {
  if constexpr (kVecs == 0) {
    AverageChannel<kPos>(in, pos_step, box, dst);
  } else {
    AverageBlock<L, kPos, kVecs>(in, pos_step, box, dst);
  }
}

// One output row's block of channels (in, dst: at its first channel, in at
// the row's batch). The outputs whose windows lie inside the input along W,
// [full_lo, full_hi), are the same box moved by the stride: up to four at
// once, for more independent adds and fewer loop steps.
template <typename L, int kVecs, typename T>
OPBRIDGE_POOL3D_INLINE void AverageRowBlock(const T* in, const nn::PoolAxis& aw, int64_t full_lo, int64_t full_hi,
                                            TapBox box, T* dst) {
  const int64_t pos_step = aw.stride * box.channels;
  for (int64_t ow = 0; ow < aw.out;) {
    const int64_t w0 = aw.Lo(ow);
    box.cols = aw.Hi(ow) - w0;
    const T* src = in + w0 * box.channels;
    T* out = dst + ow * box.channels;
    if (ow >= full_lo && ow + 4 <= full_hi) {
      AverageOutputs<L, 4, kVecs>(src, pos_step, box, out);
      ow += 4;
    } else if (ow >= full_lo && ow + 2 <= full_hi) {
      AverageOutputs<L, 2, kVecs>(src, pos_step, box, out);
      ow += 2;
    } else {
      AverageOutputs<L, 1, kVecs>(src, pos_step, box, out);
      ow += 1;
    }
  }
}

// Output rows [begin, end) of N * OD * OH, a block of channels at a time
// (kVecs registers, then one, then single channels): a narrower block keeps
// the input rows a row of outputs reads in L1.
template <typename T, typename L, int kVecs>
OPBRIDGE_POOL3D_INLINE void AverageRows(const AvgJob& job, int64_t begin, int64_t end) {
  const nn::Pool3DLayout& l = job.l;
  const nn::PoolAxis& ad = l.axis[0];
  const nn::PoolAxis& ah = l.axis[1];
  const nn::PoolAxis& aw = l.axis[2];
  const int64_t channels = l.channels;
  const int64_t row_stride = aw.in * channels, plane_stride = ah.in * row_stride;
  // Outputs with whole windows along W: Start(ow) >= 0 and Start(ow) + ksize <= in.
  const int64_t full_lo = std::min(aw.out, (aw.pad_before + aw.stride - 1) / aw.stride);
  const int64_t last_start = aw.in - aw.ksize + aw.pad_before;
  const int64_t full_hi = std::max(full_lo, last_start < 0 ? 0 : std::min(aw.out, last_start / aw.stride + 1));
  const T* in = static_cast<const T*>(job.in);
  T* out = static_cast<T*>(job.out);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t oh = r % ah.out, od = r / ah.out % ad.out, n = r / ah.out / ad.out;
    const T* batch = in + n * ad.in * plane_stride;
    T* dst = out + r * aw.out * channels;
    const TapBox box{ad.Lo(od), ad.Hi(od), ah.Lo(oh), ah.Hi(oh), 0, row_stride, plane_stride, channels};
    constexpr int64_t kBlock = L::kCount * kVecs;
    int64_t c = 0;
    for (; c + kBlock <= channels; c += kBlock) {
      AverageRowBlock<L, kVecs>(batch + c, aw, full_lo, full_hi, box, dst + c);
    }
    for (; c + L::kCount <= channels; c += L::kCount) {
      AverageRowBlock<L, 1>(batch + c, aw, full_lo, full_hi, box, dst + c);
    }
    for (; c < channels; ++c) AverageRowBlock<L, 0>(batch + c, aw, full_lo, full_hi, box, dst + c);
  }
}

template <typename T>
void AverageRowsBaseline(const AvgJob& job, int64_t begin, int64_t end) {
  AverageRows<T, Lanes4, 2>(job, begin, end);  // 8 channels: 2 SSE registers an output
}

#if defined(__x86_64__)
template <typename T>
__attribute__((target("avx2"))) void AverageRowsAvx2(const AvgJob& job, int64_t begin, int64_t end) {
  AverageRows<T, Lanes8, 2>(job, begin, end);  // 16 channels: 2 AVX registers an output
}

// Channels a multiple of 16: 32 (then 16) channels as 2 (1) AVX-512 registers
// an output. The same adds in the same order per channel: the same bits.
template <typename T>
__attribute__((target("avx512f"))) void AverageRowsAvx512(const AvgJob& job, int64_t begin, int64_t end) {
  AverageRows<T, Lanes16, 2>(job, begin, end);
}
#endif

Status AvgPool3DKernel(KernelContext& ctx, const nn::Pool3DParams& p) {
  return nn::DispatchPool3DTypes(ctx.input(0).dtype(), "AvgPool3D", [&](auto tag) {
    using T = typename decltype(tag)::type;
    AvgJob job;
    OPBRIDGE_RETURN_IF_ERROR(nn::MakePool3DLayout(ctx.input(0), p, &job.l));
    if (job.l.out_elements() == 0) return Status::Ok();
    job.in = ctx.input(0).data<T>();
    job.out = ctx.output(0).data<T>();
    void (*rows)(const AvgJob&, int64_t, int64_t) = AverageRowsBaseline<T>;
#if defined(__x86_64__)
    if (math::UseAvx2()) rows = AverageRowsAvx2<T>;
    if (math::UseAvx512() && job.l.channels % 16 == 0) rows = AverageRowsAvx512<T>;
#endif
    const nn::Pool3DLayout& l = job.l;
    const int64_t total = l.batch * l.axis[0].out * l.axis[1].out;
    // ~0.5 ns per tap and channel (in double: a huge window's product overflows int64).
    const double row_ns = 0.5 * static_cast<double>(l.axis[2].out * l.channels) *
                          (static_cast<double>(l.axis[0].ksize) * static_cast<double>(l.axis[1].ksize) *
                               static_cast<double>(l.axis[2].ksize) +
                           2.0);
    ctx.ParallelFor(total, nn::ItemCost(row_ns, total), [&](int64_t begin, int64_t end) { rows(job, begin, end); });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("AvgPool3D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("3-D average pooling over NDHWC windows, SAME or VALID padding, padding taps not "
                              "counted (tf.nn.avg_pool3d).")
                         .Input("input: T")
                         .Output("output: T")
                         .Params<nn::Pool3DParams>()
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(nn::Pool3DShape)
                         .Kernel(AvgPool3DKernel));

}  // namespace
}  // namespace opbridge
