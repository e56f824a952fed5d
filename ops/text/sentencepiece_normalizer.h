// SentencePiece's normalizer (google/sentencepiece src/normalizer.cc,
// v0.1.96), written from its algorithm: the model carries its own rules as
// `precompiled_charsmap` = <uint32 trie size><darts-clone double array><NUL-
// terminated replacement strings>, so no ICU is involved. Each step takes the
// longest rule matching a prefix of the input (user-defined pieces first,
// copied unchanged), else one UTF-8 character (a malformed byte becomes
// U+FFFD); then spaces are escaped as U+2581, runs of them collapsed and the
// ends trimmed (remove_extra_whitespaces), and U+2581 prepended
// (add_dummy_prefix).
//
// The charsmap comes from the model bytes, so every unit index and every
// replacement offset is checked; sentencepiece reads whatever the bytes say.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "opbridge/status.h"
#include "sentencepiece_model.h"

namespace opbridge {
namespace text {
namespace sp {

constexpr std::string_view kSpaceSymbol = "\xe2\x96\x81";

// sentencepiece's OneCharLen: the length the lead byte announces.
inline size_t OneCharLen(unsigned char c) {
  static constexpr unsigned char kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[c >> 4];
}

// sentencepiece's IsValidDecodeUTF8 (DecodeUTF8 + the U+FFFD exception):
// the valid character's length, or 0 for a malformed one.
inline size_t ValidCharLen(std::string_view s) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const size_t len = s.size();
  auto trail = [](unsigned char c) { return (c & 0xC0) == 0x80; };
  auto valid_cp = [](uint32_t c) { return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF); };
  if (b[0] < 0x80) return 1;
  if (len >= 2 && (b[0] & 0xE0) == 0xC0) {
    const uint32_t cp = ((b[0] & 0x1Fu) << 6) | (b[1] & 0x3Fu);
    return trail(b[1]) && cp >= 0x80 && valid_cp(cp) ? 2 : 0;
  }
  if (len >= 3 && (b[0] & 0xF0) == 0xE0) {
    const uint32_t cp = ((b[0] & 0x0Fu) << 12) | ((b[1] & 0x3Fu) << 6) | (b[2] & 0x3Fu);
    return trail(b[1]) && trail(b[2]) && cp >= 0x800 && valid_cp(cp) ? 3 : 0;
  }
  if (len >= 4 && (b[0] & 0xF8) == 0xF0) {
    const uint32_t cp = ((b[0] & 0x07u) << 18) | ((b[1] & 0x3Fu) << 12) | ((b[2] & 0x3Fu) << 6) | (b[3] & 0x3Fu);
    return trail(b[1]) && trail(b[2]) && trail(b[3]) && cp >= 0x10000 && valid_cp(cp) ? 4 : 0;
  }
  return 0;
}

// The longest user-defined piece that prefixes `w` (sentencepiece's
// PrefixMatcher); else one character by its lead byte, capped at w's end.
inline size_t PrefixMatch(const Model& m, std::string_view w, bool* found) {
  *found = false;
  size_t best = 0;
  if (!m.user_defined.empty()) {
    const size_t limit = std::min(w.size(), m.max_user_defined_size);
    for (size_t n = 1; n <= limit; ++n) {
      if (m.user_defined.count(w.substr(0, n)) != 0) best = n;
    }
  }
  if (best > 0) {
    *found = true;
    return best;
  }
  return std::min(w.size(), OneCharLen(static_cast<unsigned char>(w[0])));
}

class Normalizer {
 public:
  // Splits and checks the charsmap blob (sentencepiece's DecodePrecompiledCharsMap).
  Status Init(const Model* model) {
    model_ = model;
    const std::string& blob = model->normalizer.precompiled_charsmap;
    if (blob.empty()) return Status::Ok();
    uint32_t trie_size = 0;
    OPBRIDGE_REQUIRE(blob.size() > sizeof(trie_size), "Blob for normalization rule is broken.");
    std::memcpy(&trie_size, blob.data(), sizeof(trie_size));
    OPBRIDGE_REQUIRE(trie_size < blob.size(), "Trie data size exceeds the input blob size.");
    OPBRIDGE_REQUIRE(trie_size <= blob.size() - sizeof(trie_size), "Trie data size exceeds the input blob size.");
    units_ = trie_size / 4;  // sentencepiece ignores a partial last unit
    trie_ = blob.data() + sizeof(trie_size);
    replacements_ = std::string_view(blob.data() + sizeof(trie_size) + trie_size,
                                     blob.size() - sizeof(trie_size) - trie_size);
    return Status::Ok();
  }

