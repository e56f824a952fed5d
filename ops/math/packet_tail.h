// Binary cwise ops as TF's CPU kernels evaluate them: Eigen packets
// over the flat output, then the last n % packet outputs (the ragged tail)
// through the functor's scalar operator(). That holds for same-shape, scalar
// and broadcast operands alike (measured on TF 2.21: DivNoNan complex64 over
// [103], [7,13] x [13], [7,13] x [7,1], [5,1,13] x [1,6,1] and scalars took
// the scalar path for exactly the last n % 4 outputs; complex128 n % 2).
// Where a functor's scalar path differs from its packets (std::complex
// division is Smith's algorithm, the packet one scales by the larger part;
// std::log is glibc's clog, the packet one Eigen's; the C library's product
// recovers infinities from NaN results, the packet one does not), a kernel
// computes every output as a packet would and then redoes the tail here.
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <vector>

#include "complex_scalar_ops.h"
#include "cwise.h"

namespace opbridge {
namespace math {

// Elements per Eigen packet in TF's x86-64 wheel (AVX): 32 bytes (Packet4d,
// Packet4cf, Packet2cd), but 8 halves or bfloat16s (Packet8h, Packet8bf), as
// nn::kTfPacketSize.
template <typename T>
constexpr int64_t TfPacket() {
  return sizeof(T) == 2 ? 8 : 32 / static_cast<int64_t>(sizeof(T));
}

// out[i] = scalar_fn(x, y) for the outputs i in TF's scalar tail, x and y
// the elements of inputs 0 and 1 that output i reads under broadcasting.
template <typename C, typename Fn>
void RedoScalarTail(const KernelContext& ctx, Fn scalar_fn) {
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  const Tensor& y = ctx.output(0);
  const int64_t n = y.num_elements();
  const int64_t begin = n - n % TfPacket<C>();
  if (begin == n) return;
  const std::vector<int64_t> sa = BroadcastStrides(a.shape(), y.shape());
  const std::vector<int64_t> sb = BroadcastStrides(b.shape(), y.shape());
  const C* pa = a.data<C>();
  const C* pb = b.data<C>();
  C* out = y.data<C>();
  for (int64_t i = begin; i < n; ++i) {
    int64_t rest = i, ia = 0, ib = 0;
    for (int d = y.shape().rank() - 1; d >= 0; --d) {
      const int64_t dim = y.shape().dim(d);
      const int64_t c = rest % dim;
      rest /= dim;
      ia += c * sa[static_cast<size_t>(d)];
      ib += c * sb[static_cast<size_t>(d)];
    }
    out[i] = scalar_fn(pa[ia], pb[ib]);
  }
}

// A complex64 or complex128 binary op: packet_fn(x, y) for every output,
// then scalar_fn(x, y) for TF's scalar tail (both generic lambdas).
template <typename PacketFn, typename ScalarFn>
Status ComplexBinary(KernelContext& ctx, int64_t cost_per_element_ns, PacketFn packet_fn, ScalarFn scalar_fn) {
  const Status packets = BinaryMap<std::complex<float>, std::complex<double>>(ctx, cost_per_element_ns, packet_fn);
  if (!packets.ok()) return packets;
  if (ctx.input(0).dtype() == DType::kComplex64) {
    RedoScalarTail<std::complex<float>>(ctx, scalar_fn);
  } else {
    RedoScalarTail<std::complex<double>>(ctx, scalar_fn);
  }
  return Status::Ok();
}

// std::complex division as TF's scalar path computes it: Smith's algorithm
// in C's precision (math::SmithDivide), and where that gives NaN in both
// parts, C99 Annex G's recovery of the infinite or zero result (compiler-rt's
// __divsc3 rules; measured: TF's tail gives 1 / (0 + 0i) = inf + nan i).
template <typename C>
C ScalarDivide(const C& a, const C& b) {
  using R = typename C::value_type;
  const C z = SmithDivide(a, b);
  if (!std::isnan(z.real()) || !std::isnan(z.imag())) return z;
  const R ar = a.real(), ai = a.imag(), c = b.real(), d = b.imag();
  const R inf = std::numeric_limits<R>::infinity();
  if (c == 0 && d == 0 && (!std::isnan(ar) || !std::isnan(ai))) {
    return C(std::copysign(inf, c) * ar, std::copysign(inf, c) * ai);
  }
  if ((std::isinf(ar) || std::isinf(ai)) && std::isfinite(c) && std::isfinite(d)) {
    const R x = std::copysign(std::isinf(ar) ? R(1) : R(0), ar), y = std::copysign(std::isinf(ai) ? R(1) : R(0), ai);
    return C(inf * (x * c + y * d), inf * (y * c - x * d));
  }
  if ((std::isinf(c) || std::isinf(d)) && std::isfinite(ar) && std::isfinite(ai)) {
    const R x = std::copysign(std::isinf(c) ? R(1) : R(0), c), y = std::copysign(std::isinf(d) ? R(1) : R(0), d);
    return C(R(0) * (ar * x + ai * y), R(0) * (ai * x - ar * y));
  }
  return z;
}

// Both parts zero (+0 or -0): Eigen's complex pcmp_eq against zero.
template <typename C>
inline bool IsComplexZero(const C& v) {
  return v.real() == 0 && v.imag() == 0;
}

}  // namespace math
}  // namespace opbridge
