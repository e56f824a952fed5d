// tensorflow-text's FastWordpieceTokenizer (LinMaxMatch) over its model
// flatbuffer, shared by FastWordpieceTokenizeWithOffsets and
// TFText>FastWordpieceDetokenize. The model rides in the graph as a uint8
// tensor (tf_text.FastWordpieceTokenizer builds it in Python), so its bytes
// are untrusted input: tf-text casts them to the generated flatbuffer
// accessors and indexes its arrays unchecked; here every offset, length and
// index read from the bytes is checked and a bad model is an error naming
// what was wrong.
//
// Facts from tensorflow/text tensorflow_text/core/kernels:
// - fast_wordpiece_tokenizer_model.fbs: table FastWordpieceTokenizerConfig
//   with fields (in id order) trie_array [uint32], failure_struct_array
//   [FailureStruct {failure_link: uint32; failure_pops_offset_length: uint32}],
//   failure_pops_pool [int], trie_suffix_root uint32, max_bytes_per_token int,
//   suffix_indicator string, unk_token string, unk_token_id int,
//   precomputed_result_for_suffix_indicator [int],
//   trie_punct_failure_link_node uint32, end_to_end bool,
//   support_detokenization bool, vocab_array [string], vocab_is_suffix_array [bool].
// - fast_wordpiece_tokenizer_utils.h: a token is encoded in an int as
//   (is_suffix << 30) | (id << 8) | (byte length - 1); a failure pops list as
//   (pool offset << 8) | (length - 1); 0xFFFFFFFF is the null node / null list.
// - the trie is darts-clone's (darts_clone_trie.h), the table read through
//   flatbuffer_table.h.
// - fast_wordpiece_tokenizer.cc: the single-word algorithm (TokenizeSingleWordImpl,
//   TryFollowFailureLinkAndCollectTokens, AppendTokenToOutput,
//   HandleTheRemainingStringOnTriePath, ResetOutputAppendUnknownToken,
//   TryHandleTheInputWordBeingSuffixIndicatorItself) and DetokenizeToTokens.
#ifndef OPBRIDGE_OPS_TEXT_FAST_WORDPIECE_MODEL_H_
#define OPBRIDGE_OPS_TEXT_FAST_WORDPIECE_MODEL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "darts_clone_trie.h"
#include "flatbuffer_table.h"
#include "opbridge/op.h"
#include "utf8_next.h"
#include "wordpiece_unicode.h"

namespace opbridge {
namespace text {

class FastWordpieceModel {
 public:
  // The token id, byte length and suffix flag packed in one int (utils.h).
  static int64_t TokenId(uint32_t encoded) { return (encoded & ((1u << 30) - 1) & ~0xffu) >> 8; }
  static uint64_t TokenLength(uint32_t encoded) { return (encoded & 0xffu) + 1; }
  // tf-text tests `encoded >> 30` of a signed int: bit 31 counts as well.
  static bool IsSuffixToken(uint32_t encoded) { return (encoded >> 30) != 0; }
  static constexpr uint32_t kNull = 0xFFFFFFFFu;

