// Normalization as the Unicode standard defines it (UAX #15): full
// decomposition, canonical ordering, then canonical composition for the C
// forms; see unicode_normalize.h for what is ICU's.
#include "unicode_normalize.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "unicode_tables.h"
#include "unicode_utf8.h"

namespace opbridge {
namespace unicode {
namespace {

// An ill-formed byte is kept as kIllFormed + byte: above every code point, so
// no table knows it (combining class 0, no decomposition or composition).
constexpr char32_t kIllFormed = 0x110000;

// Hangul syllables are algorithmic (Unicode 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr int kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
              kSCount = kLCount * kNCount;

// Which tables know a BMP code point, so that the common case (no data)
// costs one array read instead of a binary search per table; built once from
// the tables. Code points above the BMP are looked up in every table.
constexpr uint8_t kHasCanonical = 1, kHasCompat = 2, kHasCaseFold = 4, kNonzeroCcc = 8;
constexpr uint8_t kComposesBackward = 16;  // the second code point of a composition pair
constexpr uint8_t kPrimaryComposite = 32;  // canonical decomposition by its pair
constexpr uint8_t kAll = 0xFF;
constexpr char32_t kIndexed = 0x10000;

struct BmpFlags {
  uint8_t flags[kIndexed] = {};
  uint8_t ccc[kIndexed] = {};  // canonical combining classes are all < 256

  void Mark(const MapTable& table, uint8_t flag) {
    for (size_t i = 0; i < table.size; ++i) {
      const MapEntry& e = table.entries[i];
      const uint32_t first = e.key >> 11, count = (e.key & 0x7FF) + 1, stride = (e.value >> 31) + 1;
      for (uint32_t k = 0; k < count; ++k) {
        const uint32_t cp = first + k * stride;
        if (cp < kIndexed) flags[cp] |= flag;
      }
    }
  }

  BmpFlags() {
    Mark(kCanonical, kHasCanonical);
    for (size_t i = 0; i < kComposition.size; ++i) {
      const uint32_t composite = kComposition.pairs[i] & 0x1FFFFF;
      if (composite < kIndexed) flags[composite] |= kPrimaryComposite;
    }
    Mark(kCompat, kHasCompat);
    Mark(kCaseFold, kHasCaseFold);
    for (size_t i = 0; i < kCcc.size; ++i) {
      for (uint32_t cp = kCcc.entries[i].first_value >> 8; cp <= kCcc.entries[i].last && cp < kIndexed; ++cp) {
        flags[cp] |= kNonzeroCcc;
        ccc[cp] = static_cast<uint8_t>(kCcc.entries[i].first_value & 0xFF);
      }
    }
    for (size_t i = 0; i < kComposition.size; ++i) {
      const uint32_t second = (kComposition.pairs[i] >> 21) & 0x1FFFFF;
      if (second < kIndexed) flags[second] |= kComposesBackward;
    }
  }
};

const BmpFlags& Bmp() {
  static const BmpFlags* const table = new BmpFlags();  // never freed: used until exit
  return *table;
}

uint8_t Flags(char32_t c) { return c < kIndexed ? Bmp().flags[c] : kAll; }

uint32_t Ccc(char32_t c) {
  if (c < kIndexed) return Bmp().ccc[c];
  return c >= kIllFormed ? 0 : LookupRange(kCcc, c);
}

// Full canonical decomposition: stored, or a primary composite split by its
// pair, each half decomposed again (order is fixed by CanonicalOrder later).
void CanonicalDecompose(char32_t c, std::vector<char32_t>* out) {
  const uint8_t flags = Flags(c);
  if (!(flags & (kHasCanonical | kPrimaryComposite))) {
    out->push_back(c);
    return;
  }
  Mapping m;
  if ((flags & kHasCanonical) && Lookup(kCanonical, c, &m)) {
    out->insert(out->end(), m.begin(), m.end());
    return;
  }
  char32_t first, second;
  if ((flags & kPrimaryComposite) && SplitComposite(c, &first, &second)) {
    CanonicalDecompose(first, out);
    CanonicalDecompose(second, out);
    return;
  }
  out->push_back(c);
}

void Decompose(NormalForm form, char32_t c, std::vector<char32_t>* out) {
  if (c >= kSBase && c < kSBase + kSCount) {
    const int s = static_cast<int>(c - kSBase);
    out->push_back(kLBase + s / kNCount);
    out->push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out->push_back(kTBase + s % kTCount);
    return;
  }
  const uint8_t flags = c >= kIllFormed ? 0 : Flags(c);
  Mapping m;
  const bool found =
      (form == NormalForm::kNFKCCasefold && (flags & kHasCaseFold) && Lookup(kCaseFold, c, &m)) ||
      (form != NormalForm::kNFC && form != NormalForm::kNFD && (flags & kHasCompat) && Lookup(kCompat, c, &m));
  if (found) {
    out->insert(out->end(), m.begin(), m.end());
  } else if (flags & (kHasCanonical | kPrimaryComposite)) {
    CanonicalDecompose(c, out);
  } else {
    out->push_back(c);
  }
}

// Stable sort of each run of nonzero combining classes by class: insertion
// sort for the short runs text has, a merge sort for long ones (a hostile run
// of marks must not take quadratic time).
void CanonicalOrder(char32_t* v, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (Ccc(v[i]) == 0) {
      ++i;
      continue;
    }
    size_t end = i + 1;
    while (end < n && Ccc(v[end]) != 0) ++end;
    if (end - i > 32) {
      std::stable_sort(v + i, v + end, [](char32_t a, char32_t b) { return Ccc(a) < Ccc(b); });
    } else {
      for (size_t k = i + 1; k < end; ++k) {
        const char32_t c = v[k];
        const uint32_t cc = Ccc(c);
        size_t m = k;
        while (m > i && Ccc(v[m - 1]) > cc) {
          v[m] = v[m - 1];
          --m;
        }
        v[m] = c;
      }
    }
    i = end;
  }
}

bool Compose(char32_t a, char32_t b, char32_t* c) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    *c = kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    return true;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount) {
    *c = a + (b - kTBase);
    return true;
  }
  if (a >= kIllFormed || b >= kIllFormed || !(Flags(b) & kComposesBackward)) return false;
  return LookupPair(a, b, c);
}

