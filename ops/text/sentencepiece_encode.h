// SentencePiece encoding as tensorflow-text's SentencepieceTokenizeOp runs
// it (sentencepiece v0.1.96, SentencePieceProcessor::Encode without
// sampling): normalize, segment with the model (unigram: the optimized
// Viterbi of unigram_model.cc; BPE: bpe_model.cc's merge loop), then
// PopulateSentencePieceText (runs of unknown pieces merged into one, or
// split into <0xXX> byte pieces with byte_fallback) and the extra options
// bos, eos, reverse in that order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "opbridge/status.h"
#include "sentencepiece_model.h"
#include "sentencepiece_normalizer.h"

namespace opbridge {
namespace text {
namespace sp {

struct Token {
  std::string piece;
  int id = 0;
};
using Segment = std::vector<std::pair<std::string_view, int>>;

// Unigram: the best path of summed piece scores over the normalized bytes.
// Each character start tries every vocabulary piece starting there, shortest
// first, and a candidate replaces a node only if strictly better (so the
// first found wins ties). Piece scores are summed in double and stored in
// float, as sentencepiece's `auto` types make them; the unknown piece (one
// character, when no piece of exactly one character starts there) scores
// min_score - 10 in float.
inline void EncodeUnigram(const Model& m, std::string_view s, Segment* out) {
  out->clear();
  if (s.empty()) return;
  struct Best {
    int id = -1;
    float score = 0.0f;
    int64_t start = -1;
  };
  const size_t size = s.size();
  const float unk_score = m.min_score - 10.0f;
  std::vector<Best> best(size + 1);
  size_t start = 0;
  while (start < size) {
    const float till_here = best[start].score;
    bool has_single = false;
    const size_t mblen = std::min(OneCharLen(static_cast<unsigned char>(s[start])), size - start);
    uint32_t node = 0;  // the trie node of s[start, start + len)
    for (size_t len = 1; start + len <= size; ++len) {
      node = m.normal_trie.Child(node, static_cast<uint8_t>(s[start + len - 1]));
      if (node == PieceTrie::kNone) break;
      const int id = m.normal_trie.Id(node);
      if (id < 0) continue;
      const int type = m.Type(id);
      if (type == kUnused) continue;
      const double score = type == kUserDefined ? static_cast<float>(len) * m.max_score - 0.1
                                                : static_cast<double>(m.pieces[static_cast<size_t>(id)].score);
      const double candidate = score + till_here;
      Best& target = best[start + len];
      if (target.start == -1 || candidate > target.score) {
        target.score = static_cast<float>(candidate);
        target.start = static_cast<int64_t>(start);
        target.id = id;
      }
      if (len == mblen) has_single = true;
    }
    if (!has_single) {
      Best& target = best[start + mblen];
      const float candidate = unk_score + till_here;
      if (target.start == -1 || candidate > target.score) {
        target.score = candidate;
        target.start = static_cast<int64_t>(start);
        target.id = m.unk_id;
      }
    }
    start += mblen;
  }
  size_t end = size;
  while (end > 0) {
    const Best& node = best[end];
    // Every character boundary is reached (the unknown piece covers it), so
    // the back links always lead to 0.
    const auto from = static_cast<size_t>(std::max<int64_t>(node.start, 0));
    out->emplace_back(s.substr(from, end - from), node.id);
    end = from;
  }
  std::reverse(out->begin(), out->end());
}

// BPE: start from characters (user-defined pieces whole and frozen), merge
// the adjacent pair whose concatenation is the highest-scoring piece (ties:
// the leftmost), repeat; merges into UNUSED pieces are split back afterwards.
inline void EncodeBpe(const Model& m, std::string_view s, Segment* out) {
  out->clear();
  if (s.empty()) return;
  struct Symbol {
    int prev, next;
    bool freeze;
    std::string_view piece;
  };
  struct Pair {
    int left, right;
    float score;
    size_t size;
  };
  auto worse = [](const Pair& a, const Pair& b) {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  };
  std::priority_queue<Pair, std::vector<Pair>, decltype(worse)> agenda(worse);
  std::vector<Symbol> symbols;
  std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> rev_merge;
  auto maybe_add = [&](int left, int right) {
    if (left == -1 || right == -1 || symbols[static_cast<size_t>(left)].freeze ||
        symbols[static_cast<size_t>(right)].freeze) {
      return;
    }
    const Symbol& l = symbols[static_cast<size_t>(left)];
    const Symbol& r = symbols[static_cast<size_t>(right)];
    const std::string_view piece(l.piece.data(), l.piece.size() + r.piece.size());
    auto it = m.normal.find(piece);
    if (it == m.normal.end()) return;
    agenda.push(Pair{left, right, m.pieces[static_cast<size_t>(it->second)].score, piece.size()});
    if (m.Type(it->second) == kUnused) rev_merge[piece] = {l.piece, r.piece};
  };
  int index = 0;
  std::string_view rest = s;
  while (!rest.empty()) {
    Symbol sym;
    const size_t len = PrefixMatch(m, rest, &sym.freeze);
    sym.piece = rest.substr(0, len);
    sym.prev = index - 1;
    rest.remove_prefix(len);
    sym.next = rest.empty() ? -1 : index + 1;
    ++index;
    symbols.push_back(sym);
  }
  for (size_t i = 1; i < symbols.size(); ++i) maybe_add(static_cast<int>(i - 1), static_cast<int>(i));
  while (!agenda.empty()) {
    const Pair top = agenda.top();
    agenda.pop();
    Symbol& l = symbols[static_cast<size_t>(top.left)];
    Symbol& r = symbols[static_cast<size_t>(top.right)];
    if (l.piece.empty() || r.piece.empty() || l.piece.size() + r.piece.size() != top.size) continue;
    l.piece = std::string_view(l.piece.data(), l.piece.size() + r.piece.size());
    l.next = r.next;
    if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = top.left;
    r.piece = std::string_view();
    maybe_add(l.prev, top.left);
    maybe_add(top.left, l.next);
  }
  // Unused pieces are split back into the pair they were merged from; the
  // depth is bounded by the piece's length, which halves or better each step.
  auto resegment = [&](auto&& self, std::string_view w) -> void {
    const int id = m.PieceToId(w);
    if (id == -1 || m.Type(id) != kUnused) {
      out->emplace_back(w, id);
      return;
    }
    auto p = rev_merge.find(w);
    if (p == rev_merge.end()) {
      out->emplace_back(w, id);
      return;
    }
    self(self, p->second.first);
    self(self, p->second.second);
  };
  for (int i = 0; i != -1; i = symbols[static_cast<size_t>(i)].next) resegment(resegment, symbols[static_cast<size_t>(i)].piece);
}

struct Options {
  bool add_bos = false, add_eos = false, reverse = false;
};

// sentencepiece's ParseExtraOptions checks: bos/eos must name known pieces.
inline Status CheckOptions(const Model& m, const Options& o) {
  if (o.add_bos) {
    OPBRIDGE_REQUIRE(!m.IsUnknown(m.PieceToId(m.bos_piece())), "id for `", m.bos_piece(), "` is not defined.");
  }
  if (o.add_eos) {
    OPBRIDGE_REQUIRE(!m.IsUnknown(m.PieceToId(m.eos_piece())), "id for `", m.eos_piece(), "` is not defined.");
  }
  return Status::Ok();
}

// One input string to its tokens (normalizer is the model's).
inline Status Encode(const Model& m, const Normalizer& norm, std::string_view input, const Options& o,
                     std::vector<Token>* tokens) {
  tokens->clear();
  std::string normalized;
  OPBRIDGE_RETURN_IF_ERROR(norm.Normalize(input, &normalized));
  Segment seg;
  if (m.trainer.model_type == kBpe) {
    EncodeBpe(m, normalized, &seg);
  } else {
    EncodeUnigram(m, normalized, &seg);
  }
  bool prev_unk = false;
  for (const auto& [w, id] : seg) {
    OPBRIDGE_REQUIRE(!w.empty(), "Empty piece is not allowed.");
    const bool is_unk = m.IsUnknown(id);
    if (id >= 0 && m.Type(id) == kControl) {
      tokens->push_back(Token{std::string(w), id});
    } else if (is_unk && m.trainer.byte_fallback) {
      static const char kHex[] = "0123456789ABCDEF";
      for (char c : w) {
        const auto b = static_cast<unsigned char>(c);
        std::string piece = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
        const int byte_id = m.PieceToId(piece);
        tokens->push_back(Token{std::move(piece), byte_id});
      }
    } else if (prev_unk && is_unk) {
      tokens->back().piece.append(w);
    } else {
      tokens->push_back(Token{std::string(w), id});
    }
    prev_unk = is_unk;
  }
  if (o.add_bos) tokens->insert(tokens->begin(), Token{std::string(m.bos_piece()), m.PieceToId(m.bos_piece())});
  if (o.add_eos) tokens->push_back(Token{std::string(m.eos_piece()), m.PieceToId(m.eos_piece())});
  if (o.reverse) std::reverse(tokens->begin(), tokens->end());
  return Status::Ok();
}

}  // namespace sp
}  // namespace text
}  // namespace opbridge