  // Reads the table's fields; `what` names the tensor in errors.
  Status Parse(const uint8_t* data, uint64_t size, const std::string& what) {
    OPBRIDGE_RETURN_IF_ERROR(table_.Parse(data, size, what));
    what_ = what;
    bytes_ = table_.bytes();
    OPBRIDGE_RETURN_IF_ERROR(table_.Vector(0, 4, "trie_array", &trie_array_));
    // tf-text's own check, with its text.
    OPBRIDGE_REQUIRE(trie_array_.present, what_, ": FastWordpieceTokenizerConfig or its trie_array is null.");
    OPBRIDGE_REQUIRE(trie_array_.length > 0, what_, ": trie_array is empty");
    trie_.Reset(bytes_, trie_array_, what_);
    OPBRIDGE_RETURN_IF_ERROR(table_.Vector(1, 8, "failure_struct_array", &failure_structs_));
    OPBRIDGE_RETURN_IF_ERROR(table_.Vector(2, 4, "failure_pops_pool", &pops_pool_));
    OPBRIDGE_RETURN_IF_ERROR(table_.Scalar32(3, "trie_suffix_root", &suffix_root_));
    uint32_t max_bytes = 0, unk_id = 0;
    OPBRIDGE_RETURN_IF_ERROR(table_.Scalar32(4, "max_bytes_per_token", &max_bytes));
    std::memcpy(&max_bytes_per_token_, &max_bytes, 4);
    OPBRIDGE_RETURN_IF_ERROR(table_.Vector(5, 1, "suffix_indicator", &suffix_indicator_));
    OPBRIDGE_RETURN_IF_ERROR(table_.Vector(6, 1, "unk_token", &unk_token_));
    OPBRIDGE_RETURN_IF_ERROR(table_.Scalar32(7, "unk_token_id", &unk_id));
    int32_t unk_signed;
    std::memcpy(&unk_signed, &unk_id, 4);
    unk_token_id_ = unk_signed;
    OPBRIDGE_RETURN_IF_ERROR(table_.Vector(8, 4, "precomputed_result_for_suffix_indicator", &precomputed_));
    OPBRIDGE_RETURN_IF_ERROR(table_.Scalar32(9, "trie_punct_failure_link_node", &punct_failure_node_));
    OPBRIDGE_RETURN_IF_ERROR(table_.Bool(10, "end_to_end", &end_to_end_));
    OPBRIDGE_RETURN_IF_ERROR(table_.Bool(11, "support_detokenization", &support_detokenization_));
    OPBRIDGE_RETURN_IF_ERROR(table_.Vector(12, 4, "vocab_array", &vocab_));
    OPBRIDGE_RETURN_IF_ERROR(table_.Vector(13, 1, "vocab_is_suffix_array", &vocab_is_suffix_));
    return Status::Ok();
  }

  bool end_to_end() const { return end_to_end_; }
  bool support_detokenization() const { return support_detokenization_; }

  // One input word (the model was built with no_pretokenization: every
  // input string is one word, at offset 0), appended to the outputs.
  // A piece is pieces[k] (bytes of the input word, or the model's
  // unk_token), preceded by the suffix indicator where suffixed[k]: the
  // kernel hands unsuffixed pieces to the output as views, no copy.
  struct Output {
    std::vector<std::string_view> pieces;
    std::vector<uint8_t> suffixed;
    std::vector<int64_t> ids, starts, ends;
  };
  // The suffix indicator ("##"), for the suffixed pieces.
  Status SuffixIndicator(std::string_view* out) const { return String(suffix_indicator_, "suffix_indicator", out); }
  Status TokenizeWord(std::string_view word, Output* out) const {
    if (word.empty()) return Status::Ok();
    size_t original = out->ids.size();
    // tf-text compares size_t > int: a negative limit converts to a huge one.
    if (max_bytes_per_token_ >= 0 && word.size() > static_cast<uint64_t>(max_bytes_per_token_)) {
      return AppendUnknown(0, word.size(), &original, out);
    }
    Walk walk{word, 0, 0, 0};
    Cursor node;
    OPBRIDGE_RETURN_IF_ERROR(trie_.SetCursor(0, &node));
    for (const char c : word) {
      const auto ch = static_cast<unsigned char>(c);
      while (!trie_.Step(&node, ch)) {
        bool followed = false;
        OPBRIDGE_RETURN_IF_ERROR(FollowFailureLink(&walk, &node, out, &followed));
        if (!followed) return AppendUnknown(0, word.size(), &original, out);
      }
    }
    return HandleRemaining(&walk, &node, &original, out);
  }

