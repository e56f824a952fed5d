// TF's row shuffle (shuffle_common.h), shared by RandomShuffle and
// StatelessShuffle: a Fisher-Yates pass from the front, slot i swapping with
// slot i + (u % (n - i)), u the next 32-bit word of one Philox stream taken
// word by word (SingleSampleAdapter), n - i truncated to 32 bits as TF's
// uint32 parameter, so n - 1 words are used. The result is out[i] = in[p[i]].
//  - One element per row (a vector): the input is copied to the output and
//    the values swapped there in place, as TF does; one random pass instead
//    of a permutation plus a random gather. Draws do not depend on the data,
//    so a batch of target slots is drawn ahead and prefetched, which hides
//    the cache misses of a large vector.
//  - Longer rows: the permutation is built, then rows are copied in parallel.
// Rows move as raw bytes (strings as views, written on the calling thread).
#ifndef OPBRIDGE_OPS_RANDOM_SHUFFLE_H_
#define OPBRIDGE_OPS_RANDOM_SHUFFLE_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "opbridge/op.h"
#include "philox.h"

namespace opbridge {
namespace random {
namespace shuffle_detail {

// Calls swap(i, j) for TF's Fisher-Yates over n >= 2 slots.
template <typename Swap>
void FisherYates(Philox gen, int64_t n, Swap swap) {
  SingleSample single(&gen);
  constexpr int64_t kAhead = 32;
  int64_t target[kAhead];
  for (int64_t base = 0; base + 1 < n; base += kAhead) {
    const int64_t count = std::min(kAhead, n - 1 - base);
    for (int64_t k = 0; k < count; ++k) {
      const int64_t i = base + k;
      target[k] = i + single() % static_cast<uint32_t>(n - i);
      swap.Prefetch(target[k]);
    }
    for (int64_t k = 0; k < count; ++k) swap(base + k, target[k]);
  }
}

template <typename E>
struct SwapSlots {
  E* data;
  void Prefetch(int64_t j) const { __builtin_prefetch(data + j, 1); }
  void operator()(int64_t i, int64_t j) const { std::swap(data[i], data[j]); }
};

struct Bytes16 {
  uint64_t lo, hi;
};

// Copies `count` units of E in parallel (views on the calling thread).
template <typename E>
void Copy(KernelContext& ctx, const E* in, E* out, int64_t count) {
  if constexpr (std::is_same_v<E, std::string_view>) {
    std::copy(in, in + count, out);
  } else {
    ctx.ParallelFor(count, 1, [&](int64_t b, int64_t e) { std::memcpy(out + b, in + b, static_cast<size_t>(e - b)); });
  }
}

template <typename E>
void ShuffleValues(KernelContext& ctx, const E* in, E* out, int64_t n, Philox gen) {
  if constexpr (std::is_same_v<E, std::string_view>) {
    std::copy(in, in + n, out);
  } else {
    Copy(ctx, reinterpret_cast<const char*>(in), reinterpret_cast<char*>(out), n * static_cast<int64_t>(sizeof(E)));
  }
  FisherYates(gen, n, SwapSlots<E>{out});
}

template <typename E>
void ShuffleRows(KernelContext& ctx, const E* in, E* out, int64_t n, int64_t row, Philox gen) {
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  FisherYates(gen, n, SwapSlots<int64_t>{perm.data()});
  const auto body = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const E* src = in + perm[static_cast<size_t>(i)] * row;
      std::copy(src, src + row, out + i * row);
    }
  };
  if constexpr (std::is_same_v<E, std::string_view>) {
    body(0, n);
  } else {
    ctx.ParallelFor(n, row / 8 + 10, body);
  }
}

}  // namespace shuffle_detail

// out = the n rows of `in` (total units, each `elem` bytes; string views when
// is_string) in TF's shuffled order from `gen`; gen == nullptr (or n <= 1,
// total <= 1) copies the input unchanged.
inline void ShuffleFirstDim(KernelContext& ctx, const void* in, void* out, int64_t total, int64_t n, int64_t elem,
                            bool is_string, const Philox* gen) {
  using namespace shuffle_detail;
  if (total <= 0) return;
  if (gen == nullptr || total <= 1 || n <= 1) {
    if (is_string) {
      Copy(ctx, static_cast<const std::string_view*>(in), static_cast<std::string_view*>(out), total);
    } else {
      Copy(ctx, static_cast<const char*>(in), static_cast<char*>(out), total * elem);
    }
    return;
  }
  const int64_t row = total / n;
  if (is_string) {
    const auto* src = static_cast<const std::string_view*>(in);
    auto* dst = static_cast<std::string_view*>(out);
    if (row == 1) {
      ShuffleValues(ctx, src, dst, n, *gen);
    } else {
      ShuffleRows(ctx, src, dst, n, row, *gen);
    }
    return;
  }
  if (row == 1) {
    switch (elem) {
      case 1: return ShuffleValues(ctx, static_cast<const uint8_t*>(in), static_cast<uint8_t*>(out), n, *gen);
      case 2: return ShuffleValues(ctx, static_cast<const uint16_t*>(in), static_cast<uint16_t*>(out), n, *gen);
      case 4: return ShuffleValues(ctx, static_cast<const uint32_t*>(in), static_cast<uint32_t*>(out), n, *gen);
      case 8: return ShuffleValues(ctx, static_cast<const uint64_t*>(in), static_cast<uint64_t*>(out), n, *gen);
      case 16: return ShuffleValues(ctx, static_cast<const Bytes16*>(in), static_cast<Bytes16*>(out), n, *gen);
      default: break;
    }
  }
  ShuffleRows(ctx, static_cast<const char*>(in), static_cast<char*>(out), n, row * elem, *gen);
}

}  // namespace random
}  // namespace opbridge

#endif  // OPBRIDGE_OPS_RANDOM_SHUFFLE_H_
