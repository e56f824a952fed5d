// The hash map behind the lookup tables: open addressing with linear probing
// in one array of slots, so a find is one hash and (mostly) one cache line.
// std::unordered_map allocates a node per entry and chases a pointer per
// probe, which made LookupTableFindV2 three times slower than TF's
// absl::flat_hash_map. Only what the table ops need: find, insert-if-absent,
// assign, clear, size (TF's tables here never erase).
//
// Probing starts at the first slot of the key's group of kGroup slots, which
// share a cache line (the array is line-aligned). As nothing is erased, a
// key sits at or after its group's start with every slot between used, so
// for integer keys a find decides from the group alone, without a branch per
// slot, unless the whole group is used and holds no match: a probe loop
// branching on each slot mispredicted on about a third of the finds, and
// each mispredict stopped the next finds' memory loads from overlapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../math/line_aligned_allocator.h"

namespace opbridge {
namespace lookup {

// Keys are looked up as KeyView: the key itself, or a view of a string key,
// so a find allocates nothing.
template <typename K>
struct KeyTraits {
  using View = K;
  static uint64_t Hash(K k) {
    // Fibonacci hashing: one multiply, and the slot is taken from the high
    // bits, where every key bit has mixed in (sequential ids spread out).
    return static_cast<uint64_t>(static_cast<int64_t>(k)) * 0x9E3779B97F4A7C15ULL;
  }
};
template <>
struct KeyTraits<std::string> {
  using View = std::string_view;
  static uint64_t Hash(std::string_view k) { return std::hash<std::string_view>()(k); }
};

// FlatMap's groups are one cache line each.
using math::LineAlignedAllocator;

template <typename K, typename V>
class FlatMap {
 public:
  using View = typename KeyTraits<K>::View;

  size_t size() const { return size_; }

  void clear() {
    slots_.clear();
    size_ = 0;
    mask_ = 0;
    shift_ = 63;
  }

  static uint64_t Hash(View key) { return KeyTraits<K>::Hash(key); }

  // Sizes an empty map for n keys at once (no doubling and rehashing while
  // they go in).
  void Reserve(size_t n) {
    if (!slots_.empty()) return;
    size_t capacity = 16;
    while (capacity < 2 * (n + 1)) capacity *= 2;
    slots_.resize(capacity);
    mask_ = capacity - 1;
    shift_ = 64;
    for (size_t c = capacity; c > 1; c >>= 1) --shift_;
  }

  // Starts loading the slot a key of hash h is looked for first: a batch of
  // finds over a table larger than the caches overlaps its memory misses.
  void Prefetch(uint64_t h) const {
    if (size_ != 0) __builtin_prefetch(&slots_[Home(h)]);
  }

  const V* Find(View key) const { return Find(key, Hash(key)); }

  // Find with the key's Hash(key) already computed.
  const V* Find(View key, uint64_t h) const { return FindOr(key, h, nullptr); }

  // Find that gives `missing` for a key not in the map.
  const V* FindOr(View key, uint64_t h, const V* missing) const {
    if (size_ == 0) return missing;
    const size_t home = Home(h);
    if constexpr (!kKeepHash) {
      const StoredSlot* group = &slots_[home];
      unsigned match = 0, empty = 0;
      for (unsigned j = 0; j < kGroup; ++j) {
        match |= static_cast<unsigned>(group[j].used & (group[j].key == key)) << j;
        empty |= static_cast<unsigned>(!group[j].used) << j;
      }
      if ((match | empty) != 0) {
        // Found or missing is selected with a mask, not branched on: a batch of
        // finds mixing both would mispredict (the compiler makes `?:` a branch).
        const auto at = reinterpret_cast<uintptr_t>(&group[__builtin_ctz(match | (1u << (kGroup - 1)))].value);
        const uintptr_t found = uintptr_t{0} - static_cast<uintptr_t>(match != 0);
        return reinterpret_cast<const V*>((at & found) | (reinterpret_cast<uintptr_t>(missing) & ~found));
      }
    }
    for (size_t i = home;; i = (i + 1) & mask_) {
      const StoredSlot& s = slots_[i];
      if (!s.used) return missing;
      if (Matches(s, h, key)) return &s.value;
    }
  }

  // Inserts (key, value) unless key is there. Returns the stored value and
  // whether it was inserted.
  std::pair<V*, bool> Emplace(View key, const V& value) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    const uint64_t h = KeyTraits<K>::Hash(key);
    size_t i = Home(h);
    for (;; i = (i + 1) & mask_) {
      StoredSlot& s = slots_[i];
      if (!s.used) break;
      if (Matches(s, h, key)) return {&s.value, false};
    }
    StoredSlot& s = slots_[i];
    s.used = true;
    if constexpr (kKeepHash) s.hash = h;
    s.key = K(key);
    s.value = value;
    ++size_;
    return {&s.value, true};
  }

  void Assign(View key, const V& value) {
    auto [stored, inserted] = Emplace(key, value);
    if (!inserted) *stored = value;
  }

 private:
  // String slots keep their hash so that a probe compares bytes only on a
  // likely match; integer slots stay small (int64 -> float: 16 bytes).
  static constexpr bool kKeepHash = std::is_same_v<K, std::string>;
  // Slots per group: one 64-byte line of 16-byte slots (int64 -> float or
  // int32). String slots (over 40 bytes) probe from the hash's own slot: a
  // group would be four lines, and starting four keys' probes at one slot
  // made string finds 40% slower.
  static constexpr unsigned kGroup = kKeepHash ? 1 : 4;
  struct Slot {
    K key{};
    V value{};
    bool used = false;
  };
  struct SlotWithHash : Slot {
    uint64_t hash = 0;
  };
  using StoredSlot = std::conditional_t<kKeepHash, SlotWithHash, Slot>;

  static bool Matches(const StoredSlot& s, uint64_t h, View key) {
    if constexpr (kKeepHash) {
      return s.hash == h && View(s.key) == key;
    } else {
      return s.key == key;
    }
  }
  static uint64_t HashOf(const StoredSlot& s) {
    if constexpr (kKeepHash) {
      return s.hash;
    } else {
      return KeyTraits<K>::Hash(s.key);
    }
  }

  // Doubles the slots (at most half used keeps probe runs short, misses included).
  void Grow() {
    std::vector<StoredSlot, LineAlignedAllocator<StoredSlot>> old;
    old.swap(slots_);
    const size_t capacity = old.empty() ? 16 : old.size() * 2;
    slots_.resize(capacity);
    mask_ = capacity - 1;
    shift_ = 64;
    for (size_t c = capacity; c > 1; c >>= 1) --shift_;  // the slot is the hash's top log2(capacity) bits
    for (StoredSlot& s : old) {
      if (!s.used) continue;
      size_t i = Home(HashOf(s));
      while (slots_[i].used) i = (i + 1) & mask_;
      slots_[i] = std::move(s);
    }
  }

  // The first slot of the group of the hash's top log2(capacity) bits (the
  // capacity is a multiple of kGroup).
  size_t Home(uint64_t h) const { return (h >> shift_) & ~size_t{kGroup - 1}; }

  std::vector<StoredSlot, LineAlignedAllocator<StoredSlot>> slots_;
  size_t size_ = 0;
  size_t mask_ = 0;
  int shift_ = 63;
};

}  // namespace lookup
}  // namespace opbridge