  // End-to-end models (no_pretokenization=False): TokenizeTextImpl, which
  // splits general text into words at whitespace and punctuation (ICU's, as
  // tables measured from tf-text: wordpiece_unicode.h) while matching. Sets
  // *stalled where tf-text reports "no progress".
  Status TokenizeText(std::string_view text, Output* out, bool* stalled) const {
    if (text.empty()) return Status::Ok();
    const int64_t size = static_cast<int64_t>(text.size());
    int64_t prev_pos = -1, next_pos = 0, cur_pos = 0;
    size_t original = out->ids.size();
    // tf-text leaves these uninitialized; they are read only after being set.
    int32_t prev_char = -1, cur_char = -1;
    while (cur_pos < size) {
      if (prev_pos == cur_pos) {
        *stalled = true;
        return Status::Ok();
      }
      prev_pos = cur_pos;
      const int64_t word_start = cur_pos;
      Walk walk{text.substr(static_cast<size_t>(cur_pos)), static_cast<uint64_t>(cur_pos), 0, 0};
      Cursor node;
      OPBRIDGE_RETURN_IF_ERROR(trie_.SetCursor(0, &node));
      int64_t word_bytes = 0, prev_inner = -1;
      while (cur_pos < size) {
        if (prev_inner == cur_pos) {
          *stalled = true;
          return Status::Ok();
        }
        prev_inner = cur_pos;
        prev_char = cur_char;
        size_t after = static_cast<size_t>(cur_pos);
        cur_char = NextCodePoint(text, &after);
        next_pos = static_cast<int64_t>(after);
        if (word_bytes + next_pos - cur_pos > max_bytes_per_token_) break;
        const std::string_view step = text.substr(static_cast<size_t>(cur_pos), static_cast<size_t>(next_pos - cur_pos));
        bool matched = trie_.StepSeveral(&node, step);
        while (!matched) {
          bool followed = false;
          OPBRIDGE_RETURN_IF_ERROR(FollowFailureLink(&walk, &node, out, &followed));
          if (!followed) break;
          matched = trie_.StepSeveral(&node, step);
        }
        if (!matched) break;
        word_bytes += next_pos - cur_pos;
        cur_pos = next_pos;
      }
      if (cur_pos >= size) {
        OPBRIDGE_RETURN_IF_ERROR(HandleRemaining(&walk, &node, &original, out));
        break;
      }
      const bool space = InRanges(kWhitespace, cur_char);
      if (space || InRanges(kPunctuation, cur_char) || (cur_pos > 0 && InRanges(kPunctuation, prev_char))) {
        // The word ends before this character.
        walk.word = text.substr(static_cast<size_t>(word_start), static_cast<size_t>(cur_pos - word_start));
        OPBRIDGE_RETURN_IF_ERROR(HandleRemaining(&walk, &node, &original, out));
        if (space) {
          cur_pos = next_pos;
        } else if (walk.word.empty()) {
          // A character no word can start with: the unknown token alone.
          cur_pos = next_pos;
          OPBRIDGE_RETURN_IF_ERROR(AppendUnknown(static_cast<uint64_t>(word_start),
                                                 static_cast<uint64_t>(cur_pos - word_start), &original, out));
        }
        continue;
      }
      // The word cannot be tokenized: one unknown token up to the next
      // whitespace (skipped) or punctuation.
      cur_pos = next_pos;
      int64_t end = cur_pos;
      while (cur_pos < size) {
        size_t at = static_cast<size_t>(cur_pos);
        const int32_t c = NextCodePoint(text, &at);
        if (InRanges(kWhitespace, c)) {
          cur_pos = static_cast<int64_t>(at);
          break;
        }
        if (InRanges(kPunctuation, c)) break;
        end = cur_pos = static_cast<int64_t>(at);
      }
      OPBRIDGE_RETURN_IF_ERROR(AppendUnknown(static_cast<uint64_t>(word_start),
                                             static_cast<uint64_t>(end - word_start), &original, out));
    }
    return Status::Ok();
  }

  // DetokenizeToTokens + Detokenize: pieces of a word joined, words joined by
  // a space, into *text; `budget` is what the output may still grow by.
  Status Detokenize(const int32_t* ids, int64_t n, uint64_t* budget, std::string* text) const {
    OPBRIDGE_REQUIRE(support_detokenization_, what_, ": ",
                     "Detokenize function is only enabled when support_detokenization is true in the config "
                     "flatbuffer. Please rebuild the model flatbuffer by setting support_detokenization=true.");
    OPBRIDGE_REQUIRE(vocab_.present && vocab_is_suffix_.present, what_, ": ",
                     "Missing vocab_array or vocab_is_suffix_array in config.");
    for (int64_t k = 0; k < n; ++k) {
      const int64_t id = ids[k];
      OPBRIDGE_REQUIRE(id >= 0 && static_cast<uint64_t>(id) < vocab_.length &&
                           static_cast<uint64_t>(id) < vocab_is_suffix_.length,
                       "Token ID out of bounds: ", id);
      std::string_view piece, indicator;
      OPBRIDGE_RETURN_IF_ERROR(VocabString(static_cast<uint64_t>(id), &piece));
      const bool is_suffix = bytes_.U8(vocab_is_suffix_.pos + static_cast<uint64_t>(id)) != 0;
      // A non-suffix piece starts a new word (words are joined by a space); a
      // suffix piece continues the word, or starts the text with the indicator.
      const bool space = k > 0 && !is_suffix;
      if (k == 0 && is_suffix) OPBRIDGE_RETURN_IF_ERROR(String(suffix_indicator_, "suffix_indicator", &indicator));
      const uint64_t add = (space ? 1 : 0) + indicator.size() + piece.size();
      OPBRIDGE_REQUIRE(add <= *budget, "the detokenized text would pass TFLite's 2 GiB limit on strings");
      *budget -= add;
      if (space) text->push_back(' ');
      text->append(indicator.data(), indicator.size());
      text->append(piece.data(), piece.size());
    }
    return Status::Ok();
  }

