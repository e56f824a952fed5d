// Normalization as the Unicode standard defines it (UAX #15): full
// decomposition, canonical ordering, then canonical composition for the C
// forms; see unicode_normalize.h for what is ICU's.
#include "unicode_normalize.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
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

// Built on first use, never freed (used until exit); the build is out of
// line so that the check every lookup pays inlines.
__attribute__((noinline)) const BmpFlags* MakeBmp() { return new BmpFlags(); }

inline const BmpFlags& Bmp() {
  static const BmpFlags* const table = MakeBmp();
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

void DecomposeSlow(NormalForm form, char32_t c, std::vector<char32_t>* out) {
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

int FormIndex(NormalForm form) { return static_cast<int>(form); }

// Which decomposition a form uses: canonical (C, D), compatibility (KC, KD)
// or NFKC_Casefold's.
int KindOf(NormalForm form) {
  if (form == NormalForm::kNFC || form == NormalForm::kNFD) return 0;
  return form == NormalForm::kNFKCCasefold ? 2 : 1;
}

bool IsHangulSyllable(char32_t c) { return c >= kSBase && c < kSBase + kSCount; }

// The full decomposition of every BMP code point that has one, per kind, so
// the hot loop reads it by index instead of binary searches through the
// tables and a 64-entry Mapping per character. Built once per kind on first
// use (a kind's index is 128 KB). Hangul syllables stay algorithmic.
struct DecompositionCache {
  uint16_t index[kIndexed] = {};  // 0: decomposes to itself; k: spans[k]
  std::vector<uint32_t> spans;    // offset << 8 | length into pool
  std::vector<char32_t> pool;

  explicit DecompositionCache(NormalForm form) {
    spans.push_back(0);
    std::vector<char32_t> d;
    for (char32_t c = 0; c < kIndexed; ++c) {
      if (IsHangulSyllable(c) || (c >= 0xD800 && c <= 0xDFFF)) continue;
      if (!(Bmp().flags[c] & (kHasCanonical | kPrimaryComposite | kHasCompat | kHasCaseFold))) continue;
      d.clear();
      DecomposeSlow(form, c, &d);
      if (d.size() == 1 && d[0] == c) continue;
      index[c] = static_cast<uint16_t>(spans.size());
      spans.push_back(static_cast<uint32_t>(pool.size()) << 8 | static_cast<uint32_t>(d.size()));
      pool.insert(pool.end(), d.begin(), d.end());
    }
  }
};

// One per kind, each built on first use and never freed (used until exit).
const DecompositionCache& Cache(NormalForm form) {
  switch (KindOf(form)) {
    case 0: {
      static const DecompositionCache* const canonical = new DecompositionCache(NormalForm::kNFD);
      return *canonical;
    }
    case 1: {
      static const DecompositionCache* const compat = new DecompositionCache(NormalForm::kNFKD);
      return *compat;
    }
    default: {
      static const DecompositionCache* const fold = new DecompositionCache(NormalForm::kNFKCCasefold);
      return *fold;
    }
  }
}

void Decompose(NormalForm form, const DecompositionCache& cache, char32_t c, std::vector<char32_t>* out) {
  if (c >= kIndexed || IsHangulSyllable(c)) {
    DecomposeSlow(form, c, out);
    return;
  }
  const uint16_t k = cache.index[c];
  if (k == 0) {
    out->push_back(c);
    return;
  }
  const uint32_t span = cache.spans[k];
  const char32_t* d = cache.pool.data() + (span >> 8);
  out->insert(out->end(), d, d + (span & 0xFF));
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
  // Encoded into a local buffer and appended once: a push_back per byte
  // checks the capacity every time.
  char buffer[256];
  size_t used = 0;
  for (size_t i = 0; i < n; ++i) {
    if (used > sizeof(buffer) - 4) {
      out->append(buffer, used);
      used = 0;
    }
    const char32_t c = v[i];
    if (c < 0x80) {
      buffer[used++] = static_cast<char>(c);
    } else if (c >= kIllFormed) {
      buffer[used++] = static_cast<char>(c - kIllFormed);
    } else if (c < 0x800) {
      buffer[used++] = static_cast<char>(0xC0 | (c >> 6));
      buffer[used++] = static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      buffer[used++] = static_cast<char>(0xE0 | (c >> 12));
      buffer[used++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      buffer[used++] = static_cast<char>(0x80 | (c & 0x3F));
    } else {
      buffer[used++] = static_cast<char>(0xF0 | (c >> 18));
      buffer[used++] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      buffer[used++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      buffer[used++] = static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  out->append(buffer, used);
}

// Quick check, in the spirit of ICU's NF*_QC properties: a BMP code point is
// inert in a form when it is its own normal form and a boundary before its
// decomposition (nothing before it reorders or composes with it or what
// follows). A run of inert characters is then copied through as bytes, and
// only the text from the character before a non-inert one up to the next
// inert one is decomposed and recomposed: ICU skips normalized text the same
// way, and most text is. Derived once from the tables (which are the
// references' own ICU data), so it cannot disagree with the full path.
struct QuickCheck {
  uint8_t inert[kIndexed] = {};  // bit FormIndex(form)

  QuickCheck() {
    std::vector<char32_t> d;
    const NormalForm forms[] = {NormalForm::kNFC, NormalForm::kNFD, NormalForm::kNFKC, NormalForm::kNFKD,
                                NormalForm::kNFKCCasefold};
    for (char32_t c = 0; c < kIndexed; ++c) {
      if (c >= 0xD800 && c <= 0xDFFF) continue;  // never decoded
      for (NormalForm form : forms) {
        d.clear();
        DecomposeSlow(form, c, &d);
        bool is_inert;
        if (form == NormalForm::kNFD || form == NormalForm::kNFKD) {
          // Only canonical ordering crosses characters: a class-0 character
          // that decomposes to itself stops it.
          is_inert = d.size() == 1 && d[0] == c && Ccc(c) == 0;
        } else {
          is_inert = !d.empty() && IsBoundary(d[0]);
          if (is_inert) {
            CanonicalOrder(d.data(), d.size());
            is_inert = ComposeAll(d.data(), d.size()) == 1 && d[0] == c;
          }
        }
        if (is_inert) inert[c] |= static_cast<uint8_t>(1u << FormIndex(form));
      }
    }
  }
};

// The normal form, as UTF-8, of each BMP code point that is not inert but
// whose decomposition starts at a boundary: nothing before it interacts with
// it, so when the next character is inert (a boundary too) the code point
// normalizes on its own, to these bytes, and the text around it stays a
// copied run. Most non-inert characters of real text are such (é in NFD, Σ
// in NFKC_Casefold). Built per form on first use.
struct StandaloneForms {
  uint16_t index[kIndexed] = {};  // 0: none; k: spans[k]
  std::vector<uint32_t> spans;    // offset << 8 | length into bytes
  std::string bytes;

  StandaloneForms(NormalForm form, const QuickCheck& quick) {
    spans.push_back(0);
    const uint8_t bit = static_cast<uint8_t>(1u << FormIndex(form));
    std::vector<char32_t> d;
    std::string nf;
    for (char32_t c = 0x80; c < kIndexed; ++c) {
      if ((c >= 0xD800 && c <= 0xDFFF) || (quick.inert[c] & bit)) continue;
      d.clear();
      DecomposeSlow(form, c, &d);
      if (d.empty() || !IsBoundary(d[0])) continue;
      nf.clear();
      Finish(form, d.data(), d.size(), &nf);
      if (nf.size() > 0xFF || spans.size() > 0xFFFF) continue;
      index[c] = static_cast<uint16_t>(spans.size());
      spans.push_back(static_cast<uint32_t>(bytes.size()) << 8 | static_cast<uint32_t>(nf.size()));
      bytes += nf;
    }
  }
};

const StandaloneForms& Standalone(NormalForm form, const QuickCheck& quick) {
  // One per form, never freed (used until exit).
  switch (form) {
    case NormalForm::kNFC: {
      static const StandaloneForms* const nfc = new StandaloneForms(NormalForm::kNFC, quick);
      return *nfc;
    }
    case NormalForm::kNFD: {
      static const StandaloneForms* const nfd = new StandaloneForms(NormalForm::kNFD, quick);
      return *nfd;
    }
    case NormalForm::kNFKC: {
      static const StandaloneForms* const nfkc = new StandaloneForms(NormalForm::kNFKC, quick);
      return *nfkc;
    }
    case NormalForm::kNFKD: {
      static const StandaloneForms* const nfkd = new StandaloneForms(NormalForm::kNFKD, quick);
      return *nfkd;
    }
    default: {
      static const StandaloneForms* const fold = new StandaloneForms(NormalForm::kNFKCCasefold, quick);
      return *fold;
    }
  }
}

// Whether the text from in[pos] on starts at a boundary: the end, an inert
// character, or one whose decomposition starts at a boundary.
bool BoundaryAt(const QuickCheck& quick, const StandaloneForms& standalone, uint8_t bit, std::string_view in,
                size_t pos) {
  if (pos == in.size() || static_cast<uint8_t>(in[pos]) < 0x80) return true;
  char32_t cp;
  if (!DecodeUtf8(in, &pos, &cp)) return true;
  return cp < kIndexed && ((quick.inert[cp] & bit) || standalone.index[cp] != 0);
}

const QuickCheck& Quick() {
  static const QuickCheck* const table = new QuickCheck();  // never freed: used until exit
  return *table;
}

// Appends in[begin, end), a run of inert text, to out; NFKC_Casefold lowers
// ASCII A-Z on the way (the only inert-run bytes it changes).
void AppendRun(NormalForm form, std::string_view in, size_t begin, size_t end, std::string* out) {
  if (begin == end) return;
  const size_t at = out->size();
  out->append(in.data() + begin, end - begin);
  if (form != NormalForm::kNFKCCasefold) return;
  for (size_t i = at; i < out->size(); ++i) {
    char& ch = (*out)[i];
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
}

// Decodes in[*pos] into the pending decomposed text.
void DecodeInto(NormalForm form, const DecompositionCache& cache, std::string_view in, size_t* pos,
                std::vector<char32_t>* cps) {
  const size_t start = *pos;
  char32_t cp;
  if (DecodeUtf8(in, pos, &cp)) {
    Decompose(form, cache, cp, cps);
  } else {
    for (size_t k = start; k < *pos; ++k) cps->push_back(kIllFormed + static_cast<uint8_t>(in[k]));
  }
}

// The decomposed text's buffer, one per thread. Not inlined: a caller then
// holds its address, where inlined the thread-local's address was looked up
// again (a call to __tls_get_addr) at each use in the loop.
__attribute__((noinline)) std::vector<char32_t>& Scratch() {
  thread_local std::vector<char32_t> cps;
  return cps;
}

}  // namespace

bool NormalizeUtf8(NormalForm form, std::string_view in, size_t max_bytes, std::string* out) {
  // ASCII is its own normal form in all four forms; NFKC_Casefold only lowers A-Z.
  size_t ascii = 0;
  while (ascii < in.size() && static_cast<uint8_t>(in[ascii]) < 0x80) ++ascii;
  out->clear();
  if (ascii == in.size()) {
    if (in.size() > max_bytes) return false;
    AppendRun(form, in, 0, in.size(), out);
    return true;
  }
  const QuickCheck& quick = Quick();
  const DecompositionCache& cache = Cache(form);
  const StandaloneForms& standalone = Standalone(form, quick);
  const uint8_t bit = static_cast<uint8_t>(1u << FormIndex(form));
  out->reserve(std::min(in.size() + in.size() / 4, max_bytes));
  // Text that is not inert is decomposed into a per-thread buffer; whenever
  // it grows long, the part before its last boundary is finished and written
  // out, so the buffer stays small and the output limit is checked as it grows.
  constexpr size_t kFlushAt = 1024;
  std::vector<char32_t>& cps = Scratch();
  cps.clear();
  bool pending = false;  // cps holds text being normalized (else in[run, pos) is an inert run)
  size_t run = 0;        // start of the inert run
  size_t last = 0;       // start of the run's last character
  size_t floor = 1;      // cps[1, floor) holds no boundary: each scan looks at new text only
  size_t pos = ascii;
  if (ascii > 0) last = ascii - 1;
  while (pos < in.size()) {
    const size_t start = pos;
    const uint8_t b0 = static_cast<uint8_t>(in[pos]);
    bool inert;
    char32_t cp = b0;
    bool well_formed = true;
    if (b0 < 0x80) {
      ++pos;
      inert = true;
    } else {
      well_formed = DecodeUtf8(in, &pos, &cp);
      inert = !well_formed || (cp < kIndexed && (quick.inert[cp] & bit));
    }
    if (inert) {
      if (pending) {
        Finish(form, cps.data(), cps.size(), out);
        if (out->size() > max_bytes) return false;
        cps.clear();
        pending = false;
        run = start;
      }
      last = start;
      continue;
    }
    const uint16_t alone = cp < kIndexed ? standalone.index[cp] : 0;
    if (alone != 0) {
      // Its decomposition starts at a boundary: the text before it is done.
      if (pending) {
        Finish(form, cps.data(), cps.size(), out);
        if (out->size() > max_bytes) return false;
        cps.clear();
        pending = false;
        run = start;
      }
      if (BoundaryAt(quick, standalone, bit, in, pos)) {
        AppendRun(form, in, run, start, out);
        const uint32_t span = standalone.spans[alone];
        out->append(standalone.bytes.data() + (span >> 8), span & 0xFF);
        if (out->size() > max_bytes) return false;
        run = pos;
        continue;
      }
    }
    if (!pending) {
      // The run's last character may compose with (or be reordered against)
      // this one: it starts the text to normalize, unless this one's
      // decomposition starts at a boundary.
      const size_t from = start > run && alone == 0 ? last : start;
      AppendRun(form, in, run, from, out);
      for (size_t p = from; p < start;) DecodeInto(form, cache, in, &p, &cps);
      pending = true;
      floor = 1;
    }
    Decompose(form, cache, cp, &cps);  // ill-formed bytes are inert: cp is a code point
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
  if (pending) {
    Finish(form, cps.data(), cps.size(), out);
  } else {
    AppendRun(form, in, run, in.size(), out);
  }
  if (cps.capacity() > (1u << 20)) std::vector<char32_t>().swap(cps);  // keep no huge buffer alive
  return out->size() <= max_bytes;
}

}  // namespace unicode
}  // namespace opbridge
