// TF's Philox4x32-10 counter-based generator and the distributions TF's CPU
// random kernels draw from it (tsl/lib/random: philox_random.h,
// random_distributions.h), reproduced bit for bit: stateless random ops are
// specified by their exact output, so every conversion, rounding and libm
// call below is the one TF makes.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "normal_avx2.h"
#include "opbridge/op.h"

namespace opbridge {
namespace random {

// Philox4x32 with 10 rounds: a 128-bit counter and a 64-bit key; each call
// returns four 32-bit words and advances the counter by one.
class Philox {
 public:
  using Block = std::array<uint32_t, 4>;

  Philox() = default;
  Philox(const Block& counter, uint32_t key0, uint32_t key1) : counter_(counter), key_{key0, key1} {}
  // TF's memory layout: key is one uint64, counter two (low word first).
  static Philox FromKeyCounter(uint64_t key, const uint64_t* counter) {
    const Block c = {static_cast<uint32_t>(counter[0]), static_cast<uint32_t>(counter[0] >> 32),
                     static_cast<uint32_t>(counter[1]), static_cast<uint32_t>(counter[1] >> 32)};
    return Philox(c, static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32));
  }

  const Block& counter() const { return counter_; }
  uint32_t key(int i) const { return key_[static_cast<size_t>(i)]; }

  // Advances the counter by `count` blocks, as TF's Skip: the carry out of
  // word 0 is added to the skip's high half, and is lost when that half is
  // 0xffffffff (skips that large never occur; kept as TF has it).
  void Skip(uint64_t count) {
    const auto lo = static_cast<uint32_t>(count);
    auto hi = static_cast<uint32_t>(count >> 32);
    counter_[0] += lo;
    if (counter_[0] < lo) ++hi;
    counter_[1] += hi;
    if (counter_[1] < hi) {
      if (++counter_[2] == 0) ++counter_[3];
    }
  }

  Block operator()() {
    Block c = counter_;
    uint32_t k0 = key_[0], k1 = key_[1];
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
      }
      const uint64_t p0 = uint64_t{0xD2511F53u} * c[0];
      const uint64_t p1 = uint64_t{0xCD9E8D57u} * c[2];
      c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0, static_cast<uint32_t>(p1),
           static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1, static_cast<uint32_t>(p0)};
    }
    if (++counter_[0] == 0 && ++counter_[1] == 0 && ++counter_[2] == 0) ++counter_[3];
    return c;
  }

 private:
  Block counter_{};
  std::array<uint32_t, 2> key_{};
};

// One 32-bit word at a time from a Philox stream (TF's SingleSampleAdapter):
// a fresh block is drawn when the previous one is used up.
class SingleSample {
 public:
  explicit SingleSample(Philox* gen) : gen_(gen) {}
  uint32_t operator()() {
    if (used_ == 4) {
      block_ = (*gen_)();
      used_ = 0;
    }
    return block_[static_cast<size_t>(used_++)];
  }

 private:
  Philox* gen_;
  Philox::Block block_{};
  int used_ = 4;
};

// The (key, counter) a V1 stateless op or StatelessRandomGetKeyCounter derives
// from its seed pair (TF's GenerateKey): one Philox block of the seed under a
// fixed key gives the key (words 0, 1) and the counter's high half (2, 3).
// Seeds are widened to uint64 as TF does (an int32 seed sign-extends).
inline void KeyCounterFromSeed(uint64_t seed0, uint64_t seed1, uint64_t* key, uint64_t counter[2]) {
  const Philox::Block c = {static_cast<uint32_t>(seed0), static_cast<uint32_t>(seed0 >> 32),
                           static_cast<uint32_t>(seed1), static_cast<uint32_t>(seed1 >> 32)};
  const Philox::Block mix = Philox(c, 0x3ec8f720u, 0x02461e29u)();
  *key = mix[0] | (uint64_t{mix[1]} << 32);
  counter[0] = 0;
  counter[1] = mix[2] | (uint64_t{mix[3]} << 32);
}

// Bits to [0, 1): the random bits become the mantissa of a number in [1, 2),
// then 1 is subtracted (exact).
inline float Uint32ToFloat(uint32_t x) {
  const uint32_t bits = (127u << 23) | (x & 0x7fffffu);
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f - 1.0f;
}
inline double Uint64ToDouble(uint32_t x0, uint32_t x1) {
  const uint64_t bits = (uint64_t{1023} << 52) | (uint64_t{x0 & 0xfffffu} << 32) | x1;
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d - 1.0;
}
// half keeps the low 10 bits, bfloat16 the low 7: the mantissa over its
// scale, which is what TF's [1, 2) - 1 gives, exactly.
// m / 1024 is exact in half and, unless 0, normal (>= 2^-10): its half bits are
// float's with the exponent's bias moved from 127 to 15 and 13 zero mantissa
// bits dropped, which skips Eigen's general rounding conversion (software on
// the baseline build, per element: the op took 1.2x TF's time).
inline Eigen::half Uint16ToHalf(uint32_t x) {
  const uint32_t m = x & 0x3ffu;
  const float f = static_cast<float>(m) / 1024.0f;
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  const auto h = static_cast<uint16_t>(m == 0 ? 0u : (bits >> 13) - ((127u - 15u) << 10));
  return Eigen::numext::bit_cast<Eigen::half>(h);
}
inline Eigen::bfloat16 Uint16ToBfloat16(uint32_t x) {
  return Eigen::bfloat16(static_cast<float>(x & 0x7fu) / 128.0f);
}

