// float32 StatelessParameterizedTruncatedNormal on x86-64 with AVX2: TF's
// one-shard stream (every batch member continues where the one before it
// stopped), computed with the members spread over threads, bit for bit.
//
// The stream is counter-based, so a member can be computed anywhere once
// its first block is known; what is not known is how many blocks the
// members before it reject. MemberBlocks answers that, member by member, in
// a cheap sequential pass: Philox in AVX2 lanes (eight blocks at a time) and
// each accept/reject decision from approximations of log, sin and cos in
// float lanes, with the exact library functions called for the values that
// fall within a margin of a bound (about 1 in 1000). The members then run
// on the threads, each exactly as TF's loop (truncated_normal.h
// SampleMember, library calls and all) from its first block, and each
// checks that it used as many blocks as MemberBlocks said. The pass runs
// ahead of the members on whichever thread needs the next start
// (ParallelMembers), so no thread waits for it. A member that disagrees
// (none was seen) or any error sends the whole op back to the sequential
// loop, which gives TF's bits or TF's error: the approximations can cost
// time, never bits.
//
// Measured: docs/ops/stateless_random_sampling.md ("Speed").
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

#include "normal_avx2.h"
#include "philox.h"
#include "truncated_normal.h"

namespace opbridge::random::truncated {

#define OPBRIDGE_TN_AVX2 __attribute__((target("avx2"), always_inline)) inline

// A member's blocks from block `start` of the stream on, computed eight at a
// time in AVX2 lanes (normal_avx2.h): Philox words, and for a normal member
// its Box-Muller values (the library's logf and sincosf per lane, as
// philox.h's Normal<float>). The values are philox.h's Uniform<float> and
// Normal<float> of each block, so SampleMember draws what it would from a
// plain generator.
class FloatBlocks {
 public:
  FloatBlocks(const Philox& base, uint64_t start, bool normal) : gen_(base), normal_(normal) { gen_.Skip(start); }
  void Normal(float* v) { Take(v); }
  void Uniform(float* v) { Take(v); }
  // Blocks handed out so far.
  int64_t used() const { return used_; }

 private:
  void Take(float* v) {
    if (at_ == count_) Refill();
    for (int i = 0; i < 4; ++i) v[i] = values_[4 * at_ + i];
    ++at_;
    ++used_;
  }

  __attribute__((target("avx2"), noinline)) void Refill() {
    at_ = 0;
    if (gen_.counter()[0] > 0xfffffff7u) {  // the eight counters would wrap: one block alone
      if (normal_) {
        random::Normal<float>()(gen_, values_);
      } else {
        random::Uniform<float>()(gen_, values_);
      }
      count_ = 1;
      return;
    }
    if (normal_) {
      normal_avx2::Groups(gen_.counter().data(), gen_.key(0), gen_.key(1), values_);
    } else {
      __m256i words[4];
      normal_avx2::Blocks(gen_.counter().data(), gen_.key(0), gen_.key(1), words);
      alignas(32) float unit[4][8];
      for (int j = 0; j < 4; ++j) _mm256_store_ps(unit[j], normal_avx2::ToUnit(words[j]));
      for (int i = 0; i < 8; ++i) {
        for (int j = 0; j < 4; ++j) values_[4 * i + j] = unit[j][i];
      }
    }
    gen_.Skip(8);
    count_ = 8;
  }

  Philox gen_;
  bool normal_;
  int at_ = 0, count_ = 0;
  int64_t used_ = 0;
  alignas(32) float values_[32];
};

// log(x) for x in [0, 1] within about 1e-7 (-inf at 0): x = 2^e m with m in
// [sqrt(1/2), sqrt(2)), log m = 2 atanh((m - 1) / (m + 1)) to the 7th power.
OPBRIDGE_TN_AVX2 __m256 LogApprox(__m256 x) {
  const __m256i bits = _mm256_castps_si256(x);
  __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
  __m256 m = _mm256_castsi256_ps(
      _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x7fffff)), _mm256_set1_epi32(127 << 23)));
  const __m256 big = _mm256_cmp_ps(m, _mm256_set1_ps(1.41421356f), _CMP_GT_OQ);
  m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), big);
  e = _mm256_sub_epi32(e, _mm256_castps_si256(big));  // all-ones lanes: e + 1
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 t = _mm256_div_ps(_mm256_sub_ps(m, one), _mm256_add_ps(m, one));
  const __m256 t2 = _mm256_mul_ps(t, t);
  __m256 p = _mm256_add_ps(_mm256_set1_ps(2.0f / 5.0f), _mm256_mul_ps(t2, _mm256_set1_ps(2.0f / 7.0f)));
  p = _mm256_add_ps(_mm256_set1_ps(2.0f / 3.0f), _mm256_mul_ps(t2, p));
  p = _mm256_add_ps(_mm256_set1_ps(2.0f), _mm256_mul_ps(t2, p));
  const __m256 log = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(e), _mm256_set1_ps(0.693147181f)),
                                   _mm256_mul_ps(t, p));
  const __m256 zero = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ);
  return _mm256_blendv_ps(log, _mm256_set1_ps(-INFINITY), zero);
}

