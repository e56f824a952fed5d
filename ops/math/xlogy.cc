// Xlogy: TF's x * log(y), 0 where x is 0 (tf.math.xlogy) in float64, half, bfloat16, complex64 and
// complex128: the converter leaves CUSTOM "Xlogy" {T} for those dtypes, which TFLite's builtins lack
// (measured by tools/census_float64.py). TF's xlogy_op: 0 where x == 0 (even for y <= 0 or NaN y),
// else x * log(y), by position as TF's kernel (packet_tail.h): its packets take Eigen's packet
// log of y (the Log kernel's, packet_exprs::Log: for half and bfloat16 the float one, rounded),
// multiply (complex: Eigen's packet product) and keep x itself where x == 0 (pselect: a -0 x, or
// -0 part, stays: measured, -0 * log(2) in float64 and half is -0 in the packets); its scalar tail
// gives +0 there and x * numext::log(y) (complex: Eigen's (log |y|, atan2), not clog; the C
// library's product) elsewhere. The logs are
// taken once per element of y, in whole packets: TF's bits in every dtype.
#include <algorithm>
#include <cmath>
#include <complex>
#include <tuple>
#include <type_traits>
#include <vector>

#include "packet_tail.h"
#include "complex_scalar_ops.h"
#include "elementwise.h"
#include "half_arrays.h"
#include "line_aligned_allocator.h"

namespace opbridge {
namespace {

// x * log_y as TF's packets multiply: Eigen's packet product for complex,
// one rounding in T for the reals (half and bfloat16 in float, rounded).
template <typename T>
T Times(T x, T log_y) {
  if constexpr (math::IsComplex<T>::value) {
    return math::PacketMul(x, log_y);
  } else {
    return T(x * log_y);
  }
}

// out[0, n) = x where x == 0 (x itself: a -0 stays), else x * log_y, on this build's Eigen packets
// (TF's pselect over pmul; the remainder of n is the same values one at a time). Explicit
// packets: GCC leaves `x == 0 ? x : x * log_y` scalar and branchy (it may not multiply where the
// source does not), which mispredicts on x with zeros (probabilities, one-hot labels).
template <typename F>
void XTimesPackets(const F* x, const F* log_y, F* out, int64_t n) {
  namespace ei = Eigen::internal;
  using P = typename ei::packet_traits<F>::type;
  constexpr int64_t kWidth = ei::unpacket_traits<P>::size;
  const P zero = ei::pset1<P>(F(0));
  int64_t i = 0;
  for (; i + kWidth <= n; i += kWidth) {
    const P xv = ei::ploadu<P>(x + i);
    const P p = ei::pmul(xv, ei::ploadu<P>(log_y + i));
    ei::pstoreu(out + i, ei::pselect(ei::pcmp_eq(xv, zero), xv, p));
  }
  for (; i < n; ++i) out[i] = x[i] == F(0) ? x[i] : x[i] * log_y[i];
}

// A broadcast run of real Xlogy over y's logs: a and b step 0 or 1; half and bfloat16 multiply
// in float and round once (x itself rounds to x), a block of widened values at a time.
template <typename T>
void XlogyRealRun(const T* a, int64_t step_a, const T* b, int64_t step_b, T* out, int64_t n) {
  if constexpr (!math::kHalfType<T>) {
    if (step_a != 0 && step_b != 0) return XTimesPackets(a, b, out, n);
  }
  using F = std::conditional_t<math::kHalfType<T>, float, T>;
  constexpr int64_t kBlock = 256;
  F fa[kBlock], fb[kBlock];
  for (int64_t i = 0; i < n; i += kBlock) {
    const int64_t m = std::min(kBlock, n - i);
    for (auto [v, step, f] : {std::tuple{a, step_a, fa}, std::tuple{b, step_b, fb}}) {
      if (step == 0) {
        std::fill(f, f + m, static_cast<F>(v[0]));
      } else if constexpr (math::kHalfType<T>) {
        math::Widen(v + i, f, m);
      } else {
        std::copy(v + i, v + i + m, f);
      }
    }
    XTimesPackets(fa, fb, fa, m);
    if constexpr (math::kHalfType<T>) {
      math::Narrow(fa, out + i, m);
    } else {
      std::copy(fa, fa + m, out + i);
    }
  }
}

template <typename T>
Status XlogyOf(KernelContext& ctx) {
  const ConstTensor& y = ctx.input(1);
  // y's packet logs (the Log kernel's: packet_exprs::Log, TF's packet bits),
  // padded to whole 64-element chunks on a 64-byte boundary: Eigen takes no
  // scalar head or tail in them.
  constexpr int64_t kChunk = 64;
  const int64_t m = y.num_elements();
  std::vector<T, math::LineAlignedAllocator<T>> logs(static_cast<size_t>((m + kChunk - 1) / kChunk * kChunk), T(1));
  const T* py = y.data<T>();
  std::copy(py, py + m, logs.begin());
  T* pl = logs.data();
  ctx.ParallelFor(
      static_cast<int64_t>(logs.size()), 10,
      [&](int64_t begin, int64_t end) { math::ApplyRange(pl + begin, pl + begin, end - begin, math::packet_exprs::Log{}); },
      kChunk);
  // Each run reads y's logs where it would read y.
  const auto run = [&](const T* a, int64_t step_a, const T* b, int64_t step_b, T* out, int64_t n) {
    if constexpr (math::IsComplex<T>::value) {
      const auto fn = [](T x, T log_y) { return x == T(0) ? x : Times(x, log_y); };
      math::MapRun(a, step_a, pl + (b - py), step_b, out, n, fn);
    } else {
      XlogyRealRun(a, step_a, pl + (b - py), step_b, out, n);
    }
  };
  OPBRIDGE_RETURN_IF_ERROR(math::BinaryBroadcastRuns<T>(ctx, 4, run));
  // numext::log: the C library's log (half: in float, rounded); complex:
  // Eigen's complex_log, (log(|z|), atan2(im, re)), not glibc's clog.
  math::RedoScalarTail<T>(ctx, [](T x, T v) { return x == T(0) ? T(0) : T(x * Eigen::numext::log(v)); });
  return Status::Ok();
}

Status Kernel(KernelContext& ctx) {
  switch (ctx.input(0).dtype()) {
    case DType::kComplex64: return XlogyOf<std::complex<float>>(ctx);
    case DType::kComplex128: return XlogyOf<std::complex<double>>(ctx);
    case DType::kFloat64: return XlogyOf<double>(ctx);
    case DType::kFloat16: return XlogyOf<Eigen::half>(ctx);
    case DType::kBFloat16: return XlogyOf<Eigen::bfloat16>(ctx);
    default: return Errorf("Xlogy has no kernel for ", DTypeName(ctx.input(0).dtype()));
  }
}

OPBRIDGE_REGISTER_OP(OpSpec("Xlogy")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x * log(y), 0 where x == 0, with broadcasting (tf.math.xlogy).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