  // One normalization step: the replacement text and how many input bytes it consumes.
  Status NormalizePrefix(std::string_view input, std::string_view* out, size_t* consumed) const {
    bool found = false;
    const size_t user = PrefixMatch(*model_, input, &found);
    if (found) {
      *out = input.substr(0, user);
      *consumed = user;
      return Status::Ok();
    }
    size_t longest = 0;
    uint32_t value = 0;
    OPBRIDGE_RETURN_IF_ERROR(LongestRule(input, &longest, &value));
    if (longest == 0) {
      const size_t len = ValidCharLen(input);
      if (len == 0) {
        *out = "\xEF\xBF\xBD";  // U+FFFD for one malformed byte
        *consumed = 1;
      } else {
        *out = input.substr(0, len);
        *consumed = len;
      }
      return Status::Ok();
    }
    // sentencepiece reads the replacement as a C string; the blob's own
    // terminator (the std::string's) ends the last one.
    OPBRIDGE_REQUIRE(value <= replacements_.size(), "precompiled_charsmap: rule value ", value,
                     " points past the replacement strings (", replacements_.size(), " bytes)");
    const size_t end = std::min(replacements_.find('\0', value), replacements_.size());
    *out = replacements_.substr(value, end - value);
    *consumed = longest;
    return Status::Ok();
  }

  // sentencepiece's Normalizer::Normalize (the offsets mapping is not needed:
  // tokenization outputs carry no offsets).
  Status Normalize(std::string_view input, std::string* normalized) const {
    normalized->clear();
    if (input.empty()) return Status::Ok();
    const NormalizerSpec& spec = model_->normalizer;
    std::string_view piece;
    size_t n = 0;
    if (spec.remove_extra_whitespaces) {
      while (!input.empty()) {
        OPBRIDGE_RETURN_IF_ERROR(NormalizePrefix(input, &piece, &n));
        if (piece != " ") break;
        input.remove_prefix(n);
      }
    }
    if (input.empty()) return Status::Ok();
    const bool suffix = model_->trainer.treat_whitespace_as_suffix;
    auto add_ws = [&] { normalized->append(spec.escape_whitespaces ? kSpaceSymbol : std::string_view(" ")); };
    if (!suffix && spec.add_dummy_prefix) add_ws();
    bool is_prev_space = spec.remove_extra_whitespaces;
    while (!input.empty()) {
      OPBRIDGE_RETURN_IF_ERROR(NormalizePrefix(input, &piece, &n));
      while (is_prev_space && !piece.empty() && piece[0] == ' ') piece.remove_prefix(1);
      if (!piece.empty()) {
        for (char c : piece) {
          if (spec.escape_whitespaces && c == ' ') {
            normalized->append(kSpaceSymbol);
          } else {
            normalized->push_back(c);
          }
        }
        is_prev_space = piece.back() == ' ';
      }
      input.remove_prefix(n);
      if (!spec.remove_extra_whitespaces) is_prev_space = false;
    }
    if (spec.remove_extra_whitespaces) {
      const std::string_view space = spec.escape_whitespaces ? kSpaceSymbol : std::string_view(" ");
      while (normalized->size() >= space.size() &&
             std::string_view(*normalized).substr(normalized->size() - space.size()) == space) {
        normalized->resize(normalized->size() - space.size());
      }
    }
    if (suffix && spec.add_dummy_prefix) add_ws();
    return Status::Ok();
  }

 private:
  uint32_t Unit(size_t i) const {
    uint32_t u = 0;
    std::memcpy(&u, trie_ + 4 * i, sizeof(u));
    return u;
  }

  // darts-clone's commonPrefixSearch, keeping the longest match; sentencepiece
  // keeps at most 32 results (kMaxTrieResultsSize) and reads past its array
  // beyond that: only the first 32 count here.
  Status LongestRule(std::string_view key, size_t* longest, uint32_t* value) const {
    if (units_ == 0) return Status::Ok();
    auto offset = [](uint32_t u) -> size_t { return (u >> 10) << ((u & (1u << 9)) >> 6); };
    size_t pos = 0;
    uint32_t unit = Unit(pos);
    pos ^= offset(unit);
    int results = 0;
    for (size_t i = 0; i < key.size(); ++i) {
      const auto c = static_cast<unsigned char>(key[i]);
      pos ^= c;
      OPBRIDGE_REQUIRE(pos < units_, "precompiled_charsmap: trie unit ", pos, " is outside the ", units_,
                       "-unit array");
      unit = Unit(pos);
      if ((unit & ((1u << 31) | 0xFFu)) != c) break;
      pos ^= offset(unit);
      if (((unit >> 8) & 1) == 1) {
        OPBRIDGE_REQUIRE(pos < units_, "precompiled_charsmap: trie unit ", pos, " is outside the ", units_,
                         "-unit array");
        if (results < 32 && (*longest == 0 || i + 1 > *longest)) {
          *longest = i + 1;
          *value = Unit(pos) & ((1u << 31) - 1);
        }
        ++results;
      }
    }
    return Status::Ok();
  }

  const Model* model_ = nullptr;
  const char* trie_ = nullptr;
  size_t units_ = 0;
  std::string_view replacements_;
};

}  // namespace sp
}  // namespace text
}  // namespace opbridge