// sin and cos of 2 pi u for u in [0, 1] within about 1e-7: quarter turns
// q = round(4u), the rest r in [-pi/4, pi/4] by Taylor terms to r^7 / r^8.
OPBRIDGE_TN_AVX2 void SinCosTurnsApprox(__m256 u, __m256* sin, __m256* cos) {
  const __m256 a = _mm256_mul_ps(u, _mm256_set1_ps(4.0f));
  const __m256 q = _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 r = _mm256_mul_ps(_mm256_sub_ps(a, q), _mm256_set1_ps(1.57079633f));
  const __m256 r2 = _mm256_mul_ps(r, r);
  __m256 s = _mm256_add_ps(_mm256_set1_ps(1.0f / 120), _mm256_mul_ps(r2, _mm256_set1_ps(-1.0f / 5040)));
  s = _mm256_add_ps(_mm256_set1_ps(-1.0f / 6), _mm256_mul_ps(r2, s));
  s = _mm256_mul_ps(r, _mm256_add_ps(_mm256_set1_ps(1.0f), _mm256_mul_ps(r2, s)));
  __m256 c = _mm256_add_ps(_mm256_set1_ps(-1.0f / 720), _mm256_mul_ps(r2, _mm256_set1_ps(1.0f / 40320)));
  c = _mm256_add_ps(_mm256_set1_ps(1.0f / 24), _mm256_mul_ps(r2, c));
  c = _mm256_add_ps(_mm256_set1_ps(-0.5f), _mm256_mul_ps(r2, c));
  c = _mm256_add_ps(_mm256_set1_ps(1.0f), _mm256_mul_ps(r2, c));
  // sin(r + q pi/2), cos(r + q pi/2): swapped for odd q, sin negated for
  // q = 2, 3, cos for q = 1, 2.
  const __m256i qi = _mm256_cvtps_epi32(q);
  const __m256i one = _mm256_set1_epi32(1), two = _mm256_set1_epi32(2);
  const __m256 odd = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(qi, one), one));
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 neg_s = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(qi, two), two));
  const __m256 neg_c =
      _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(_mm256_add_epi32(qi, one), two), two));
  *sin = _mm256_xor_ps(_mm256_blendv_ps(s, c, odd), _mm256_and_ps(neg_s, sign));
  *cos = _mm256_xor_ps(_mm256_blendv_ps(c, s, odd), _mm256_and_ps(neg_c, sign));
}