// Canonical composition in place: a character composes with the last starter
// unless a character between them has class 0 or a class >= its own. Returns
// the composed length.
size_t ComposeAll(char32_t* v, size_t size) {
  size_t n = 0;               // composed length
  size_t starter = SIZE_MAX;  // index of the last starter in v[0, n)
  uint32_t last_cc = 0;       // class of v[n - 1] when it is not the starter
  for (size_t i = 0; i < size; ++i) {
    const char32_t c = v[i];
    const uint32_t cc = Ccc(c);
    if (starter != SIZE_MAX) {
      const bool adjacent = n - 1 == starter;
      char32_t composite;
      if ((adjacent || (last_cc != 0 && last_cc < cc)) && Compose(v[starter], c, &composite)) {
        v[starter] = composite;
        continue;
      }
    }
    if (cc == 0) starter = n;
    last_cc = cc;
    v[n++] = c;
  }
  return n;
}

// Nothing before c can reorder with or compose with anything from c on: c is
// a starter that composes with no preceding character (Hangul vowels and
// trailing consonants compose algorithmically). Beyond the BMP, assume not.
bool IsBoundary(char32_t c) {
  if (c >= kIllFormed) return true;
  if ((c >= kVBase && c < kVBase + kVCount) || (c > kTBase && c < kTBase + kTCount)) return false;
  return (Flags(c) & (kNonzeroCcc | kComposesBackward)) == 0;
}

// Orders, composes (C forms) and appends v[0, n) to out.
void Finish(NormalForm form, char32_t* v, size_t n, std::string* out) {
  CanonicalOrder(v, n);
  if (form != NormalForm::kNFD && form != NormalForm::kNFKD) n = ComposeAll(v, n);
  for (size_t i = 0; i < n; ++i) {
    if (v[i] >= kIllFormed) {
      out->push_back(static_cast<char>(v[i] - kIllFormed));
    } else {
      AppendUtf8(v[i], out);
    }
  }
}

}  // namespace

bool NormalizeUtf8(NormalForm form, std::string_view in, size_t max_bytes, std::string* out) {
  // ASCII is its own normal form in all four forms; NFKC_Casefold only lowers A-Z.
  size_t ascii = 0;
  while (ascii < in.size() && static_cast<uint8_t>(in[ascii]) < 0x80) ++ascii;
  if (ascii == in.size()) {
    if (in.size() > max_bytes) return false;
    out->assign(in.data(), in.size());
    if (form == NormalForm::kNFKCCasefold) {
      for (char& ch : *out) {
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      }
    }
    return true;
  }
  // Decomposed text waits in a per-thread buffer; whenever it grows long, the
  // part before its last boundary is finished and written out, so the buffer
  // stays small and the output limit is checked as it grows.
  constexpr size_t kFlushAt = 1024;
  thread_local std::vector<char32_t> cps;
  cps.clear();
  out->clear();
  out->reserve(std::min(in.size(), max_bytes));
  size_t floor = 1;  // cps[1, floor) holds no boundary: each scan looks at new text only
  size_t pos = 0;
  while (pos < in.size()) {
    const size_t start = pos;
    char32_t cp;
    if (DecodeUtf8(in, &pos, &cp)) {
      Decompose(form, cp, &cps);
    } else {
      for (size_t k = start; k < pos; ++k) cps.push_back(kIllFormed + static_cast<uint8_t>(in[k]));
    }
    if (cps.size() >= kFlushAt) {
      size_t boundary = cps.size() - 1;
      while (boundary >= floor && !IsBoundary(cps[boundary])) --boundary;
      if (boundary >= floor) {
        Finish(form, cps.data(), boundary, out);
        cps.erase(cps.begin(), cps.begin() + static_cast<std::ptrdiff_t>(boundary));
        if (out->size() > max_bytes) return false;
      }
      floor = cps.size();
    }
  }
  Finish(form, cps.data(), cps.size(), out);
  if (cps.capacity() > (1u << 20)) std::vector<char32_t>().swap(cps);  // keep no huge buffer alive
  return out->size() <= max_bytes;
}

}  // namespace unicode
}  // namespace opbridge
