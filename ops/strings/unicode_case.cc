// UTF-8 lower/upper case with ICU's behaviour under TF's StringLower/Upper:
// see unicode_case.h.
#include "unicode_case.h"

#include <cstring>
#include <vector>

#include "unicode_tables.h"
#include "unicode_utf8.h"

namespace opbridge {
namespace unicode {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kCapitalSigma = 0x3A3;
constexpr char32_t kSmallSigma = 0x3C3;
constexpr char32_t kFinalSigma = 0x3C2;
constexpr uint32_t kCased = 1;
constexpr uint32_t kCaseIgnorable = 2;

// What ICU's UnicodeString(const char*, "UTF-8") holds: the text up to the
// first NUL, ill-formed subparts replaced by U+FFFD each.
void DecodeForIcu(std::string_view in, std::vector<char32_t>* out) {
  const void* nul = std::memchr(in.data(), 0, in.size());
  if (nul != nullptr) in = in.substr(0, static_cast<const char*>(nul) - in.data());
  std::vector<char32_t>& cps = *out;
  cps.clear();
  cps.reserve(in.size());
  size_t pos = 0;
  while (pos < in.size()) {
    char32_t cp;
    cps.push_back(DecodeUtf8(in, &pos, &cp) ? cp : kReplacement);
  }
}

// One scratch buffer per thread, not one allocation per string. Not inlined:
// a caller then holds the buffer's address, where inlined the thread-local's
// address was looked up again (a call to __tls_get_addr) after every
// character's append, a third of StringLower's time.
__attribute__((noinline)) std::vector<char32_t>& Scratch() {
  thread_local std::vector<char32_t> cps;
  return cps;
}

void Release(std::vector<char32_t>* cps) {
  if (cps->capacity() > (1u << 20)) std::vector<char32_t>().swap(*cps);  // keep no huge buffer alive
}

// ICU's isFollowedByCasedLetter: skip case-ignorable code points (they win
// over cased), then look for a cased one.
bool CasedLetterAround(const std::vector<char32_t>& cps, size_t i, bool forward) {
  while (forward ? i + 1 < cps.size() : i > 0) {
    i = forward ? i + 1 : i - 1;
    const uint32_t type = LookupRange(kCaseType, cps[i]);
    if (type == kCaseIgnorable) continue;
    return type == kCased;
  }
  return false;
}

void Append(const MapTable& table, char32_t cp, std::string* out) {
  if (cp < 0x80) {  // ASCII maps only A-Z <-> a-z, both ways in the tables: no search
    if (&table == &kLower && cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    if (&table == &kUpper && cp >= 'a' && cp <= 'z') cp -= 'a' - 'A';
    out->push_back(static_cast<char>(cp));
    return;
  }
  Mapping m;
  if (!Lookup(table, cp, &m)) {
    AppendUtf8(cp, out);
    return;
  }
  for (char32_t c : m) AppendUtf8(c, out);
}

}  // namespace

Status Utf8ToLower(std::string_view in, std::string* out) {
  std::vector<char32_t>& cps = Scratch();
  DecodeForIcu(in, &cps);
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < cps.size(); ++i) {
    if (cps[i] == kCapitalSigma) {
      // Final_Sigma (SpecialCasing.txt): after a cased letter and not before one.
      const bool final = CasedLetterAround(cps, i, false) && !CasedLetterAround(cps, i, true);
      AppendUtf8(final ? kFinalSigma : kSmallSigma, out);
    } else {
      Append(kLower, cps[i], out);
    }
  }
  Release(&cps);
  return Status::Ok();
}

Status Utf8ToUpper(std::string_view in, std::string* out) {
  std::vector<char32_t>& cps = Scratch();
  DecodeForIcu(in, &cps);
  out->clear();
  out->reserve(in.size());
  for (char32_t cp : cps) Append(kUpper, cp, out);
  Release(&cps);
  return Status::Ok();
}

}  // namespace unicode
}  // namespace opbridge
