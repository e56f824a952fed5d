// SentencePiece decoding as tensorflow-text's SentencepieceDetokenizeOp runs
// it (sentencepiece v0.1.96, SentencePieceProcessor::Decode of pieces): the
// extra options (bos, eos, reverse) are applied to the pieces first; control
// pieces vanish; the <unk> piece becomes the trainer spec's unk_surface (other
// text that maps to the unknown id stays as it is); runs of <0xXX> byte pieces
// are decoded as UTF-8, each malformed byte as U+FFFD; U+2581 becomes a space,
// and while the text is still empty a leading U+2581 is dropped (when the
// model adds a dummy prefix or removes extra whitespace).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "opbridge/status.h"
#include "sentencepiece_encode.h"
#include "sentencepiece_model.h"
#include "sentencepiece_normalizer.h"

namespace opbridge {
namespace text {
namespace sp {

inline void ReplaceSpaces(std::string_view piece, std::string* out) {
  while (!piece.empty()) {
    if (piece.substr(0, kSpaceSymbol.size()) == kSpaceSymbol) {
      out->push_back(' ');
      piece.remove_prefix(kSpaceSymbol.size());
    } else {
      out->push_back(piece[0]);
      piece.remove_prefix(1);
    }
  }
}

// `pieces` in, text out; ids are PieceToId of each piece.
inline Status Decode(const Model& m, std::vector<std::string_view> pieces, const Options& o, std::string* text) {
  text->clear();
  OPBRIDGE_REQUIRE(!m.has_denormalizer_rules,
                   "models with denormalization rules (denormalizer_spec) are not supported by opbridge");
  if (o.add_bos) pieces.insert(pieces.begin(), m.bos_piece());
  if (o.add_eos) pieces.push_back(m.eos_piece());
  if (o.reverse) std::reverse(pieces.begin(), pieces.end());
  const std::string_view unk_surface =
      m.trainer.has_unk_surface ? std::string_view(m.trainer.unk_surface.c_str()) : " \xE2\x81\x87 ";
  const bool strip_first = m.normalizer.add_dummy_prefix || m.normalizer.remove_extra_whitespaces;
  std::string bytes;
  auto flush_bytes = [&] {
    std::string_view rest = bytes;
    while (!rest.empty()) {
      const size_t len = ValidCharLen(rest);
      if (len == 0) {
        text->append("\xEF\xBF\xBD");
        rest.remove_prefix(1);
      } else {
        text->append(rest.substr(0, len));
        rest.remove_prefix(len);
      }
    }
    bytes.clear();
  };
  for (std::string_view w : pieces) {
    const int id = m.PieceToId(w);
    const int type = id >= 0 ? m.Type(id) : kNormal;
    if (type == kByte) {
      bytes.push_back(static_cast<char>(PieceToByte(w)));
      continue;
    }
    flush_bytes();
    if (type == kControl) continue;
    if (type == kUnknown) {
      text->append(m.pieces[static_cast<size_t>(id)].piece == w ? unk_surface : w);
      continue;
    }
    if (text->empty() && strip_first && w.substr(0, kSpaceSymbol.size()) == kSpaceSymbol) {
      w.remove_prefix(kSpaceSymbol.size());
    }
    ReplaceSpaces(w, text);
  }
  flush_bytes();
  return Status::Ok();
}

}  // namespace sp
}  // namespace text
}  // namespace opbridge
