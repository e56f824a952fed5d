// Cumsum: TF's cumulative sum along `axis` (tf.math.cumsum) with exclusive
// and reverse, in every dtype TF's CPU kernel takes: the converter leaves
// CUSTOM "Cumsum" {T, Tidx, exclusive, reverse} for float64, half, bfloat16,
// complex, int8, int16 and the unsigned types, which TFLite's builtin CUMSUM
// lacks (measured by tools/census_float64.py and
// tests/test_parity_integer_reductions.py); float32, int32 and int64 are kept
// for models that carry them custom. Each line is summed in order, one
// rounding per step, as TF's scan (so float32 too gives TF's bits);
// integers wrap modulo 2^bits as TF's do. TF's checks: axis a scalar in
// [-rank, rank).
#include <algorithm>
#include <complex>
#include <cstdint>
#include <type_traits>

#include "element_types.h"
#include "scan_axis.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

// a + b in T: rounded to T (TF's scan keeps its running sum in T), or for
// integers wrapped in their unsigned type (math::Wrapping: no undefined
// behaviour where TF's signed sum overflows).
template <typename T>
T Add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(math::Wrapping(a) + math::Wrapping(b));
  } else {
    return T(a + b);
  }
}

Status Kernel(KernelContext& ctx, const math::ScanParams& p) {
  const ConstTensor& x = ctx.input(0);
  int64_t outer = 0, n = 0, inner = 0;
  OPBRIDGE_RETURN_IF_ERROR(math::PlanScan(x, ctx.input(1), &outer, &n, &inner));
  // TF's scan (Eigen's SumReducer<T>) keeps the running sum in T: float,
  // half and bfloat16 round it after every addition, and so does this.
  // Signed integers run as the unsigned type of their width (math::UnsignedOfWidth:
  // the same wrapped sums).
  return math::DispatchElement<double, float, Eigen::half, Eigen::bfloat16, uint8_t, uint16_t, uint32_t, uint64_t,
                               std::complex<float>, std::complex<double>>(
      math::UnsignedOfWidth(x.dtype()), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    // Up to 64 adjacent lines at a time, step by step: a step's values are
    // contiguous when the axis is not the last (line by line, a sum along
    // axis 0 of [1024,256] read every 256th element: 1.6x TF's time). Each
    // line's sum is still in order, so the bits are the same.
    if (inner == 1) {  // contiguous lines: one at a time (the blocks' loop cost 3.8x here)
      ctx.ParallelFor(outer, n, [&](int64_t begin, int64_t end) {
        for (int64_t line = begin; line < end; ++line) {
          const T* src = in + line * n;
          T* dst = out + line * n;
          T sum = T(0);
          for (int64_t k = 0; k < n; ++k) {
            const int64_t i = p.reverse ? n - 1 - k : k;
            if (p.exclusive) {
              dst[i] = sum;
              sum = Add(sum, src[i]);
            } else {
              sum = Add(sum, src[i]);
              dst[i] = sum;
            }
          }
        }
      });
      return Status::Ok();
    }
    constexpr int64_t kBlock = 64;
    const int64_t blocks = (inner + kBlock - 1) / kBlock;
    ctx.ParallelFor(outer * blocks, n * std::min(kBlock, inner), [&](int64_t begin, int64_t end) {
      T sum[kBlock];
      for (int64_t u = begin; u < end; ++u) {
        const int64_t first = (u % blocks) * kBlock;
        const int64_t width = std::min(kBlock, inner - first);
        const int64_t base = (u / blocks) * n * inner + first;
        for (int64_t l = 0; l < width; ++l) sum[l] = T(0);
        for (int64_t k = 0; k < n; ++k) {
          const int64_t row = base + (p.reverse ? n - 1 - k : k) * inner;
          if (p.exclusive) {
            for (int64_t l = 0; l < width; ++l) {
              out[row + l] = sum[l];
              sum[l] = Add(sum[l], in[row + l]);
            }
          } else {
            for (int64_t l = 0; l < width; ++l) {
              sum[l] = Add(sum[l], in[row + l]);
              out[row + l] = sum[l];
            }
          }
        }
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Cumsum")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Cumulative sum along an axis, with exclusive and reverse (tf.math.cumsum).")
                         .Input("x: T")
                         .Input("axis: Tidx")
                         .Output("out: T")
                         .Params<math::ScanParams>()
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, complex64, complex128}")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
