// WordpieceTokenizeWithOffsets: tensorflow-text's WordpieceTokenizer (and
// BertTokenizer's second step, after its regex-based BasicTokenizer). The
// vocabulary is a lookup-table resource: the converter keeps the model's
// HashTableV2 CUSTOM (its builtin HASHTABLE accepts no other consumer than
// the find/import/size ops), so the table is ours (ops/lookup/lookup_table.h).
//
// Each input string is one word, split greedily left to right (tf-text's
// wordpiece_tokenizer.cc): from each start, the longest run of whole UTF-8
// characters (at most max_chars_per_token of them when that is positive)
// whose key is in the vocabulary, the key being suffix_indicator + piece
// after the word's first byte. "In the vocabulary" is tf-text's test: the
// table's value is not -1 (tf-text finds with default -1, so a word mapped to
// -1 counts as missing). When no prefix of the rest is known, the whole word
// becomes one piece, [0, word size): unknown_token, or the word itself
// without use_unknown_token; with split_unknown_characters the first
// character alone becomes a piece instead (unknown_token or the character,
// suffixed after the word's start). A word longer than max_bytes_per_word
// is one piece too, but its end offset is unknown_token's size (tf-text's
// quirk) when that token replaces it.
//
// tf-text looks keys up through TF's LookupInterface with int64 values: a
// table with other key or value types makes its kernel abort the process
// (measured: CHECK failure in Tensor::flat); we refuse it with an error.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../lookup/lookup_table.h"
#include "opbridge/op.h"
#include "utf8_next.h"

namespace opbridge {
namespace {

enum Input { kValues = 0, kTable };
enum Output { kPieces = 0, kPartition, kStarts, kLimits };
enum class Partition { kRowLengths, kRowSplits };

struct WordpieceParams {
  std::string suffix_indicator;
  int64_t max_bytes_per_word = 0;
  int64_t max_chars_per_token = 0;
  bool use_unknown_token = false;
  std::string unknown_token;
  bool split_unknown_characters = false;
  Partition partition = Partition::kRowLengths;

  static void Declare(ParamBinder& b, WordpieceParams& p) {
    b.Attr("suffix_indicator: string", &p.suffix_indicator);
    b.Attr("max_bytes_per_word: int", &p.max_bytes_per_word);
    b.Attr("max_chars_per_token: int = 0", &p.max_chars_per_token);
    b.Attr("use_unknown_token: bool", &p.use_unknown_token);
    b.Attr("unknown_token: string", &p.unknown_token);
    b.Attr("split_unknown_characters: bool = false", &p.split_unknown_characters);
    b.Enum("output_row_partition_type: {'row_lengths', 'row_splits'} = 'row_lengths'", &p.partition,
           {{"row_lengths", Partition::kRowLengths}, {"row_splits", Partition::kRowSplits}});
  }

  // tf-text reads both ints as int32 attrs: TF refuses other values.
  Status Validate() const {
    for (const auto& [name, v] : {std::pair<const char*, int64_t>{"max_bytes_per_word", max_bytes_per_word},
                                  std::pair<const char*, int64_t>{"max_chars_per_token", max_chars_per_token}}) {
      OPBRIDGE_REQUIRE(v >= INT32_MIN && v <= INT32_MAX, "Attr ", name, " has value ", v,
                       " out of range for an int32");
    }
    return Status::Ok();
  }
};

using Vocab = lookup::TableOf<std::string, int64_t>;

// One output piece: its bytes (a view into an input string or the
// unknown_token attr), whether suffix_indicator goes before them, and its
// byte offsets in its word.
struct Piece {
  std::string_view text;
  bool suffixed;
  int64_t start, limit;
};

struct Block {
  std::vector<Piece> pieces;
  std::vector<int64_t> counts;  // pieces per row
  Status status = Status::Ok();
};

class Tokenizer {
 public:
  Tokenizer(const WordpieceParams& p, const Vocab& vocab) : p_(p), vocab_(vocab), readable_(vocab.Readable()) {}

  Status Word(std::string_view word, std::vector<Piece>* out) {
    const int64_t size = static_cast<int64_t>(word.size());
    if (size > p_.max_bytes_per_word) {
      if (p_.use_unknown_token) {
        out->push_back({p_.unknown_token, false, 0, static_cast<int64_t>(p_.unknown_token.size())});
      } else {
        out->push_back({word, false, 0, size});
      }
      return Status::Ok();
    }
    const size_t first = out->size();
    for (size_t start = 0; start < word.size();) {
      // The ends of the characters from `start`, capped at max_chars_per_token.
      ends_.clear();
      for (size_t i = start; i < word.size();) {
        text::NextCodePoint(word, &i);
        ends_.push_back(i);
        if (p_.max_chars_per_token > 0 && static_cast<int64_t>(ends_.size()) == p_.max_chars_per_token) break;
      }
      // The candidates, longest first, are prefixes of one key: the rest of
      // the word (after suffix_indicator past the start), so no key is built
      // per candidate.
      const char* key = word.data() + start;
      size_t key_extra = 0;
      if (start > 0) {
        key_.assign(p_.suffix_indicator);
        key_.append(word.data() + start, ends_.back() - start);
        key = key_.data();
        key_extra = p_.suffix_indicator.size();
      }
      size_t end = 0;
      bool found = false, unknown_character = false;
      for (size_t k = ends_.size(); k-- > 0;) {
        bool known = false;
        OPBRIDGE_RETURN_IF_ERROR(Contains(std::string_view(key, key_extra + ends_[k] - start), &known));
        if (known) {
          end = ends_[k];
          found = true;
          break;
        }
        if (k == 0 && p_.split_unknown_characters) {
          end = ends_[0];
          found = unknown_character = true;
        }
      }
      if (!found) {  // the pieces found so far are dropped: the whole word is one
        out->resize(first);
        out->push_back({p_.use_unknown_token ? std::string_view(p_.unknown_token) : word, false, 0, size});
        return Status::Ok();
      }
      const std::string_view text = unknown_character && p_.use_unknown_token
                                        ? std::string_view(p_.unknown_token)
                                        : word.substr(start, end - start);
      out->push_back({text, start > 0, static_cast<int64_t>(start), static_cast<int64_t>(end)});
      start = end;
    }
    return Status::Ok();
  }

