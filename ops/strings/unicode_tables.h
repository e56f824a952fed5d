// Unicode data the normalization and case-mapping code reads, generated into
// unicode_tables.cc by tools/gen_unicode_tables.py from the references' own ICU
// builds (tensorflow-text's for normalization and NFKC_Casefold, TensorFlow's
// for lower/upper case), so the results match them bit for bit.
#ifndef OPBRIDGE_OPS_STRINGS_UNICODE_TABLES_H_
#define OPBRIDGE_OPS_STRINGS_UNICODE_TABLES_H_

#include <cstddef>
#include <cstdint>

namespace opbridge {
namespace unicode {

// A run of code points with one mapping, in two words:
//   key   = first code point << 11 | (count - 1)
//   value = (stride - 1) << 31 | 1 << 30 | delta (22-bit two's complement):
//           each code point maps to the single code point cp + delta; or
//   value = (stride - 1) << 31 | units << 16 | offset: each maps to the UTF-16
//           text of `units` code units at pool[offset].
// The run covers first, first + stride, ... (count of them); runs are sorted
// and their spans do not overlap. Packed so the tables stay small.
struct MapEntry {
  uint32_t key;
  uint32_t value;
};

struct MapTable {
  const MapEntry* entries;
  size_t size;
};

// Code points first..last share value (value 0 is never stored):
// first_value = first << 8 | value.
struct RangeEntry {
  uint32_t first_value;
  uint32_t last;
};
struct RangeTable {
  const RangeEntry* entries;
  size_t size;
};

// Canonical composition: pairs[i] = first << 42 | second << 21 | composite,
// sorted (so by first, then second); by_composite lists the indices of pairs
// in order of composite, for splitting a composite back.
struct PairTable {
  const uint64_t* pairs;
  const uint16_t* by_composite;
  size_t size;
};

extern const char16_t* const kMapPool;
extern const MapTable kCanonical;  // full canonical decomposition (NFD) the pairs do not rebuild
extern const MapTable kCompat;     // full compatibility decomposition where it differs from NFD
extern const MapTable kCaseFold;   // NFKC_Casefold mapping (decomposed) where it differs from NFKD
extern const MapTable kLower;      // TF's full lowercase mapping, context-free part
extern const MapTable kUpper;      // TF's full uppercase mapping
extern const RangeTable kCcc;      // canonical combining class
extern const RangeTable kCaseType;  // Final_Sigma's view: 1 cased, 2 case-ignorable
extern const PairTable kComposition;

// A mapping found in a MapTable, as code points (the longest, U+FDFA's, has 18).
struct Mapping {
  static constexpr int kMax = 64;  // the generator keeps mappings under 64 UTF-16 units
  char32_t cps[kMax];
  int n = 0;
  const char32_t* begin() const { return cps; }
  const char32_t* end() const { return cps + n; }
};

inline bool Lookup(const MapTable& table, char32_t cp, Mapping* out) {
  size_t lo = 0, hi = table.size;  // first entry starting after cp
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if ((table.entries[mid].key >> 11) <= cp) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return false;
  const MapEntry& e = table.entries[lo - 1];
  const uint32_t stride = (e.value >> 31) + 1;
  const uint32_t offset = cp - (e.key >> 11);
  if (offset % stride != 0 || offset / stride > (e.key & 0x7FF)) return false;
  if (e.value & (1u << 30)) {
    int32_t delta = static_cast<int32_t>(e.value & 0x3FFFFF);
    if (delta & 0x200000) delta -= 0x400000;  // sign of the 22-bit field
    out->cps[0] = static_cast<char32_t>(static_cast<int32_t>(cp) + delta);
    out->n = 1;
    return true;
  }
  const char16_t* u = kMapPool + (e.value & 0xFFFF);
  const char16_t* end = u + ((e.value >> 16) & 0x3F);
  out->n = 0;
  while (u < end) {
    char32_t c = *u++;
    if (c >= 0xD800 && c < 0xDC00 && u < end) c = 0x10000 + ((c - 0xD800) << 10) + (*u++ - 0xDC00);
    out->cps[out->n++] = c;
  }
  return true;
}

inline uint32_t LookupRange(const RangeTable& table, char32_t cp) {
  size_t lo = 0, hi = table.size;  // first run ending at or after cp
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (table.entries[mid].last < cp) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < table.size && (table.entries[lo].first_value >> 8) <= cp) return table.entries[lo].first_value & 0xFF;
  return 0;
}

inline bool LookupPair(char32_t first, char32_t second, char32_t* composite) {
  const uint64_t key = static_cast<uint64_t>(first) << 42 | static_cast<uint64_t>(second) << 21;
  size_t lo = 0, hi = kComposition.size;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (kComposition.pairs[mid] < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < kComposition.size && (kComposition.pairs[lo] >> 21) == (key >> 21)) {
    *composite = static_cast<char32_t>(kComposition.pairs[lo] & 0x1FFFFF);
    return true;
  }
  return false;
}

// The pair a primary composite splits into, if c is one.
inline bool SplitComposite(char32_t c, char32_t* first, char32_t* second) {
  size_t lo = 0, hi = kComposition.size;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if ((kComposition.pairs[kComposition.by_composite[mid]] & 0x1FFFFF) < c) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == kComposition.size) return false;
  const uint64_t pair = kComposition.pairs[kComposition.by_composite[lo]];
  if ((pair & 0x1FFFFF) != c) return false;
  *first = static_cast<char32_t>(pair >> 42);
  *second = static_cast<char32_t>((pair >> 21) & 0x1FFFFF);
  return true;
}

}  // namespace unicode
}  // namespace opbridge

#endif  // OPBRIDGE_OPS_STRINGS_UNICODE_TABLES_H_
