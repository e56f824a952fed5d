// A SentencePiece ModelProto (google/sentencepiece src/sentencepiece_model.proto),
// parsed by hand with opbridge's bounds-checked wire reader, and the piece
// tables tensorflow-text's SentencepieceOp builds from it (sentencepiece
// v0.1.96, the version tf-text 2.21 links: ModelInterface::InitializePieces).
//
// Only what encoding reads is kept: the pieces (piece, score, type), the
// trainer spec's model type, byte_fallback, treat_whitespace_as_suffix and
// the bos/eos/unk pieces, and the normalizer spec. proto2 rules: a scalar seen
// twice keeps the last value, a sub-message seen twice is merged, an enum
// value the schema does not know leaves the field at its default.
#pragma once

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "../io/proto_wire.h"
#include "opbridge/resource.h"
#include "opbridge/status.h"
#include "sentencepiece_trie.h"

namespace opbridge {
namespace text {
namespace sp {

enum PieceType : int { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };
enum ModelType : int { kUnigram = 1, kBpe = 2, kWord = 3, kChar = 4 };

struct Piece {
  std::string piece;
  float score = 0.0f;
  int type = kNormal;
};

struct NormalizerSpec {
  std::string name;
  std::string precompiled_charsmap;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

struct TrainerSpec {
  int model_type = kUnigram;
  bool byte_fallback = false;
  bool treat_whitespace_as_suffix = false;
  std::string unk_piece, bos_piece, eos_piece;  // empty: the defaults below
  bool has_unk_surface = false;
  std::string unk_surface;  // decoding's text for <unk> (default " \xE2\x81\x87 ")
};

inline float FloatBits(uint64_t v) {
  const auto bits = static_cast<uint32_t>(v);
  float f = 0.0f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// Reads one field of the expected wire type; other wire types of a known
// field number are refused (protobuf would fail the parse too).
inline Status Expect(const proto::Field& f, proto::WireType type, const char* what) {
  OPBRIDGE_REQUIRE(f.type == type, "malformed ", what, ": field ", f.number, " has wire type ",
                   static_cast<int>(f.type));
  return Status::Ok();
}

inline Status ParsePiece(std::string_view bytes, Piece* p) {
  proto::Reader r(bytes);
  while (!r.done()) {
    proto::Field f;
    OPBRIDGE_RETURN_IF_ERROR(r.Next(&f, "ModelProto.SentencePiece"));
    if (f.number == 1) {
      OPBRIDGE_RETURN_IF_ERROR(Expect(f, proto::kBytes, "ModelProto.SentencePiece"));
      p->piece.assign(f.bytes);
    } else if (f.number == 2) {
      OPBRIDGE_RETURN_IF_ERROR(Expect(f, proto::kFixed32, "ModelProto.SentencePiece"));
      p->score = FloatBits(f.value);
    } else if (f.number == 3) {
      OPBRIDGE_RETURN_IF_ERROR(Expect(f, proto::kVarint, "ModelProto.SentencePiece"));
      if (f.value >= kNormal && f.value <= kByte) p->type = static_cast<int>(f.value);
    }
  }
  return Status::Ok();
}

inline Status ParseNormalizer(std::string_view bytes, NormalizerSpec* n) {
  proto::Reader r(bytes);
  while (!r.done()) {
    proto::Field f;
    OPBRIDGE_RETURN_IF_ERROR(r.Next(&f, "NormalizerSpec"));
    switch (f.number) {
      case 1:
      case 2:
        OPBRIDGE_RETURN_IF_ERROR(Expect(f, proto::kBytes, "NormalizerSpec"));
        (f.number == 1 ? n->name : n->precompiled_charsmap).assign(f.bytes);
        break;
      case 3:
      case 4:
      case 5: {
        OPBRIDGE_RETURN_IF_ERROR(Expect(f, proto::kVarint, "NormalizerSpec"));
        bool* flag = f.number == 3 ? &n->add_dummy_prefix
                     : f.number == 4 ? &n->remove_extra_whitespaces
                                     : &n->escape_whitespaces;
        *flag = f.value != 0;
        break;
      }
      default:
        break;
    }
  }
  return Status::Ok();
}

inline Status ParseTrainer(std::string_view bytes, TrainerSpec* t) {
  proto::Reader r(bytes);
  while (!r.done()) {
    proto::Field f;
    OPBRIDGE_RETURN_IF_ERROR(r.Next(&f, "TrainerSpec"));
    switch (f.number) {
      case 3:
        OPBRIDGE_RETURN_IF_ERROR(Expect(f, proto::kVarint, "TrainerSpec"));
        if (f.value >= kUnigram && f.value <= kChar) t->model_type = static_cast<int>(f.value);
        break;
      case 24:
      case 35:
        OPBRIDGE_RETURN_IF_ERROR(Expect(f, proto::kVarint, "TrainerSpec"));
        (f.number == 24 ? t->treat_whitespace_as_suffix : t->byte_fallback) = f.value != 0;
        break;
      case 44:
        OPBRIDGE_RETURN_IF_ERROR(Expect(f, proto::kBytes, "TrainerSpec"));
        t->unk_surface.assign(f.bytes);
        t->has_unk_surface = true;
        break;
      case 45:
      case 46:
      case 47:
        OPBRIDGE_RETURN_IF_ERROR(Expect(f, proto::kBytes, "TrainerSpec"));
        (f.number == 45 ? t->unk_piece : f.number == 46 ? t->bos_piece : t->eos_piece).assign(f.bytes);
        break;
      default:
        break;
    }
  }
  return Status::Ok();
}

// "<0x4A>" -> 0x4A; -1 for anything else (sentencepiece's PieceToByte map
// holds exactly the 256 upper-case spellings).
inline int PieceToByte(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  auto hex = [](char c) { return (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1; };
  const int hi = hex(piece[3]), lo = hex(piece[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

// The parsed model and its lookup tables.
struct Model {
  std::vector<Piece> pieces;
  TrainerSpec trainer;
  NormalizerSpec normalizer;
  bool has_denormalizer_rules = false;  // denormalizer_spec with a charsmap (decoding refuses it)
  // NORMAL, USER_DEFINED and UNUSED pieces (sentencepiece's pieces_), and the
  // others (reserved_id_map_: UNKNOWN, CONTROL, BYTE).
  std::unordered_map<std::string_view, int> normal, reserved;
  PieceTrie normal_trie;  // `normal` as a trie, for unigram's prefix search
  std::set<std::string, std::less<>> user_defined;
  size_t max_piece_size = 0;       // longest entry of `normal`, bytes
  size_t max_user_defined_size = 0;
  int unk_id = -1;
  float min_score = FLT_MAX, max_score = FLT_MIN;  // over NORMAL pieces, as sentencepiece

  int Type(int id) const { return pieces[static_cast<size_t>(id)].type; }
  bool IsUnknown(int id) const { return id >= 0 && Type(id) == kUnknown; }

  int PieceToId(std::string_view piece) const {
    auto it = reserved.find(piece);
    if (it != reserved.end()) return it->second;
    auto it2 = normal.find(piece);
    return it2 != normal.end() ? it2->second : unk_id;
  }
  // The piece names (trainer spec, else sentencepiece's defaults), read as
  // C strings as sentencepiece does.
  static std::string_view CStr(const std::string& s, const char* fallback) {
    return s.empty() ? std::string_view(fallback) : std::string_view(s.c_str());
  }
  std::string_view bos_piece() const { return CStr(trainer.bos_piece, "<s>"); }
  std::string_view eos_piece() const { return CStr(trainer.eos_piece, "</s>"); }

  Status Parse(std::string_view bytes) {
    OPBRIDGE_REQUIRE(!bytes.empty(), "Model argument must be specified.");
    proto::Reader r(bytes);
    while (!r.done()) {
      proto::Field f;
      OPBRIDGE_RETURN_IF_ERROR(r.Next(&f, "ModelProto"));
      if (f.number >= 1 && f.number <= 5) OPBRIDGE_RETURN_IF_ERROR(Expect(f, proto::kBytes, "ModelProto"));
      if (f.number == 1) {
        OPBRIDGE_REQUIRE(pieces.size() < static_cast<size_t>(INT32_MAX), "too many pieces");
        pieces.emplace_back();
        OPBRIDGE_RETURN_IF_ERROR(ParsePiece(f.bytes, &pieces.back()));
      } else if (f.number == 2) {
        OPBRIDGE_RETURN_IF_ERROR(ParseTrainer(f.bytes, &trainer));
      } else if (f.number == 3) {
        OPBRIDGE_RETURN_IF_ERROR(ParseNormalizer(f.bytes, &normalizer));
      } else if (f.number == 5) {
        NormalizerSpec denormalizer;
        OPBRIDGE_RETURN_IF_ERROR(ParseNormalizer(f.bytes, &denormalizer));
        has_denormalizer_rules = has_denormalizer_rules || !denormalizer.precompiled_charsmap.empty();
      }
    }
    return Index();
  }

 private:
  // sentencepiece's InitializePieces, with its errors.
  Status Index() {
    std::vector<bool> byte_found(256, false);
    for (size_t i = 0; i < pieces.size(); ++i) {
      const Piece& sp = pieces[i];
      const int id = static_cast<int>(i);
      OPBRIDGE_REQUIRE(!sp.piece.empty(), "piece must not be empty.");
      const bool is_normal = sp.type == kNormal || sp.type == kUserDefined || sp.type == kUnused;
      OPBRIDGE_REQUIRE((is_normal ? normal : reserved).emplace(sp.piece, id).second, sp.piece,
                       " is already defined.");
      if (is_normal) max_piece_size = std::max(max_piece_size, sp.piece.size());
      if (sp.type == kUserDefined) {
        user_defined.insert(sp.piece);
        max_user_defined_size = std::max(max_user_defined_size, sp.piece.size());
      }
      if (sp.type == kUnknown) {
        OPBRIDGE_REQUIRE(unk_id < 0, "unk is already defined.");
        unk_id = id;
      }
      if (sp.type == kByte) {
        OPBRIDGE_REQUIRE(trainer.byte_fallback, "byte piece ", sp.piece, " is found although `byte_fallback` is false.");
        const int byte = PieceToByte(sp.piece);
        OPBRIDGE_REQUIRE(byte >= 0, "byte piece ", sp.piece, " is invalid.");
        byte_found[static_cast<size_t>(byte)] = true;
      }
      if (sp.type == kNormal) {
        min_score = std::min(min_score, sp.score);
        max_score = std::max(max_score, sp.score);
      }
    }
    OPBRIDGE_REQUIRE(unk_id >= 0, "unk is not defined.");
    if (trainer.byte_fallback) {
      for (bool found : byte_found) {
        OPBRIDGE_REQUIRE(found, "there are not 256 byte pieces although `byte_fallback` is true.");
      }
    }
    OPBRIDGE_REQUIRE(trainer.model_type == kUnigram || trainer.model_type == kBpe,
                     "model_type ", trainer.model_type == kWord ? "WORD" : "CHAR",
                     " is not supported by opbridge (UNIGRAM and BPE are)");
    // Unigram's trie must hold a piece (sentencepiece: "no entry is found in the trie.").
    OPBRIDGE_REQUIRE(trainer.model_type != kUnigram || !normal.empty(), "no pieces are loaded.");
    if (trainer.model_type == kUnigram) normal_trie.Build(normal);
    return Status::Ok();
  }
};

}  // namespace sp
}  // namespace text
}  // namespace opbridge