OPBRIDGE_TN_AVX2 __m256 Abs(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

// The margin around a bound within which an approximate value is not trusted.
OPBRIDGE_TN_AVX2 __m256 Margin(__m256 x) {
  return _mm256_mul_ps(_mm256_set1_ps(1e-3f), _mm256_add_ps(_mm256_set1_ps(1.0f), Abs(x)));
}

OPBRIDGE_TN_AVX2 uint32_t Mask(__m256 m) { return static_cast<uint32_t>(_mm256_movemask_ps(m)); }

// One chunk of eight blocks for one member: which values SampleMember
// would keep. Value j of step i (a block; an iteration of two blocks for
// the uniform proposals) is bit i of accept[j], and comes at k * i + j in
// the stream; there are `steps` steps.
struct Chunk {
  uint32_t accept[4] = {};
  int k = 0, steps = 0;

  int Count() const {
    int n = 0;
    for (int j = 0; j < k; ++j) n += __builtin_popcount(accept[j]);
    return n;
  }
  // The accept bits in stream order (once per member: its last chunk).
  uint32_t InOrder() const {
    uint32_t out = 0;
    for (int i = 0; i < steps; ++i) {
      for (int j = 0; j < k; ++j) out |= ((accept[j] >> i) & 1u) << (k * i + j);
    }
    return out;
  }
};

// Normal draws: value j of block i is Box-Muller output j of the block.
OPBRIDGE_TN_AVX2 Chunk NormalChunk(const Member<float>& m, const __m256i words[4], const uint32_t w[4][8]) {
  __m256 values[4];
  for (int pair = 0; pair < 2; ++pair) {
    __m256 u1 = normal_avx2::ToUnit(words[2 * pair]);
    u1 = _mm256_max_ps(u1, _mm256_set1_ps(1.0e-7f));  // the exact clamp: below 1e-7 is only 0
    const __m256 radius =
        _mm256_sqrt_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), LogApprox(u1)));
    __m256 sin, cos;
    SinCosTurnsApprox(normal_avx2::ToUnit(words[2 * pair + 1]), &sin, &cos);
    values[2 * pair] = _mm256_mul_ps(sin, radius);
    values[2 * pair + 1] = _mm256_mul_ps(cos, radius);
  }
  const __m256 lo = _mm256_set1_ps(m.norm_min), hi = _mm256_set1_ps(m.norm_max);
  Chunk c;
  c.k = 4;
  c.steps = 8;
  for (int j = 0; j < 4; ++j) {
    const __m256 f = values[j], margin = Margin(f);
    const __m256 inside = _mm256_and_ps(_mm256_cmp_ps(f, _mm256_add_ps(lo, margin), _CMP_GT_OQ),
                                        _mm256_cmp_ps(f, _mm256_sub_ps(hi, margin), _CMP_LT_OQ));
    const __m256 outside = _mm256_or_ps(_mm256_cmp_ps(f, _mm256_sub_ps(lo, margin), _CMP_LT_OQ),
                                        _mm256_cmp_ps(f, _mm256_add_ps(hi, margin), _CMP_GT_OQ));
    c.accept[j] = Mask(inside);
    for (uint32_t left = ~(c.accept[j] | Mask(outside)) & 0xffu; left != 0; left &= left - 1) {
      const int block = __builtin_ctz(left);
      float pair[2];
      BoxMullerFloat(w[j / 2 * 2][block], w[j / 2 * 2 + 1][block], &pair[0], &pair[1]);
      if (pair[j % 2] >= m.norm_min && pair[j % 2] <= m.norm_max) c.accept[j] |= 1u << block;
    }
  }
  return c;
}

// Exponential proposals: pair q of block i (words 2q, 2q + 1) is value 2i + q.
OPBRIDGE_TN_AVX2 Chunk ExponentialChunk(const Member<float>& m, const __m256i words[4], const uint32_t w[4][8]) {
  const __m256 alpha = _mm256_set1_ps(m.alpha), lo = _mm256_set1_ps(m.norm_min), hi = _mm256_set1_ps(m.norm_max);
  const bool below = m.norm_min < m.alpha;
  Chunk c;
  c.k = 2;
  c.steps = 8;
  for (int q = 0; q < 2; ++q) {
    const __m256 logs = LogApprox(normal_avx2::ToUnit(words[2 * q]));
    const __m256 zz = _mm256_add_ps(_mm256_div_ps(_mm256_xor_ps(logs, _mm256_set1_ps(-0.0f)), alpha), lo);
    const __m256 x = below ? _mm256_sub_ps(alpha, zz) : _mm256_sub_ps(lo, alpha);
    const __m256 t = _mm256_mul_ps(_mm256_mul_ps(x, x), _mm256_set1_ps(-0.5f));
    // uu <= exp(t) as log(uu) <= t.
    const __m256 log_u = LogApprox(normal_avx2::ToUnit(words[2 * q + 1]));
    const __m256 mt = Margin(t), mz = Margin(zz);
    const __m256 yes = _mm256_and_ps(_mm256_cmp_ps(log_u, _mm256_sub_ps(t, mt), _CMP_LT_OQ),
                                     _mm256_cmp_ps(zz, _mm256_sub_ps(hi, mz), _CMP_LT_OQ));
    const __m256 no = _mm256_or_ps(_mm256_cmp_ps(log_u, _mm256_add_ps(t, mt), _CMP_GT_OQ),
                                   _mm256_cmp_ps(zz, _mm256_add_ps(hi, mz), _CMP_GT_OQ));
    c.accept[q] = Mask(yes);
    for (uint32_t left = ~(c.accept[q] | Mask(no)) & 0xffu; left != 0; left &= left - 1) {
      const int block = __builtin_ctz(left);
      // SampleMember's expressions for this pair.
      const float rand = Uint32ToFloat(w[2 * q][block]), uu = Uint32ToFloat(w[2 * q + 1][block]);
      const float zz = float(-Eigen::numext::log(rand) / m.alpha) + m.norm_min;
      const float x = below ? float(m.alpha - zz) : float(m.norm_min - m.alpha);
      const float gg = Eigen::numext::exp(float(float(-x) * x) / 2.0f);
      if (uu <= gg && zz < m.norm_max) c.accept[q] |= 1u << block;
    }
  }
  return c;
}

