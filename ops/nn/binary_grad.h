// Shared by the elementwise gradient ops (ReluGrad, EluGrad, SoftplusGrad,
// TanhGrad, ReciprocalGrad, ...): two inputs of one shape, one output.
//
// TF's CPU kernels evaluate an Eigen expression over the flattened tensors.
// Its x86-64 wheel is built for AVX: Eigen computes whole packets (8 floats,
// halves or bfloat16s, 4 doubles) and the last n % packet elements one at a
// time through the functor's scalar path. Where the two paths differ (an
// exp, or another order of the products), an element's result depends on its
// position: `PacketAndTail` reproduces that, computing the packet part with
// Eigen's own packet functions (on SSE lanes: the same algorithms lane by
// lane) and the tail with the scalar ones. half and bfloat16 packets are
// computed as float packets rounded after every operation, as Eigen's AVX
// Packet8h/Packet8bf arithmetic does.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "opbridge/op.h"
#include "../math/half_arrays.h"

namespace opbridge {
namespace nn {

template <typename T>
constexpr bool kIs16BitFloat = std::is_same_v<T, Eigen::half> || std::is_same_v<T, Eigen::bfloat16>;

// opbridge's Dispatch plus half and bfloat16 (Eigen's types, as TF's kernels).
template <typename... Ts, typename Fn>
Status DispatchFloatsAnd(DType dtype, Fn&& fn) {
  Status result = Status::Ok();
  if (DispatchTo<DType::kFloat16, Eigen::half>(dtype, fn, &result) ||
      DispatchTo<DType::kBFloat16, Eigen::bfloat16>(dtype, fn, &result)) {
    return result;
  }
  return Dispatch<Ts...>(dtype, fn);
}

// TF_CALL_FLOAT_TYPES: half, bfloat16, float, double.
template <typename Fn>
Status DispatchFloatTypes(DType dtype, Fn&& fn) {
  return DispatchFloatsAnd<float, double>(dtype, fn);
}

// TF_CALL_REAL_NUMBER_TYPES: the float types and every integer type.
template <typename Fn>
Status DispatchRealNumberTypes(DType dtype, Fn&& fn) {
  return DispatchFloatsAnd<float, double, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t,
                           uint64_t>(dtype, fn);
}

// TF's BinaryElementWiseOp: both inputs of one shape (TF: "Inputs to
// operation ... must have the same size and shape"), at most 8 dims.
inline Status SameShapeBinaryRule(ShapeContext& ctx) {
  const Shape& a = ctx.input(0);
  const Shape& b = ctx.input(1);
  if (a.rank_known() && b.rank_known()) {
    bool same = a.rank() == b.rank();
    for (int i = 0; same && i < a.rank(); ++i) {
      same = a.dim(i) == kUnknownDim || b.dim(i) == kUnknownDim || a.dim(i) == b.dim(i);
    }
    if (!same) {
      return Errorf("inputs '", ctx.input_name(0), "' and '", ctx.input_name(1),
                    "' must have the same size and shape.  Input 0: ", a.ToString(), " != input 1: ", b.ToString());
    }
  }
  const Shape& known = a.rank_known() ? a : b;
  if (known.rank_known() && known.rank() > 8) {
    return Errorf("We only handle up to Tensor::dims() up to 8, not ", known.rank());
  }
  ctx.set_output(0, known);
  return Status::Ok();
}

// a * b, multiplied at run time. The compiler may fold g * (c ? 1 : 0) into
// c ? g : 0, which differs under TF's denormals-are-zero mode (a subnormal g
// times 1 gives 0); hiding b's value keeps the product.
template <typename T>
T Mul(T a, T b) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) asm("" : "+x"(b));
  return static_cast<T>(a * b);
}

// out[i] = fn(a[i], b[i]) for ops whose packet and scalar paths agree.
template <typename T, typename Fn>
Status Binary(KernelContext& ctx, int64_t cost_per_element_ns, Fn fn) {
  const T* a = ctx.input(0).data<T>();
  const T* b = ctx.input(1).data<T>();
  T* out = ctx.output(0).data<T>();
  ctx.ParallelFor(ctx.output(0).num_elements(), cost_per_element_ns, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = fn(a[i], b[i]);
  });
  return Status::Ok();
}

// The element type of a packet lane: float for the 16-bit floats.
template <typename T>
using Lane = std::conditional_t<kIs16BitFloat<T>, float, T>;
template <typename T>
using LanePacket = typename Eigen::internal::packet_traits<Lane<T>>::type;
// Lanes in a LanePacket (4 floats or 2 doubles on SSE2).
template <typename T>
constexpr int kLanes = Eigen::internal::packet_traits<Lane<T>>::size;

