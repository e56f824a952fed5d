// Protocol-buffer wire format, by hand: the few messages a V1 checkpoint holds
// (tensorflow/core/util/saved_tensor_slice.proto and the protos it uses) are
// written and read field by field, so the op needs no protobuf library.
//
// The reader never trusts the bytes: every length is checked against what is
// left, varints longer than 10 bytes are refused, and group wire types (no
// checkpoint proto uses them) are errors.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "opbridge/status.h"

namespace opbridge {
namespace proto {

enum WireType : int { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline void PutTag(std::string* out, int field, WireType type) {
  PutVarint(out, (static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(type));
}

inline void PutVarintField(std::string* out, int field, uint64_t v) {
  PutTag(out, field, kVarint);
  PutVarint(out, v);
}

// A length-delimited field: a string, bytes, a sub-message or a packed repeated field.
inline void PutBytesField(std::string* out, int field, std::string_view bytes) {
  PutTag(out, field, kBytes);
  PutVarint(out, bytes.size());
  out->append(bytes.data(), bytes.size());
}

// One decoded field. `bytes` points into the reader's buffer.
struct Field {
  int number = 0;
  WireType type = kVarint;
  uint64_t value = 0;  // kVarint, kFixed32, kFixed64
  std::string_view bytes;  // kBytes
};

// Reads varints from a byte range; false at a malformed or truncated varint.
inline bool GetVarint(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 70 && *p < end; shift += 7) {
    const uint8_t byte = *(*p)++;
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

class Reader {
 public:
  explicit Reader(std::string_view data)
      : p_(reinterpret_cast<const uint8_t*>(data.data())), end_(p_ + data.size()) {}

  bool done() const { return p_ >= end_; }

  // The next field; `what` names the message in the error.
  Status Next(Field* f, const char* what) {
    uint64_t tag = 0;
    if (!GetVarint(&p_, end_, &tag)) return Errorf("malformed ", what, ": bad field tag");
    const uint64_t number = tag >> 3;
    if (number == 0 || number > 0x1FFFFFFF) return Errorf("malformed ", what, ": bad field number");
    f->number = static_cast<int>(number);
    f->type = static_cast<WireType>(tag & 7);
    switch (f->type) {
      case kVarint:
        if (!GetVarint(&p_, end_, &f->value)) return Errorf("malformed ", what, ": truncated varint");
        return Status::Ok();
      case kFixed64:
      case kFixed32: {
        const size_t n = f->type == kFixed64 ? 8 : 4;
        if (static_cast<size_t>(end_ - p_) < n) return Errorf("malformed ", what, ": truncated fixed field");
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p_[i]) << (8 * i);
        p_ += n;
        f->value = v;
        return Status::Ok();
      }
      case kBytes: {
        uint64_t len = 0;
        if (!GetVarint(&p_, end_, &len)) return Errorf("malformed ", what, ": truncated length");
        if (len > static_cast<uint64_t>(end_ - p_)) {
          return Errorf("malformed ", what, ": field ", number, " claims ", len, " bytes, ", end_ - p_, " left");
        }
        f->bytes = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(len));
        p_ += len;
        return Status::Ok();
      }
      default:
        return Errorf("malformed ", what, ": unsupported wire type ", static_cast<int>(f->type));
    }
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace proto
}  // namespace opbridge