// Makes `v` a register value of its own, read from memory alone. sincosf
// stores its two results separately, and one 8-byte load of both (the
// compiler pairs the two multiplies that follow) stalls on store forwarding:
// a fifth of StatelessRandomNormal's time.
template <typename T>
inline void ReadAlone(T& v) {
#if defined(__x86_64__)
  asm("" : "+x"(v));
#elif defined(__aarch64__)
  asm("" : "+w"(v));
#endif
}

// Box-Muller as TF writes it: 2*pi is a double, so the angle is rounded to
// float once; the radius uses float log and sqrt; sincosf/sincos are glibc's,
// as in TF's Linux build.
inline void BoxMullerFloat(uint32_t x0, uint32_t x1, float* f0, float* f1) {
  float u1 = Uint32ToFloat(x0);
  if (u1 < 1.0e-7f) u1 = 1.0e-7f;
  const auto v1 = static_cast<float>(2.0 * M_PI * static_cast<double>(Uint32ToFloat(x1)));
  const float u2 = std::sqrt(-2.0f * std::log(u1));
  float sin_v1, cos_v1;
  ::sincosf(v1, &sin_v1, &cos_v1);
  ReadAlone(sin_v1);
  ReadAlone(cos_v1);
  *f0 = sin_v1 * u2;
  *f1 = cos_v1 * u2;
}
inline void BoxMullerDouble(uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3, double* d0, double* d1) {
  double u1 = Uint64ToDouble(x0, x1);
  if (u1 < 1.0e-7) u1 = 1.0e-7;
  const double v1 = 2 * M_PI * Uint64ToDouble(x2, x3);
  const double u2 = std::sqrt(-2.0 * std::log(u1));
  double sin_v1, cos_v1;
  ::sincos(v1, &sin_v1, &cos_v1);
  ReadAlone(sin_v1);
  ReadAlone(cos_v1);
  *d0 = sin_v1 * u2;
  *d1 = cos_v1 * u2;
}

template <typename T>
constexpr bool kWide = sizeof(T) == 8;  // 64-bit types take two words per value

// Each distribution turns one Philox block into a group of kGroup values
// (four 32-bit values or two 64-bit ones), written to `out`; TF's
// FillPhiloxRandom gives group g the g-th block after the op's counter.
// Written where they go: returned as an array and then copied, the values
// went through the stack, and reading a group whole from there stalled on
// store forwarding (two 8-byte stores read by one 16-byte load; the copy of
// a run-time count before that was a memmove call per group).
template <typename T>
struct Uniform {
  static constexpr int kGroup = kWide<T> ? 2 : 4;
  static constexpr bool kVariable = false;
  static constexpr int kCost = 3;
  void operator()(Philox& gen, T* out) const {
    const Philox::Block s = gen();
    for (int i = 0; i < kGroup; ++i) {
      const auto u = static_cast<size_t>(i);
      if constexpr (std::is_same_v<T, double>) {
        out[u] = Uint64ToDouble(s[2 * u], s[2 * u + 1]);
      } else if constexpr (std::is_same_v<T, float>) {
        out[u] = Uint32ToFloat(s[u]);
      } else if constexpr (std::is_same_v<T, Eigen::half>) {
        out[u] = Uint16ToHalf(s[u]);
      } else {
        static_assert(std::is_same_v<T, Eigen::bfloat16>);
        out[u] = Uint16ToBfloat16(s[u]);
      }
    }
  }
};

template <typename T>
struct Normal {
  static constexpr int kGroup = kWide<T> ? 2 : 4;
  static constexpr bool kVariable = false;
  static constexpr int kCost = 70;
  void operator()(Philox& gen, T* out) const {
    const Philox::Block s = gen();
    if constexpr (std::is_same_v<T, double>) {
      double d0, d1;
      BoxMullerDouble(s[0], s[1], s[2], s[3], &d0, &d1);
      out[0] = d0;
      out[1] = d1;
    } else {
      float f0, f1, f2, f3;
      BoxMullerFloat(s[0], s[1], &f0, &f1);
      BoxMullerFloat(s[2], s[3], &f2, &f3);
      // float -> half/bfloat16 rounds to nearest even, as Eigen's.
      out[0] = static_cast<T>(f0);
      out[1] = static_cast<T>(f1);
      out[2] = static_cast<T>(f2);
      out[3] = static_cast<T>(f3);
    }
  }
};