// TF's AVX packet length for T, in elements: 32 bytes (Packet8f, Packet4d,
// Packet4cf, Packet2cd), but 8 halves or bfloat16s (Packet8h, Packet8bf).
template <typename T>
constexpr int64_t kTfPacketSize = sizeof(T) == 2 ? 8 : 32 / static_cast<int64_t>(sizeof(T));

// A packet of T's values rounded to T, as every Packet8h/Packet8bf operation
// rounds its float result; identity for float and double.
template <typename T>
LanePacket<T> Round(const LanePacket<T>& p) {
  if constexpr (kIs16BitFloat<T>) {
    float lanes[kLanes<T>];
    Eigen::internal::pstoreu(lanes, p);
    for (float& v : lanes) v = static_cast<float>(static_cast<T>(v));
    return Eigen::internal::ploadu<LanePacket<T>>(lanes);
  } else {
    return p;
  }
}

template <typename T>
LanePacket<T> LoadLanes(const T* in) {
  if constexpr (kIs16BitFloat<T>) {
    float lanes[kLanes<T>];
    for (int j = 0; j < kLanes<T>; ++j) lanes[j] = static_cast<float>(in[j]);
    return Eigen::internal::ploadu<LanePacket<T>>(lanes);
  } else {
    return Eigen::internal::ploadu<LanePacket<T>>(in);
  }
}

template <typename T>
void StoreLanes(T* out, const LanePacket<T>& p) {
  if constexpr (kIs16BitFloat<T>) {
    float lanes[kLanes<T>];
    Eigen::internal::pstoreu(lanes, p);
    for (int j = 0; j < kLanes<T>; ++j) out[j] = static_cast<T>(lanes[j]);
  } else {
    Eigen::internal::pstoreu(out, p);
  }
}

// out[i] = packet_fn(a, b) lane by lane for i < n - n % kTfPacketSize<T>, and
// scalar_fn(a[i], b[i]) for the tail, as TF's AVX build evaluates. packet_fn
// takes and returns LanePacket<T> and rounds with Round<T> after each step.
template <typename T, typename PacketFn, typename ScalarFn>
Status PacketAndTail(KernelContext& ctx, int64_t cost_per_element_ns, PacketFn packet_fn, ScalarFn scalar_fn) {
  static_assert(kTfPacketSize<T> % kLanes<T> == 0, "a TF packet must be whole lane packets");
  const T* a = ctx.input(0).data<T>();
  const T* b = ctx.input(1).data<T>();
  T* out = ctx.output(0).data<T>();
  const int64_t n = ctx.output(0).num_elements();
  const int64_t packet_end = n - n % kTfPacketSize<T>;
  ctx.ParallelFor(
      n, cost_per_element_ns,
      [&](int64_t begin, int64_t end) {
        int64_t i = begin;
        for (; i < end && i < packet_end; i += kLanes<T>) {
          StoreLanes(out + i, packet_fn(LoadLanes(a + i), LoadLanes(b + i)));
        }
        for (; i < end; ++i) out[i] = scalar_fn(a[i], b[i]);
      },
      /*grain=*/kTfPacketSize<T>);
  return Status::Ok();
}

// out[j] = where[j] == 0 ? +0 : v[j] for j < m, on Eigen packets (pcmp_eq and pselect, as TF's
// packet functors select): GCC compiles the select as a branch per element even where v is
// already computed, which mispredicts on gradients with zeros at random.
template <typename F>
void ZeroWhereZero(const F* where, const F* v, F* out, int64_t m) {
  using P = typename Eigen::internal::packet_traits<F>::type;
  constexpr int64_t kWidth = Eigen::internal::unpacket_traits<P>::size;
  const P zero = Eigen::internal::pset1<P>(F(0));
  int64_t j = 0;
  for (; j + kWidth <= m; j += kWidth) {
    const P w = Eigen::internal::ploadu<P>(where + j);
    const P keep = Eigen::internal::ploadu<P>(v + j);
    Eigen::internal::pstoreu(out + j, Eigen::internal::pselect(Eigen::internal::pcmp_eq(w, zero), zero, keep));
  }
  for (; j < m; ++j) out[j] = where[j] == F(0) ? F(0) : v[j];
}

// The `round` BinaryByPositionBlocks gives float and double: nothing to round (a block_fn may
// test for this type to fuse its steps).
struct NoRounding {
  template <typename F>
  void operator()(F*) const {}
};

