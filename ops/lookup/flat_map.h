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
#include <cstring>
#include <functional>
#include <memory>
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
// Strings: 8-byte words folded by 64x64 -> 128-bit multiplies (the high and
// low halves xor-ed), a short key in one or two loads. libstdc++'s
// std::hash (murmur, out of line) was a sixth of a vocabulary lookup's time.
// Only this process ever sees these hashes (they place slots), so any good
// mixing will do; the top bits pick the slot, and the last fold mixes every
// input bit into them.
struct ByteHash {
  static uint64_t Fold(uint64_t a, uint64_t b) {
    const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
    return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
  }
  template <typename T>
  static uint64_t Load(const char* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  }
  static uint64_t Of(std::string_view k) {
    // Odd constants with about half their bits set (any such will do).
    constexpr uint64_t kA = 0x9E3779B97F4A7C15ULL, kB = 0xC2B2AE3D27D4EB4FULL, kC = 0x165667B19E3779F9ULL;
    const char* p = k.data();
    size_t n = k.size();
    uint64_t seed = kC, a = 0, b = 0;
    if (n > 16) {
      for (; n > 16; p += 16, n -= 16) seed = Fold(Load<uint64_t>(p) ^ kA, Load<uint64_t>(p + 8) ^ seed);
      // The last 16 bytes, overlapping the words before when n < 16 now.
      a = Load<uint64_t>(p + n - 16);
      b = Load<uint64_t>(p + n - 8);
    } else if (n >= 8) {
      a = Load<uint64_t>(p);
      b = Load<uint64_t>(p + n - 8);
    } else if (n >= 4) {
      a = Load<uint32_t>(p);
      b = Load<uint32_t>(p + n - 4);
    } else if (n > 0) {
      // First, middle and last byte: with the length, every key of 1-3 bytes.
      a = (uint64_t{static_cast<unsigned char>(p[0])} << 16) |
          (uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) | static_cast<unsigned char>(p[n - 1]);
    }
    return Fold(kB ^ k.size(), Fold(a ^ kA, b ^ seed));
  }
  // a == b, keys of up to 16 bytes compared in (overlapping) words without
  // a call: memcmp's was a seventh of a vocabulary lookup's time.
  static bool Equal(std::string_view a, std::string_view b) {
    const size_t n = a.size();
    if (n != b.size()) return false;
    const char* p = a.data();
    const char* q = b.data();
    if (n >= 8 && n <= 16) {
      return ((Load<uint64_t>(p) ^ Load<uint64_t>(q)) | (Load<uint64_t>(p + n - 8) ^ Load<uint64_t>(q + n - 8))) == 0;
    }
    if (n >= 4 && n < 8) {
      return ((Load<uint32_t>(p) ^ Load<uint32_t>(q)) | (Load<uint32_t>(p + n - 4) ^ Load<uint32_t>(q + n - 4))) == 0;
    }
    return a == b;
  }
};

template <>
struct KeyTraits<std::string> {
  using View = std::string_view;
  static uint64_t Hash(std::string_view k) { return ByteHash::Of(k); }
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
    long_keys_.clear();
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
  // A slot that may straddle two cache lines (string -> string slots of 56
  // bytes) needs both prefetched: with only the first, the second line's
  // miss (the hash and `used` of 48-byte string slots, measured) was not
  // overlapped with the other finds'.
  void Prefetch(uint64_t h) const {
    if (size_ == 0) return;
    const char* slot = reinterpret_cast<const char*>(&slots_[Home(h)]);
    __builtin_prefetch(slot);
    if constexpr (sizeof(StoredSlot) * kGroup > 64 || 64 % sizeof(StoredSlot) != 0) {
      __builtin_prefetch(slot + sizeof(StoredSlot) * kGroup - 1);
    }
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
    if constexpr (kKeepHash) {
      s.hash = h;
      StoreKey(s, key);
    } else {
      s.key = K(key);
    }
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
  // int32). String slots (32 bytes or more) probe from the hash's own slot:
  // with 48-byte slots a group was four lines, and starting four keys'
  // probes at one slot made string finds 40% slower.
  static constexpr unsigned kGroup = kKeepHash ? 1 : 4;
  struct Slot {
    K key{};
    V value{};
    bool used = false;
  };
  // A string slot holds its key's bytes when they fit (kInlineKey: most
  // vocabulary words), else a pointer to a copy in long_keys_: 32 bytes for
  // values of up to 8 bytes, which never straddle a cache line. With the
  // key as a std::string a slot was 48 bytes, half of them over two lines,
  // and a 65536-word vocabulary's slots took 6 MB instead of 4.
  static constexpr size_t kInlineKey = 11;
  struct StringSlot {
    uint64_t hash = 0;
    uint32_t size = 0;
    bool used = false;
    char bytes[kInlineKey] = {};
    V value{};
  };
  using StoredSlot = std::conditional_t<kKeepHash, StringSlot, Slot>;

  static std::string_view KeyView(const StringSlot& s) {
    if (s.size <= kInlineKey) return std::string_view(s.bytes, s.size);
    const char* far;
    std::memcpy(&far, s.bytes, sizeof(far));
    return std::string_view(far, s.size);
  }
  void StoreKey(StringSlot& s, std::string_view key) {
    s.size = static_cast<uint32_t>(key.size());
    if (key.size() <= kInlineKey) {
      std::memcpy(s.bytes, key.data(), key.size());
      return;
    }
    long_keys_.emplace_back(new char[key.size()]);
    const char* far = long_keys_.back().get();
    std::memcpy(long_keys_.back().get(), key.data(), key.size());
    std::memcpy(s.bytes, &far, sizeof(far));
  }

  static bool Matches(const StoredSlot& s, uint64_t h, View key) {
    if constexpr (kKeepHash) {
      return s.hash == h && ByteHash::Equal(KeyView(s), key);
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
  std::vector<std::unique_ptr<char[]>> long_keys_;  // string keys longer than kInlineKey
  size_t size_ = 0;
  size_t mask_ = 0;
  int shift_ = 63;
};

}  // namespace lookup
}  // namespace opbridge
