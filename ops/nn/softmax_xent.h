// Shared by SparseSoftmaxCrossEntropyWithLogits and
// SoftmaxCrossEntropyWithLogits: the pieces of TF's Eigen evaluation whose
// rounding depends on how Eigen evaluates them (TF's x86-64 wheel: AVX).
//
// - exp over a tensor: whole packets use Eigen's packet exp, the last
//   n % packet elements the C library's exp (binary_grad.h).
// - a sum along the class dimension: Eigen's InnerMostDimReducer. Each row is
//   summed in packet accumulators (four of them over runs of 4 packets, then
//   one), the tail one by one from 0, and the result is tail + a horizontal
//   add of the accumulator (predux: AVX adds the two halves, then SSE's
//   order). Rows longer than packet * leaf (leaf: 1024 for float and double,
//   200 for half, 128 for bfloat16) are split in two at a packet boundary of
//   the flat index and the halves summed recursively.
// The kernels reproduce both with the same Eigen packet functions on SSE
// lanes, so the results equal TF's bit for bit.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "binary_grad.h"

namespace opbridge {
namespace nn {

// Eigen's packet exp of one lane; half and bfloat16 go through float.
template <typename T>
T PacketExp(T x) {
  using P = LanePacket<T>;
  const auto lane = Eigen::internal::pfirst(Eigen::internal::pexp(Eigen::internal::pset1<P>(static_cast<Lane<T>>(x))));
  return static_cast<T>(lane);
}

// Eigen's scalar exp (the C library's; half and bfloat16 through float).
template <typename T>
T ScalarExp(T x) {
  return static_cast<T>(Eigen::numext::exp(x));
}

// out[i] = PacketExp(in[i]) for i < n, whole lane packets at a time: a lane's
// result does not depend on its neighbours, so this equals PacketExp element
// by element at a quarter of the packet operations.
template <typename T>
void PacketExpRange(const T* in, T* out, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes<T> <= n; i += kLanes<T>) StoreLanes(out + i, Eigen::internal::pexp(LoadLanes(in + i)));
  for (; i < n; ++i) out[i] = PacketExp(in[i]);
}

template <typename T>
constexpr int64_t kLeafSize = std::is_same_v<T, Eigen::half> ? 200 : std::is_same_v<T, Eigen::bfloat16> ? 128 : 1024;

// Eigen's predux of an AVX accumulator (8 floats or 4 doubles; 16-bit floats
// are summed in float and rounded once).
template <typename T>
T HorizontalSum(const T* acc) {
  using P = LanePacket<T>;
  constexpr int64_t kHalf = kTfPacketSize<T> / 2;
  static_assert(kHalf == kLanes<T>, "an AVX packet is two SSE packets");
  Lane<T> lo[kHalf], hi[kHalf];
  for (int64_t k = 0; k < kHalf; ++k) {
    lo[k] = static_cast<Lane<T>>(acc[k]);
    hi[k] = static_cast<Lane<T>>(acc[k + kHalf]);
  }
  using Eigen::internal::ploadu;
  return static_cast<T>(Eigen::internal::predux(Eigen::internal::padd(ploadu<P>(lo), ploadu<P>(hi))));
}

// Sum over values(first + j), j < n, as Eigen's vectorized InnerMostDimReducer
// (with its tree split). packet(i) is a value's packet-path result, scalar(i)
// its scalar-path result.
template <typename T, typename PacketValue, typename ScalarValue>
T InnerMostSum(int64_t first, int64_t n, const PacketValue& packet, const ScalarValue& scalar) {
  constexpr int64_t kP = kTfPacketSize<T>;
  if (n > kP * kLeafSize<T>) {
    const int64_t half = (n + 1) / 2;
    const int64_t split = kP * ((first + half + kP - 1) / kP);
    const int64_t left = std::min(split - first, n);
    T accum = static_cast<T>(T(0) + InnerMostSum<T>(first, left, packet, scalar));
    if (left < n) accum = static_cast<T>(accum + InnerMostSum<T>(split, n - left, packet, scalar));
    return accum;
  }
  T acc[4][kP];
  for (auto& a : acc) {
    for (T& v : a) v = T(0);
  }
  int64_t start = 0;
  if (n >= 4 * kP) {
    const int64_t end4 = n / (4 * kP) * (4 * kP);
    for (int64_t j = 0; j < end4; j += 4 * kP) {
      for (int a = 0; a < 4; ++a) {
        for (int64_t k = 0; k < kP; ++k) acc[a][k] = static_cast<T>(acc[a][k] + packet(first + j + a * kP + k));
      }
    }
    for (int a = 1; a < 4; ++a) {
      for (int64_t k = 0; k < kP; ++k) acc[0][k] = static_cast<T>(acc[0][k] + acc[a][k]);
    }
    start = end4;
  }
  if (start <= n - kP) {
    const int64_t end = n / kP * kP;
    for (int64_t j = start; j < end; j += kP) {
      for (int64_t k = 0; k < kP; ++k) acc[0][k] = static_cast<T>(acc[0][k] + packet(first + j + k));
    }
    start = end;
  }
  T accum = T(0);
  for (int64_t j = start; j < n; ++j) accum = static_cast<T>(accum + scalar(first + j));
  return static_cast<T>(accum + HorizontalSum(acc[0]));
}

}  // namespace nn
}  // namespace opbridge
