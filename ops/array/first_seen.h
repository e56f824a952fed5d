// What tf.unique and tf.unique_with_counts (Unique, UniqueWithCounts) and
// tf.compat.v1.setdiff1d (ListDiff, a set of y's values) share:
// the map from a value to the position of its first occurrence among the
// unique values, with TF's equality, which its hash map per dtype decides:
// float and double compare with == under a hash that sends -0.0 and 0.0
// together, so they are one value and every NaN is its own value; half and
// bfloat16 (read as their bits) keep -0 and +0 apart, and every NaN is its
// own value; the rest compare their values (bytes for strings).
//
// Numbers go into an open-addressing map of their bits (lookup/flat_map.h),
// sized for the input at once: std::unordered_map's node per value made
// malloc and free most of UniqueWithCounts' time on distinct values.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "../lookup/flat_map.h"

namespace opbridge {
namespace unique {

// A 16-bit float's bits: NaN when the exponent is all ones and the mantissa is not zero.
template <int MantissaBits>
bool IsNaN16(uint16_t bits) {
  const uint16_t exponent = static_cast<uint16_t>((0x7fff >> MantissaBits) << MantissaBits);
  const uint16_t mantissa = static_cast<uint16_t>((1u << MantissaBits) - 1);
  return (bits & exponent) == exponent && (bits & mantissa) != 0;
}

// half (10 mantissa bits) and bfloat16 (7), read as their bits.
template <int MantissaBits>
struct Float16 {
  uint16_t bits;
};

// Key: the bits that identify a value; NeverEqual: a value no other equals (NaN).
template <typename T>
struct ValueKey {
  using Key = T;
  static Key Of(const T& v) { return v; }
  static bool NeverEqual(const T&) { return false; }
};
template <>
struct ValueKey<bool> {
  using Key = uint8_t;
  static Key Of(bool v) { return v ? 1 : 0; }
  static bool NeverEqual(bool) { return false; }
};
template <>
struct ValueKey<float> {
  using Key = uint32_t;
  static Key Of(float v) {
    const float k = v == 0.0f ? 0.0f : v;  // -0.0 and 0.0 are one key
    Key bits;
    std::memcpy(&bits, &k, sizeof bits);
    return bits;
  }
  static bool NeverEqual(float v) { return std::isnan(v); }
};
template <>
struct ValueKey<double> {
  using Key = uint64_t;
  static Key Of(double v) {
    const double k = v == 0.0 ? 0.0 : v;
    Key bits;
    std::memcpy(&bits, &k, sizeof bits);
    return bits;
  }
  static bool NeverEqual(double v) { return std::isnan(v); }
};
template <int MantissaBits>
struct ValueKey<Float16<MantissaBits>> {
  using Key = uint16_t;
  static Key Of(Float16<MantissaBits> v) { return v.bits; }
  static bool NeverEqual(Float16<MantissaBits> v) { return IsNaN16<MantissaBits>(v.bits); }
};

// Values of type T to their first occurrence's Index among the unique ones.
template <typename T, typename Index>
class FirstSeen {
 public:
  explicit FirstSeen(int64_t n) {
    if constexpr (kFlat) {
      map_.Reserve(static_cast<size_t>(n));
    } else {
      map_.reserve(static_cast<size_t>(n));
    }
  }

  // Whether a value equal to v was inserted (ListDiff's membership test).
  bool Contains(const T& v) const {
    if (K::NeverEqual(v)) return false;
    if constexpr (kFlat) {
      return map_.Find(K::Of(v)) != nullptr;
    } else {
      return map_.count(K::Of(v)) != 0;
    }
  }

  // {the index v has among the unique values, whether v is new}: `next` (the
  // number of unique values so far) when it is.
  std::pair<Index, bool> Insert(const T& v, Index next) {
    if (K::NeverEqual(v)) return {next, true};
    if constexpr (kFlat) {
      const auto [stored, inserted] = map_.Emplace(K::Of(v), next);
      return {*stored, inserted};
    } else {
      const auto [it, inserted] = map_.try_emplace(K::Of(v), next);
      return {it->second, inserted};
    }
  }

 private:
  using K = ValueKey<T>;
  static constexpr bool kFlat = std::is_integral_v<typename K::Key>;
  std::conditional_t<kFlat, lookup::FlatMap<typename K::Key, Index>, std::unordered_map<typename K::Key, Index>>
      map_;
};

}  // namespace unique
}  // namespace opbridge