 private:
  using Cursor = DartsCloneTrie::Cursor;
  // The word being tokenized and how far its tokens have reached.
  struct Walk {
    std::string_view word;  // from the word's start (to the text's end while matching)
    uint64_t base;          // the word's offset in the input string (input_word_offset_in_text)
    uint64_t offset;        // cur_offset_in_input_word
    uint64_t follows;       // failure links followed (bounds hostile cycles)
  };

  template <size_t N>
  static bool InRanges(const CodePointRange (&ranges)[N], int32_t cp) {
    if (cp < 0) return false;  // U8_NEXT's U_SENTINEL: neither space nor punctuation
    const auto c = static_cast<uint32_t>(cp);
    size_t lo = 0, hi = N;
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (ranges[mid].last < c) lo = mid + 1;
      else hi = mid;
    }
    return lo < N && ranges[lo].first <= c;
  }

  Status FailureStruct(uint32_t node, uint32_t* link, uint32_t* pops) const {
    OPBRIDGE_REQUIRE(node < failure_structs_.length, what_, ": trie node ", node, " has no entry in the ",
                     failure_structs_.length, "-entry failure_struct_array");
    *link = bytes_.U32(failure_structs_.pos + 8ull * node);
    *pops = bytes_.U32(failure_structs_.pos + 8ull * node + 4);
    return Status::Ok();
  }

  Status FollowFailureLink(Walk* walk, Cursor* node, Output* out, bool* followed) const {
    // Each follow moves the walk on by a token in a valid model; this only
    // stops a hostile model's link cycles that pop nothing.
    OPBRIDGE_REQUIRE(++walk->follows <= 300 * (walk->word.size() + 1), what_,
                     ": the trie's failure links do not terminate");
    bool has = false;
    uint32_t value = 0, link = 0, pops = 0;
    OPBRIDGE_RETURN_IF_ERROR(trie_.Data(*node, &has, &value));
    OPBRIDGE_RETURN_IF_ERROR(FailureStruct(node->id, &link, &pops));
    if (has) {
      OPBRIDGE_RETURN_IF_ERROR(Append(walk, value, out));
      *followed = true;
      return trie_.SetCursor(link, node);
    }
    if (link == kNull) {
      *followed = false;
      return Status::Ok();
    }
    if (pops != kNull) {
      const uint64_t begin = pops >> 8, length = (pops & 0xffu) + 1;
      OPBRIDGE_REQUIRE(begin + length <= pops_pool_.length, what_, ": failure pops [", begin, ", ",
                       begin + length, ") of trie node ", node->id, " are beyond the ", pops_pool_.length,
                       "-entry failure_pops_pool");
      for (uint64_t k = begin; k < begin + length; ++k) {
        OPBRIDGE_RETURN_IF_ERROR(Append(walk, bytes_.U32(pops_pool_.pos + 4 * k), out));
      }
    }
    *followed = true;
    return trie_.SetCursor(link, node);
  }

  // AppendTokenToOutput: a token covers the next bytes of the word; a suffix
  // token at the word's start also covers the suffix indicator.
  Status Append(Walk* walk, uint32_t encoded, Output* out) const {
    const int64_t id = TokenId(encoded);
    uint64_t length = TokenLength(encoded);
    std::string_view indicator;
    OPBRIDGE_RETURN_IF_ERROR(String(suffix_indicator_, "suffix_indicator", &indicator));
    if (walk->offset == 0 && IsSuffixToken(encoded)) length += indicator.size();
    OPBRIDGE_REQUIRE(length <= walk->word.size() - walk->offset, what_, ": a token of ", length,
                     " bytes at byte ", walk->offset, " runs past the end of a ", walk->word.size(),
                     "-byte word (the model's trie and tokens disagree)");
    std::string_view piece = walk->word.substr(walk->offset, length);
    if (id == unk_token_id_) OPBRIDGE_RETURN_IF_ERROR(String(unk_token_, "unk_token", &piece));
    out->pieces.push_back(piece);
    out->suffixed.push_back(walk->offset != 0);
    out->ids.push_back(id);
    out->starts.push_back(static_cast<int64_t>(walk->base + walk->offset));
    out->ends.push_back(static_cast<int64_t>(walk->base + walk->offset + length));
    walk->offset += length;
    return Status::Ok();
  }

