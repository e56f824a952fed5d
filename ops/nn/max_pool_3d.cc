// MaxPool3D: TF's tf.nn.max_pool3d. TFLite has no 3-D pooling, so the
// converter emits CUSTOM "MaxPool3D" with options {T, ksize, strides,
// padding, data_format} (3-D CNNs on video and volumes).
//
//   input [N, D, H, W, C] -> output [N, OD, OH, OW, C]: each window's maximum.
//
// As TF's CPU kernel (Eigen's CuboidMaxPooling, pool_3d.h): the maximum
// starts at -highest (float32: -FLT_MAX) and a tap replaces it only when
// strictly larger, so a window of -inf gives -FLT_MAX and a NaN never wins.
// TF's CPU kernels exist for float and bfloat16 only (half is GPU only).
//
// The max over a box is separable: W, then H, then D. With TF's rule (a tap
// replaces the running max only when strictly larger) the direct loop keeps,
// per channel, the first tap in depth, row, column order among those of the
// largest value (NaN never compares larger; +0 and -0 tie), or -highest when
// no tap is above it. A pass over W keeps each row's first maximal tap; a pass
// over H of those keeps the first row holding the box's maximum, with that
// row's first maximal tap, i.e. the first maximal tap in row, column order;
// the pass over D likewise: exactly the direct loop's tap, bits included. So
// 3x3x3 takes 3 + 3 + 3 compares per output, not 27.
#include <Eigen/Core>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../math/avx2_dispatch.h"
#include "opbridge/op.h"
#include "pool_3d.h"