// Normal values with |x| < 2, by rejection: pairs are drawn one word at a
// time and each accepted value is taken in order until the group is full.
// The number of words is unbounded, so group g starts at its own reserved
// region of the stream (256 words per value, TF's kReservedSamplesPerOutput).
template <typename T>
struct TruncatedNormal {
  static constexpr int kGroup = kWide<T> ? 2 : 4;
  static constexpr bool kVariable = true;
  static constexpr int kCost = 90;
  void operator()(SingleSample& gen, T* out) const {
    int n = 0;
    while (true) {
      if constexpr (std::is_same_v<T, double>) {
        const uint32_t x0 = gen(), x1 = gen(), x2 = gen(), x3 = gen();
        double d[2];
        BoxMullerDouble(x0, x1, x2, x3, &d[0], &d[1]);
        for (double v : d) {
          if (std::abs(v) < 2.0) {
            out[static_cast<size_t>(n++)] = v;
            if (n == kGroup) return;
          }
        }
      } else {
        const uint32_t x0 = gen(), x1 = gen();
        float f[2];
        BoxMullerFloat(x0, x1, &f[0], &f[1]);
        for (float v : f) {
          if (std::abs(v) < 2.0f) {
            out[static_cast<size_t>(n++)] = static_cast<T>(v);
            if (n == kGroup) return;
          }
        }
      }
    }
  }
};

// minval + bits % (maxval - minval), the range and the addition in unsigned
// arithmetic (TF's SignedAdd adds the unsigned offset in two halves so it
// cannot overflow; the result is the same value modulo 2^bits).
template <typename T>
struct UniformInt {
  using U = std::make_unsigned_t<T>;
  static constexpr int kGroup = kWide<T> ? 2 : 4;
  static constexpr bool kVariable = false;
  static constexpr int kCost = 3;
  T lo;
  U range;
  UniformInt(T minval, T maxval) : lo(minval), range(static_cast<U>(static_cast<U>(maxval) - static_cast<U>(minval))) {}
  void operator()(Philox& gen, T* out) const {
    const Philox::Block s = gen();
    for (size_t i = 0; i < kGroup; ++i) {
      U bits;
      if constexpr (kWide<T>) {
        bits = s[2 * i] | (uint64_t{s[2 * i + 1]} << 32);
      } else {
        bits = s[i];
      }
      out[i] = static_cast<T>(static_cast<U>(static_cast<U>(lo) + bits % range));
    }
  }
};

// Every bit pattern: one word per 32-bit value, two (low first) per 64-bit one.
template <typename T>
struct UniformFullInt {
  static constexpr int kGroup = kWide<T> ? 2 : 4;
  static constexpr bool kVariable = false;
  static constexpr int kCost = 3;
  void operator()(Philox& gen, T* out) const {
    const Philox::Block s = gen();
    for (size_t i = 0; i < kGroup; ++i) {
      if constexpr (kWide<T>) {
        out[i] = static_cast<T>(s[2 * i] | (uint64_t{s[2 * i + 1]} << 32));
      } else {
        out[i] = static_cast<T>(s[i]);
      }
    }
  }
};

// Fills out[0, size) as TF's CPU FillPhiloxRandom: group g (values
// [g * kGroup, (g + 1) * kGroup), the last one cut short) is computed from
// the generator skipped by g blocks (fixed-count distributions) or by
// g * kGroup * 256 / 4 blocks (rejection sampling). Each group depends only
// on its index, so any split over threads gives the same bits.
template <typename T, typename Dist>
void FillPhilox(const KernelContext& ctx, const Philox& base, const Dist& dist, T* out, int64_t size) {
  constexpr int64_t kGroup = Dist::kGroup;
  const int64_t groups = (size + kGroup - 1) / kGroup;
  ctx.ParallelFor(groups, 4 * (10 + Dist::kCost), [&](int64_t begin, int64_t end) {
    Philox gen = base;
    if constexpr (!Dist::kVariable) gen.Skip(static_cast<uint64_t>(begin));
    int64_t g = begin;
#if defined(__x86_64__)
    if constexpr (std::is_same_v<Dist, Normal<float>> || std::is_same_v<Dist, Normal<double>>) {
      // Eight whole groups at a time in AVX2 lanes (normal_avx2.h); one at
      // a time where the counter's low word wraps within the eight.
      if (math::UseAvx2()) {
        const int64_t whole = std::min(end, size / kGroup);
        while (g + 8 <= whole) {
          if (gen.counter()[0] > 0xfffffff7u) {
            dist(gen, out + g * kGroup);
            ++g;
            continue;
          }
          normal_avx2::Groups(gen.counter().data(), gen.key(0), gen.key(1), out + g * kGroup);
          gen.Skip(8);
          g += 8;
        }
      }
    }
#endif
    for (; g < end; ++g) {
      T* dst = out + g * kGroup;
      const int64_t left = size - g * kGroup;
      T last[kGroup];  // the last group, when cut short
      T* to = left >= kGroup ? dst : last;
      if constexpr (Dist::kVariable) {
        Philox group_gen = base;
        group_gen.Skip(static_cast<uint64_t>(g) * (kGroup * 256 / 4));
        SingleSample single(&group_gen);
        dist(single, to);
      } else {
        dist(gen, to);
      }
      if (to == last) std::copy(last, last + left, dst);
    }
  });
}

}  // namespace random
}  // namespace opbridge