// BinaryByPosition for functors written on arrays: block_fn(a, b, out, tmp, m, round) computes
// TF's packet path on m elements (out and tmp are scratch of m values, round(v) rounds v[0, m)
// to T in place), on widened floats for half and bfloat16 (each step rounded, as Packet8h and
// Packet8bf arithmetic; the result narrowed once more) and on T itself otherwise. Written as
// arithmetic loops plus ZeroWhereZero's packet selects, they vectorize; a per-element
// `dy == 0 ? 0 : q` stays scalar and branchy, which mispredicts on gradients with zeros. The
// last n % kTfPacketSize<T> elements take scalar_fn, as TF's tail.
template <typename T, typename BlockFn, typename ScalarFn>
Status BinaryByPositionBlocks(KernelContext& ctx, int64_t cost_per_element_ns, BlockFn block_fn,
                              ScalarFn scalar_fn) {
  using F = Lane<T>;
  const T* a = ctx.input(0).data<T>();
  const T* b = ctx.input(1).data<T>();
  T* out = ctx.output(0).data<T>();
  const int64_t n = ctx.output(0).num_elements();
  const int64_t packet_end = n - n % kTfPacketSize<T>;
  const bool in_place = out == a || out == b;
  ctx.ParallelFor(
      packet_end, cost_per_element_ns,
      [&](int64_t begin, int64_t end) {
        constexpr int64_t kBlock = 256;
        F fa[kBlock], fb[kBlock], fo[kBlock], ft[kBlock];
        T scratch[kBlock];
        static_cast<void>(fa), static_cast<void>(fb), static_cast<void>(scratch), static_cast<void>(in_place);
        for (int64_t i = begin; i < end; i += kBlock) {
          const int64_t m = std::min(kBlock, end - i);
          if constexpr (kIs16BitFloat<T>) {
            math::Widen(a + i, fa, m);
            math::Widen(b + i, fb, m);
            block_fn(fa, fb, fo, ft, m, [&](float* v) { math::RoundTo(v, scratch, m); });
            math::Narrow(fo, out + i, m);
          } else if (in_place) {  // out is an input's buffer, which block_fn reads after writing out
            block_fn(a + i, b + i, fo, ft, m, NoRounding{});
            std::copy(fo, fo + m, out + i);
          } else {
            block_fn(a + i, b + i, out + i, ft, m, NoRounding{});
          }
        }
      },
      /*grain=*/kTfPacketSize<T>);
  for (int64_t i = packet_end; i < n; ++i) out[i] = scalar_fn(a[i], b[i]);
  return Status::Ok();
}

// The select-shaped gradients (ReluGrad, Relu6Grad, LeakyReluGrad, EluGrad,
// SeluGrad): a branch per element mispredicts on real activations, half of
// them negative (EluGrad float32: 4 ns per element at 1 thread, TF 2x
// faster). float and double run packet_fn on whole lane packets, which
// computes every candidate and selects by mask: the same bits as scalar_fn
// (which the tail and the other types keep), so the tail's position does not
// matter.
template <typename T, typename PacketFn, typename ScalarFn>
Status SelectBinary(KernelContext& ctx, int64_t cost_per_element_ns, PacketFn packet_fn, ScalarFn scalar_fn) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return PacketAndTail<T>(ctx, cost_per_element_ns, packet_fn, scalar_fn);
  } else {
    return Binary<T>(ctx, cost_per_element_ns, scalar_fn);
  }
}

// 1 where mask is set, else 0: a multiplier that stays a multiplication (TF's
// ReluGrad multiplies, and under denormals-are-zero a subnormal gradient times
// 1 is 0; a select would pass it).
template <typename P>
P OneWhere(const P& mask) {
  return Eigen::internal::pand(mask, Eigen::internal::pset1<P>(1));
}

// PacketAndTail for functors whose packet path is plain IEEE arithmetic in
// another order than their scalar path: both given as per-element functions
// of T (each step rounded to T, as Packet8h/Packet8bf arithmetic rounds).
template <typename T, typename PacketFn, typename ScalarFn>
Status BinaryByPosition(KernelContext& ctx, int64_t cost_per_element_ns, PacketFn packet_fn, ScalarFn scalar_fn) {
  const T* a = ctx.input(0).data<T>();
  const T* b = ctx.input(1).data<T>();
  T* out = ctx.output(0).data<T>();
  const int64_t n = ctx.output(0).num_elements();
  const int64_t packet_end = n - n % kTfPacketSize<T>;
  ctx.ParallelFor(n, cost_per_element_ns, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = i < packet_end ? packet_fn(a[i], b[i]) : scalar_fn(a[i], b[i]);
  });
  return Status::Ok();
}

}  // namespace nn
}  // namespace opbridge