namespace opbridge {
namespace {

// The running max is kept as float (a bfloat16 tap widened exactly: comparing
// in float is how bfloat16's operator< compares).
OPBRIDGE_POOL3D_INLINE uint32_t Bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

OPBRIDGE_POOL3D_INLINE float FromBits(uint32_t b) {
  float v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

// acc < tap ? tap : acc, as a select of the bits, never a max instruction:
// the kernels run with subnormals flushed (DAZ), under which x86's maxps
// returns a winning subnormal tap as zero, where TF's loop (and the compare
// here) stores the tap itself.
OPBRIDGE_POOL3D_INLINE float MaxStep(float acc, float tap) {
  const uint32_t take = acc < tap ? ~uint32_t{0} : 0;
  return FromBits((Bits(tap) & take) | (Bits(acc) & ~take));
}

// The max back to T: exact (it is one of the taps, or -highest).
OPBRIDGE_POOL3D_INLINE void MaxStore(float v, float* dst) { *dst = v; }
OPBRIDGE_POOL3D_INLINE void MaxStore(float v, Eigen::bfloat16* dst) {
  dst->value = static_cast<uint16_t>(Bits(v) >> 16);
}

// dst[i] = the max of src[j * step + i] over taps j = 0..taps-1 in order, for
// i < len. from_input: the taps are the input's, so the max starts at -highest
// (`pad`); otherwise they are an earlier pass's maxima (never NaN, never below
// -highest), where starting from the first tap gives the same bits. Blocked so
// that dst stays in L1 over the taps.
template <typename S>
OPBRIDGE_POOL3D_INLINE void MaxOfTaps(const S* __restrict src, int64_t step, int64_t taps, int64_t len,
                                      bool from_input, float pad, float* __restrict dst) {
  constexpr int64_t kBlock = 1024;
  for (int64_t b = 0; b < len; b += kBlock) {
    const int64_t n = std::min(kBlock, len - b);
    float* __restrict out = dst + b;
    const S* __restrict first = src + b;
    if (taps <= 0) {
      for (int64_t i = 0; i < n; ++i) out[i] = pad;
      continue;
    }
    // The first two taps in one sweep (one pass over dst fewer).
    const S* __restrict second = first + (taps > 1 ? step : 0);
    if (from_input) {
      for (int64_t i = 0; i < n; ++i) out[i] = MaxStep(MaxStep(pad, nn::PoolLoad(first[i])), nn::PoolLoad(second[i]));
    } else {
      for (int64_t i = 0; i < n; ++i) out[i] = MaxStep(nn::PoolLoad(first[i]), nn::PoolLoad(second[i]));
    }
    for (int64_t j = 2; j < taps; ++j) {
      const S* __restrict tap = first + j * step;
      for (int64_t i = 0; i < n; ++i) out[i] = MaxStep(out[i], nn::PoolLoad(tap[i]));
    }
  }
}

// One axis's pass: dst[o][i] = the max over the window of output o of
// src[t][i], t the axis's index, i < inner (the elements after the axis).
// With stride 1 the outputs whose windows lie inside the input form one run
// in which output o's tap j is input o - pad + j: one long sweep per tap.
template <typename S>
OPBRIDGE_POOL3D_INLINE void MaxAxisPass(const S* src, const nn::PoolAxis& a, int64_t inner, bool from_input,
                                        float pad, float* dst) {
  int64_t o = 0;
  if (a.stride == 1) {
    // Outputs [first, last) have whole windows: Start(o) >= 0, Start(o) + ksize <= in.
    const int64_t first = std::min(a.out, a.pad_before);
    const int64_t last = std::max(first, std::min(a.out, a.in - a.ksize + a.pad_before + 1));
    for (; o < first; ++o) {
      MaxOfTaps(src + a.Lo(o) * inner, inner, a.Hi(o) - a.Lo(o), inner, from_input, pad, dst + o * inner);
    }
    if (last > first) {
      MaxOfTaps(src + a.Start(first) * inner, inner, a.ksize, (last - first) * inner, from_input, pad,
                dst + first * inner);
      o = last;
    }
  }
  for (; o < a.out; ++o) {
    MaxOfTaps(src + a.Lo(o) * inner, inner, a.Hi(o) - a.Lo(o), inner, from_input, pad, dst + o * inner);
  }
}

struct MaxJob {
  nn::Pool3DLayout l;
  const void* in;
  void* out;
  float pad;  // -highest of T, as float
};

// Output planes [begin, end) of N * OD. Each input plane a chunk's outputs
// need is reduced over W (into `cols`), then over H (into a plane buffer),
// once, in ascending depth; it then updates every output plane whose depth
// window holds it, in the output itself, so that each output sees its planes
// in depth order: a window's first two planes are combined in one sweep (the
// previous plane stays in a second buffer), later planes each by a select.
template <typename T>
OPBRIDGE_POOL3D_INLINE void MaxPlanes(const MaxJob& job, int64_t begin, int64_t end) {
  const nn::Pool3DLayout& l = job.l;
  const nn::PoolAxis& ad = l.axis[0];
  const nn::PoolAxis& ah = l.axis[1];
  const nn::PoolAxis& aw = l.axis[2];
  const int64_t c = l.channels;
  const int64_t in_plane = ah.in * aw.in * c, out_plane = ah.out * aw.out * c;
  const T* in = static_cast<const T*>(job.in);
  T* out = static_cast<T*>(job.out);
  std::vector<float> cols(static_cast<size_t>(ah.in * aw.out * c));
  std::vector<float> planes[2] = {std::vector<float>(static_cast<size_t>(out_plane)),
                                  std::vector<float>(static_cast<size_t>(out_plane))};
  for (int64_t p = begin; p < end;) {
    const int64_t n = p / ad.out, od0 = p % ad.out, od1 = std::min(ad.out, od0 + (end - p));
    p += od1 - od0;
    T* out_n = out + n * ad.out * out_plane;
    for (int64_t od = od0; od < od1; ++od) {  // an empty depth window: -highest (never for SAME or VALID)
      if (ad.Lo(od) >= ad.Hi(od)) {
        for (int64_t i = 0; i < out_plane; ++i) MaxStore(job.pad, out_n + od * out_plane + i);
      }
    }
    int64_t first = od0;  // the first output plane whose window is not behind d
    for (int64_t d = ad.Lo(od0); d < ad.Hi(od1 - 1); ++d) {
      while (first < od1 && ad.Hi(first) <= d) ++first;
      if (first == od1 || ad.Lo(first) > d) continue;  // (stride > ksize: no output needs this plane)
      // Plane d into planes[d % 2]; planes[(d - 1) % 2] still holds plane d - 1
      // when an output's window starts there (that plane was needed, so made).
      const float* __restrict cur = planes[d % 2].data();
      const float* __restrict prev = planes[(d + 1) % 2].data();
      const T* src = in + (n * ad.in + d) * in_plane;
      for (int64_t h = 0; h < ah.in; ++h) {
        MaxAxisPass(src + h * aw.in * c, aw, c, true, job.pad, cols.data() + h * aw.out * c);
      }
      MaxAxisPass(cols.data(), ah, aw.out * c, false, job.pad, planes[d % 2].data());
      for (int64_t od = first; od < od1 && ad.Lo(od) <= d; ++od) {
        T* __restrict dst = out_n + od * out_plane;
        const int64_t lo = ad.Lo(od);
        if (d == lo) {
          // A one-plane window is this plane; longer ones wait for their second.
          if (ad.Hi(od) == lo + 1) {
            for (int64_t i = 0; i < out_plane; ++i) MaxStore(cur[i], dst + i);
          }
        } else if (d == lo + 1) {
          for (int64_t i = 0; i < out_plane; ++i) MaxStore(MaxStep(prev[i], cur[i]), dst + i);
        } else {
          for (int64_t i = 0; i < out_plane; ++i) MaxStore(MaxStep(nn::PoolLoad(dst[i]), cur[i]), dst + i);
        }
      }
    }
  }
}

template <typename T>
void MaxPlanesBaseline(const MaxJob& job, int64_t begin, int64_t end) {
  MaxPlanes<T>(job, begin, end);
}

#if defined(__x86_64__)
template <typename T>
__attribute__((target("avx2"))) void MaxPlanesAvx2(const MaxJob& job, int64_t begin, int64_t end) {
  MaxPlanes<T>(job, begin, end);
}
#endif

Status MaxPool3DKernel(KernelContext& ctx, const nn::Pool3DParams& p) {
  return nn::DispatchPool3DTypes(ctx.input(0).dtype(), "MaxPool3D", [&](auto tag) {
    using T = typename decltype(tag)::type;
    MaxJob job;
    OPBRIDGE_RETURN_IF_ERROR(nn::MakePool3DLayout(ctx.input(0), p, &job.l));
    if (job.l.out_elements() == 0) return Status::Ok();
    job.in = ctx.input(0).data<T>();
    job.out = ctx.output(0).data<T>();
    job.pad = nn::PoolLoad(nn::PoolPadValue<T>());
    void (*planes)(const MaxJob&, int64_t, int64_t) = MaxPlanesBaseline<T>;
#if defined(__x86_64__)
    if (math::UseAvx2()) planes = MaxPlanesAvx2<T>;
#endif
    const nn::Pool3DLayout& l = job.l;
    const int64_t total = l.batch * l.axis[0].out;
    // ~0.3 ns per compare; about ksize compares per element and axis.
    const double plane_ns = 0.3 * static_cast<double>(l.axis[1].out * l.axis[2].out * l.channels) *
                            static_cast<double>(l.axis[0].ksize + l.axis[1].ksize + l.axis[2].ksize);
    ctx.ParallelFor(total, nn::ItemCost(plane_ns, total), [&](int64_t begin, int64_t end) { planes(job, begin, end); });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("MaxPool3D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("3-D max pooling over NDHWC windows, SAME or VALID padding (tf.nn.max_pool3d).")
                         .Input("input: T")
                         .Output("output: T")
                         .Params<nn::Pool3DParams>()
                         .Attr("T: {half, bfloat16, float}")
                         .ShapeRule(nn::Pool3DShape)
                         .Kernel(MaxPool3DKernel));

}  // namespace
}  // namespace opbridge