  // ResetOutputAppendUnknownToken: the word's tokens so far give way to one
  // unk_token spanning the whole word.
  Status AppendUnknown(uint64_t start, uint64_t word_size, size_t* original, Output* out) const {
    std::string_view unk;
    OPBRIDGE_RETURN_IF_ERROR(String(unk_token_, "unk_token", &unk));
    out->pieces.resize(*original);
    out->suffixed.resize(*original);
    out->ids.resize(*original);
    out->starts.resize(*original);
    out->ends.resize(*original);
    out->pieces.push_back(unk);
    out->suffixed.push_back(0);
    out->ids.push_back(unk_token_id_);
    out->starts.push_back(static_cast<int64_t>(start));
    out->ends.push_back(static_cast<int64_t>(start + word_size));
    ++*original;
    return Status::Ok();
  }

  // HandleTheRemainingStringOnTriePath at the end of the word.
  Status HandleRemaining(Walk* walk, Cursor* node, size_t* original, Output* out) const {
    if (node->id == 0) return Status::Ok();
    if (node->id == suffix_root_ && out->ids.size() == *original) {
      // The word is the suffix indicator itself: its precomputed tokens, or
      // unk_token when that result is the unknown token alone.
      OPBRIDGE_REQUIRE(precomputed_.present, what_, ": precomputed_result_for_suffix_indicator is missing");
      if (precomputed_.length == 1 && TokenId(bytes_.U32(precomputed_.pos)) == unk_token_id_) {
        return AppendUnknown(walk->base, walk->word.size(), original, out);
      }
      for (uint64_t k = 0; k < precomputed_.length; ++k) {
        OPBRIDGE_RETURN_IF_ERROR(Append(walk, bytes_.U32(precomputed_.pos + 4 * k), out));
      }
      *original = out->ids.size();
      return Status::Ok();
    }
    while (node->id != suffix_root_ && node->id != punct_failure_node_) {
      bool followed = false;
      OPBRIDGE_RETURN_IF_ERROR(FollowFailureLink(walk, node, out, &followed));
      if (!followed) return AppendUnknown(walk->base, walk->word.size(), original, out);
    }
    *original = out->ids.size();
    return Status::Ok();
  }

  Status String(const FlatVector& v, const char* name, std::string_view* out) const {
    OPBRIDGE_REQUIRE(v.present, what_, ": ", name, " is missing");
    *out = bytes_.View(v.pos, v.length);
    return Status::Ok();
  }
  Status VocabString(uint64_t k, std::string_view* out) const {
    const uint64_t slot = vocab_.pos + 4 * k;
    const uint64_t at = slot + bytes_.U32(slot);
    OPBRIDGE_REQUIRE(bytes_.Has(at, 4), what_, ": vocab_array string ", k, " is outside the buffer");
    const uint64_t n = bytes_.U32(at);
    OPBRIDGE_REQUIRE(bytes_.Has(at + 4, n), what_, ": vocab_array string ", k, " runs past the end");
    *out = bytes_.View(at + 4, n);
    return Status::Ok();
  }

  std::string what_;
  FlatTable table_;
  FlatBytes bytes_{nullptr, 0};
  DartsCloneTrie trie_;
  FlatVector trie_array_, failure_structs_, pops_pool_, suffix_indicator_, unk_token_, precomputed_, vocab_,
      vocab_is_suffix_;
  uint32_t suffix_root_ = 0, punct_failure_node_ = 0;
  int32_t max_bytes_per_token_ = 0;
  int64_t unk_token_id_ = 0;
  bool end_to_end_ = false, support_detokenization_ = false;
};

}  // namespace text
}  // namespace opbridge

#endif  // OPBRIDGE_OPS_TEXT_FAST_WORDPIECE_MODEL_H_