// Uniform proposals: iteration k takes blocks 2k (proposals) and 2k + 1
// (the uniforms they are tested with); value i of iteration k is 4k + i.
OPBRIDGE_TN_AVX2 Chunk UniformChunk(const Member<float>& m, const __m256i words[4], const uint32_t w[4][8]) {
  const __m256 diff = _mm256_set1_ps(m.diff), lo = _mm256_set1_ps(m.norm_min);
  const __m256 plus = _mm256_set1_ps(m.plus_factor);
  Chunk c;
  c.k = 4;
  c.steps = 4;
  for (int i = 0; i < 4; ++i) {
    const __m256 units = normal_avx2::ToUnit(words[i]);
    // SampleMember's z and g, exactly (even lanes: the proposal blocks).
    const __m256 z = _mm256_add_ps(_mm256_mul_ps(units, diff), lo);
    const __m256 g = _mm256_div_ps(_mm256_sub_ps(plus, _mm256_mul_ps(z, z)), _mm256_set1_ps(2.0f));
    const __m256 log_u = LogApprox(_mm256_permute_ps(units, 0xB1));  // lane 2k + 1 to 2k
    const __m256 margin = Margin(g);
    // Even lanes only: bit 2k of the mask is iteration k.
    const uint32_t yes = Mask(_mm256_cmp_ps(log_u, _mm256_sub_ps(g, margin), _CMP_LT_OQ));
    const uint32_t no = Mask(_mm256_cmp_ps(log_u, _mm256_add_ps(g, margin), _CMP_GT_OQ));
    // The even bits, iteration k at bit k.
    const auto even = [](uint32_t bits) {
      return (bits & 1u) | (bits >> 1 & 2u) | (bits >> 2 & 4u) | (bits >> 3 & 8u);
    };
    c.accept[i] = even(yes);
    for (uint32_t left = even(~(yes | no)); left != 0; left &= left - 1) {
      const int k = __builtin_ctz(left);
      const float z = float(Uint32ToFloat(w[i][2 * k]) * m.diff) + m.norm_min;
      const float g1 = (m.plus_factor - float(z * z)) / 2.0f;
      if (Uint32ToFloat(w[i][2 * k + 1]) <= Eigen::numext::exp(g1)) c.accept[i] |= 1u << k;
    }
  }
  return c;
}

// Rejections in a row after which MemberBlocks gives up (TF's loop errors at
// 1000; the sequential loop then gives that error where it happens).
constexpr int kGiveUpRun = 900;

// How many blocks member m uses from block `start` of the stream (the
// blocks SampleMember would draw); 0 when it gave up (a long run of
// rejections, or a counter about to wrap within a chunk).
__attribute__((target("avx2"), noinline)) inline uint64_t MemberBlocks(const Member<float>& m, const Philox& base,
                                                                       uint64_t start, int64_t samples) {
  Philox gen = base;
  gen.Skip(start);
  uint64_t used = 0;
  int64_t got = 0;
  int run = 0;
  while (true) {
    if (gen.counter()[0] > 0xfffffff7u) return 0;
    __m256i words[4];
    normal_avx2::Blocks(gen.counter().data(), gen.key(0), gen.key(1), words);
    alignas(32) uint32_t w[4][8];
    for (int j = 0; j < 4; ++j) _mm256_store_si256(reinterpret_cast<__m256i*>(w[j]), words[j]);
    const Chunk c = m.sampler == Sampler::kNormal        ? NormalChunk(m, words, w)
                    : m.sampler == Sampler::kExponential ? ExponentialChunk(m, words, w)
                                                         : UniformChunk(m, words, w);
    const int count = c.Count();
    if (got + count < samples) {
      got += count;
      // A chunk with a value kept resets the count: it then undercounts the
      // rejections in a row by less than a chunk, and TF's loop cannot
      // reach 1000 before this one reaches kGiveUpRun and gives up.
      run = count == 0 ? run + c.k * c.steps : 0;
      if (run > kGiveUpRun) return 0;
      gen.Skip(8);
      used += 8;
      continue;
    }
    // The member ends at its (samples - got)-th kept value here.
    uint32_t accept = c.InOrder();
    for (int64_t skip = samples - got - 1; skip > 0; --skip) accept &= accept - 1;
    const int value = __builtin_ctz(accept);
    const uint64_t blocks = m.sampler == Sampler::kNormal        ? value / 4 + 1
                            : m.sampler == Sampler::kExponential ? value / 2 + 1
                                                                 : 2 * (value / 4 + 1);
    return used + blocks;
  }
}

