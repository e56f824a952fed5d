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
#include <vector>

#include "packet_tail.h"
#include "complex_scalar_ops.h"
#include "elementwise.h"
#include "half_arrays.h"
#include "line_aligned_allocator.h"
#include "zero_select_run.h"

namespace opbridge {
namespace {

template <typename T>
Status XlogyOf(KernelContext& ctx) {
  const ConstTensor& y = ctx.input(1);
  // y's packet logs (the Log kernel's: packet_exprs::Log, TF's packet bits),
  // padded to whole 64-element chunks on a 64-byte boundary: Eigen takes no
  // scalar head or tail in them.
  constexpr int64_t kChunk = 64;
  const int64_t m = y.num_elements();
  const T* py = y.data<T>();
  // y's values written once (no fill before the copy), then the padding.
  std::vector<T, math::LineAlignedAllocator<T>> logs;
  logs.reserve(static_cast<size_t>((m + kChunk - 1) / kChunk * kChunk));
  logs.assign(py, py + m);
  logs.resize(logs.capacity(), T(1));
  T* pl = logs.data();
  ctx.ParallelFor(
      static_cast<int64_t>(logs.size()), 10,
      [&](int64_t begin, int64_t end) { math::ApplyRange(pl + begin, pl + begin, end - begin, math::packet_exprs::Log{}); },
      kChunk);
  // Each run reads y's logs where it would read y: x where x == 0, else x times the log (TF's
  // pselect over pmul, zero_select_run.h; half and bfloat16 in float, rounded once).
  const auto run = [&](const T* a, int64_t step_a, const T* b, int64_t step_b, T* out, int64_t n) {
    math::ZeroSelectRun<math::ZeroRule::kKeepZeroX, math::PacketProduct>(a, step_a, pl + (b - py), step_b, out, n);
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
