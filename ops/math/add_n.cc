// AddN: TF's elementwise sum of N tensors of one shape (tf.math.add_n), in
// every dtype TF's CPU kernel takes. The converter keeps TF's AddN as CUSTOM
// "AddN" {N, T} where TFLite's ADD_N (float32, int32) and its chain of ADDs
// (int16, int64) do not reach: int8, uint8, uint16, uint32, uint64, half,
// bfloat16, float64 and complex (measured by
// tests/test_parity_integer_reductions.py); float32, int16, int32 and int64
// are here for models that carry them custom.
//
// The order of TF's additions (aggregate_ops.cc), which fixes the rounding
// of the floating types: with r = N % 8 (8 where that is 0, 9 where it is
// 1), the first r inputs are summed left to right, then each further group
// of 8 is summed left to right and added to the total. Every addition is
// rounded to T (half and bfloat16 too: Eigen's half sum is one rounded step);
// integers wrap modulo 2^bits as TF's do. TF's kernel may reuse an input's
// buffer for its output and then starts with that input (its first
// forwardable one, when that is not input 0), which reorders a floating sum;
// this kernel always adds in the inputs' order: the same bits wherever TF's
// inputs were not forwardable (graph inputs, or a forwardable input 0).
#include <algorithm>
#include <complex>
#include <type_traits>

#include "element_types.h"

namespace opbridge {
namespace {

Status AddNShape(ShapeContext& ctx) {
  const Shape& first = ctx.input(0);
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    const Shape& s = ctx.input(i);
    if (!first.rank_known() || !s.rank_known()) continue;
    bool same = first.rank() == s.rank();
    for (int d = 0; same && d < s.rank(); ++d) {
      same = first.dim(d) == s.dim(d) || first.dim(d) == kUnknownDim || s.dim(d) == kUnknownDim;
    }
    OPBRIDGE_REQUIRE(same, "inputs must have the same shape: input 0 ", first.ToString(), " != input ", i, " ",
                     s.ToString());
  }
  ctx.set_output(0, first);
  return Status::Ok();
}

// a + b as TF's kernel adds one pair (see the top).
template <typename T>
T Add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(math::Wrapping(a) + math::Wrapping(b));
  } else {
    return T(a + b);
  }
}

template <typename T>
void AddInto(T* acc, const T* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] = Add(acc[i], x[i]);
}

Status Kernel(KernelContext& ctx) {
  const int n = ctx.num_inputs();
  const ConstTensor& first = ctx.input(0);
  for (int i = 1; i < n; ++i) {
    OPBRIDGE_REQUIRE(ctx.input(i).shape().dims() == first.shape().dims(),
                     "inputs must have the same shape: input 0 ", first.shape().ToString(), " != input ", i, " ",
                     ctx.input(i).shape().ToString());
  }
  const int64_t total = first.num_elements();
  if (total == 0) return Status::Ok();
  // TF's first group: N % 8 inputs, or 8 or 9 where that would leave fewer
  // than 2 (N = 1: the input itself).
  const int head = n == 1 ? 1 : (n % 8 < 2 ? n % 8 + 8 : n % 8);
  // Signed integers run as the unsigned type of their width (math::UnsignedOfWidth:
  // the same wrapped sums).
  return math::DispatchElement<double, float, Eigen::half, Eigen::bfloat16, uint8_t, uint16_t, uint32_t, uint64_t,
                               std::complex<float>, std::complex<double>>(
      math::UnsignedOfWidth(first.dtype()), [&](auto tag) {
        using T = typename decltype(tag)::type;
        T* out = ctx.output(0).data<T>();
        // Blocks of elements small enough for the group's partial sum to stay
        // in cache; every element's additions are the same whatever the split.
        constexpr int64_t kBlock = 1024;
        ctx.ParallelFor(total, n, [&](int64_t begin, int64_t end) {
          T group[kBlock];
          for (int64_t i0 = begin; i0 < end; i0 += kBlock) {
            const int64_t m = std::min(kBlock, end - i0);
            T* o = out + i0;
            const T* x0 = ctx.input(0).data<T>() + i0;
            std::copy(x0, x0 + m, o);
            for (int k = 1; k < head; ++k) AddInto(o, ctx.input(k).data<T>() + i0, m);
            for (int r = head; r < n; r += 8) {
              const T* xr = ctx.input(r).data<T>() + i0;
              std::copy(xr, xr + m, group);
              for (int k = r + 1; k < r + 8; ++k) AddInto(group, ctx.input(k).data<T>() + i0, m);
              AddInto(o, group, m);
            }
          }
        });
        return Status::Ok();
      });
}

OPBRIDGE_REGISTER_OP(OpSpec("AddN")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Elementwise sum of N tensors of one shape, in TF's order (tf.math.add_n).")
                         .Input("inputs: N * T")
                         .Output("sum: T")
                         .Attr("N: int >= 1")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, complex64, complex128}")
                         .ShapeRule(AddNShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