// The members of one op on several threads. Every thread runs Work(): it
// takes the next member, and when that member's first block is not known
// yet it extends the starts itself (one thread at a time, MemberBlocks
// member by member), so no thread waits on another that is not already
// running; then it samples the member exactly. Agreed() afterwards: whether
// every member used the blocks the starts gave it.
class ParallelMembers {
 public:
  ParallelMembers(const std::vector<Member<float>>& members, const Philox& base, int64_t samples, float* out)
      : members_(members), base_(base), samples_(samples), out_(out), starts_(members.size() + 1, 0),
        used_(members.size(), 0) {}

  void Work() {
    const auto batches = static_cast<int64_t>(members_.size());
    for (int64_t b = next_.fetch_add(1); b < batches && !failed_.load(std::memory_order_relaxed);
         b = next_.fetch_add(1)) {
      while (known_.load(std::memory_order_acquire) <= b) {
        if (failed_.load(std::memory_order_relaxed)) return;
        if (!Extend(b + 2)) _mm_pause();
      }
      const Member<float>& m = members_[static_cast<size_t>(b)];
      FloatBlocks draw(base_, starts_[static_cast<size_t>(b)], m.sampler == Sampler::kNormal);
      if (!SampleMember(m, draw, out_ + b, batches, samples_).ok()) failed_ = true;
      used_[static_cast<size_t>(b)] = static_cast<uint64_t>(draw.used());
    }
  }

  // Called once the threads are done.
  bool Agreed() {
    if (!failed_) Extend(static_cast<int64_t>(starts_.size()));  // the end, if no thread needed it
    if (failed_ || known_.load() != static_cast<int64_t>(starts_.size())) return false;
    for (size_t b = 0; b < used_.size(); ++b) {
      if (used_[b] != starts_[b + 1] - starts_[b]) return false;
    }
    return true;
  }

 private:
  // Makes the starts of members below `until` known, unless another thread
  // is at it (false then).
  bool Extend(int64_t until) {
    if (extending_.exchange(true, std::memory_order_acquire)) return false;
    const int64_t count = static_cast<int64_t>(starts_.size());
    for (int64_t k = known_.load(std::memory_order_relaxed); k < std::min(until, count); ++k) {
      // starts_[k - 1] is known: member k - 1's blocks give starts_[k].
      const auto previous = static_cast<size_t>(k - 1);
      const uint64_t blocks = MemberBlocks(members_[previous], base_, starts_[previous], samples_);
      if (blocks == 0) {
        failed_ = true;
        break;
      }
      starts_[previous + 1] = starts_[previous] + blocks;
      known_.store(k + 1, std::memory_order_release);
    }
    extending_.store(false, std::memory_order_release);
    return true;
  }

  const std::vector<Member<float>>& members_;
  const Philox base_;
  const int64_t samples_;
  float* const out_;
  std::vector<uint64_t> starts_;  // starts_[b]: member b's first block; [batches]: the end
  std::vector<uint64_t> used_;    // blocks each member used
  std::atomic<int64_t> known_{1};  // starts_[0, known_) are known
  std::atomic<int64_t> next_{0};
  std::atomic<bool> extending_{false};
  std::atomic<bool> failed_{false};
};

#undef OPBRIDGE_TN_AVX2

}  // namespace opbridge::random::truncated

#endif  // __x86_64__