 private:
  Status Contains(std::string_view key, bool* known) const {
    // tf-text's lookups fail with the table's error: an unimported HashTable.
    OPBRIDGE_REQUIRE(readable_, "Table not initialized.");
    const int64_t* value = vocab_.FindOne(key);
    *known = value != nullptr && *value != -1;
    return Status::Ok();
  }

  const WordpieceParams& p_;
  const Vocab& vocab_;
  const bool readable_;
  std::vector<size_t> ends_;
  std::string key_;
};

Status WordpieceTokenizeShape(ShapeContext& ctx, const WordpieceParams&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(kValues, 1));
  // The handle: TF's is a scalar; ResourceStore::Find checks it holds one id.
  for (int i = kPieces; i <= kLimits; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

Status WordpieceTokenizeKernel(KernelContext& ctx, const WordpieceParams& p) {
  ResourceStore* store = ctx.resources();
  OPBRIDGE_REQUIRE(store != nullptr, "this runtime gives opbridge no resource store");
  lookup::LookupTable* table = nullptr;
  OPBRIDGE_RETURN_IF_ERROR(store->Find(ctx.input(kTable), "vocab_lookup_table", "a lookup table", &table));
  const auto* vocab = dynamic_cast<const Vocab*>(table);
  OPBRIDGE_REQUIRE(vocab != nullptr, "input 'vocab_lookup_table' is ", table->Describe(),
                   ", but tensorflow-text finds its words with int64 values: it needs a table of string to int64");

  const ConstTensor& values = ctx.input(kValues);
  const std::string_view* words = values.data<std::string_view>();
  const int64_t n = values.dim(0);
  // Rows go in blocks, on the threads when there are several, joined in row
  // order: the same outputs, and the first failing row's error.
  int64_t bytes = 0;
  for (int64_t i = 0; i < n; ++i) bytes += static_cast<int64_t>(words[i].size());
  const int64_t blocks = ctx.num_threads() <= 1 ? std::min<int64_t>(n, 1) : std::min<int64_t>(n, 4 * ctx.num_threads());
  std::vector<Block> done(static_cast<size_t>(blocks));
  const auto first_row = [&](int64_t b) { return n * b / blocks; };
  // Cost: about 20 ns a byte (a few table finds per character).
  ctx.ParallelFor(blocks, 20 * (bytes / std::max<int64_t>(blocks, 1) + 1), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      Block& block = done[static_cast<size_t>(b)];
      Tokenizer tokenizer(p, *vocab);
      for (int64_t i = first_row(b); i < first_row(b + 1); ++i) {
        const size_t before = block.pieces.size();
        block.status = tokenizer.Word(words[i], &block.pieces);
        if (!block.status.ok()) break;
        block.counts.push_back(static_cast<int64_t>(block.pieces.size() - before));
      }
    }
  });
  int64_t count = 0;
  for (const Block& block : done) {
    OPBRIDGE_RETURN_IF_ERROR(block.status);
    count += static_cast<int64_t>(block.pieces.size());
  }

  const bool splits = p.partition == Partition::kRowSplits;
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kPartition, Shape({splits ? n + 1 : n})));
  for (const int i : {kPieces, kStarts, kLimits}) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(i, Shape({count})));
  int64_t* partition = ctx.output(kPartition).data<int64_t>();
  int64_t total = 0;
  if (splits) *partition++ = 0;
  // Suffixed pieces are built; the others are views of the input strings or
  // of the unknown_token attr, alive until the adapter copies them.
  std::string* built = ctx.output(kPieces).data<std::string>();
  std::string_view* views = ctx.output(kPieces).data<std::string_view>();
  int64_t* starts = ctx.output(kStarts).data<int64_t>();
  int64_t* limits = ctx.output(kLimits).data<int64_t>();
  for (const Block& block : done) {
    for (const int64_t c : block.counts) {
      total += c;
      *partition++ = splits ? total : c;
    }
    for (const Piece& piece : block.pieces) {
      if (piece.suffixed) {
        built->reserve(p.suffix_indicator.size() + piece.text.size());
        built->assign(p.suffix_indicator);
        built->append(piece.text);
      } else {
        *views = piece.text;
      }
      ++built;
      ++views;
      *starts++ = piece.start;
      *limits++ = piece.limit;
    }
  }
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("WordpieceTokenizeWithOffsets")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's WordpieceTokenizer: each word split greedily into the longest "
                              "vocabulary pieces (a string -> int64 lookup table), with byte offsets.")
                         .Input("input_values: string")
                         .Input("vocab_lookup_table: resource")
                         .Output("output_values: string")
                         .Output("output_row_lengths: int64")
                         .Output("start_values: int64")
                         .Output("limit_values: int64")
                         .Params<WordpieceParams>()
                         .ShapeRule(WordpieceTokenizeShape)
                         .Kernel(WordpieceTokenizeKernel));

}  // namespace opbridge
