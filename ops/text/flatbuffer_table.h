// Checked reads of a flatbuffer's root table, for tensorflow-text's model
// flatbuffers (FastWordpieceTokenizer's, FastBertNormalizer's). Those models
// ride in the graph as uint8 tensors, so their bytes are untrusted input:
// tf-text casts them to the generated accessors and reads unchecked; here
// every offset and length is checked against the buffer, and a bad model is
// an error naming the tensor (`what`) and what was wrong.
//
// The flatbuffer layout (flatbuffers' binary format): the buffer starts with
// the uint32 offset of the root table; the table starts with an int32 that,
// subtracted from the table's position, gives its vtable; the vtable holds
// uint16 vtable size, uint16 table size, then one uint16 per field in id
// order (0: absent) giving the field's position in the table. A vector or
// string field holds a uint32 offset (from the field) to a uint32 length
// followed by the elements.
#ifndef OPBRIDGE_OPS_TEXT_FLATBUFFER_TABLE_H_
#define OPBRIDGE_OPS_TEXT_FLATBUFFER_TABLE_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "opbridge/op.h"

namespace opbridge {
namespace text {

// A vector inside the flatbuffer: where its first element is and how many.
struct FlatVector {
  uint64_t pos = 0;
  uint64_t length = 0;
  bool present = false;
};

// Bounds-checked reads of little-endian flatbuffer bytes (memcpy: the model
// tensor's buffer has no alignment guarantee).
class FlatBytes {
 public:
  FlatBytes(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}
  uint64_t size() const { return size_; }
  bool Has(uint64_t pos, uint64_t n) const { return pos <= size_ && n <= size_ - pos; }
  uint32_t U32(uint64_t pos) const {  // caller checked Has(pos, 4)
    uint32_t v;
    std::memcpy(&v, data_ + pos, 4);
    return v;
  }
  uint16_t U16(uint64_t pos) const {
    uint16_t v;
    std::memcpy(&v, data_ + pos, 2);
    return v;
  }
  uint8_t U8(uint64_t pos) const { return data_[pos]; }
  std::string_view View(uint64_t pos, uint64_t n) const {
    return std::string_view(reinterpret_cast<const char*>(data_ + pos), n);
  }

 private:
  const uint8_t* data_;
  uint64_t size_;
};

// The root table of a model flatbuffer, its fields read by id.
class FlatTable {
 public:
  // Checks the root offset, the vtable and the table's extent; `what` names
  // the tensor in errors.
  Status Parse(const uint8_t* data, uint64_t size, const std::string& what) {
    what_ = what;
    bytes_ = FlatBytes(data, size);
    OPBRIDGE_REQUIRE(bytes_.Has(0, 4), what_, " holds ", size, " bytes, too few for a flatbuffer");
    table_ = bytes_.U32(0);
    OPBRIDGE_REQUIRE(bytes_.Has(table_, 4), what_, ": root table offset ", table_, " is past the end");
    int32_t soffset;
    {
      const uint32_t raw = bytes_.U32(table_);
      std::memcpy(&soffset, &raw, 4);
    }
    const int64_t vtable = static_cast<int64_t>(table_) - soffset;
    OPBRIDGE_REQUIRE(vtable >= 0 && bytes_.Has(static_cast<uint64_t>(vtable), 4), what_,
                     ": the root table's vtable is outside the buffer");
    vtable_ = static_cast<uint64_t>(vtable);
    vtable_size_ = bytes_.U16(vtable_);
    table_size_ = bytes_.U16(vtable_ + 2);
    OPBRIDGE_REQUIRE(vtable_size_ >= 4 && vtable_size_ % 2 == 0 && bytes_.Has(vtable_, vtable_size_), what_,
                     ": the root table's vtable (", vtable_size_, " bytes) is malformed");
    OPBRIDGE_REQUIRE(bytes_.Has(table_, table_size_), what_, ": the root table (", table_size_,
                     " bytes) runs past the end");
    return Status::Ok();
  }

  const FlatBytes& bytes() const { return bytes_; }
  const std::string& what() const { return what_; }

  // A 32-bit scalar field, 0 (the schema's default) when absent.
  Status Scalar32(int index, const char* name, uint32_t* out) const {
    uint64_t pos;
    OPBRIDGE_RETURN_IF_ERROR(Field(index, 4, name, &pos));
    *out = pos ? bytes_.U32(pos) : 0;
    return Status::Ok();
  }
  Status Bool(int index, const char* name, bool* out) const {
    uint64_t pos;
    OPBRIDGE_RETURN_IF_ERROR(Field(index, 1, name, &pos));
    *out = pos ? bytes_.U8(pos) != 0 : false;
    return Status::Ok();
  }
  // A vector (or string: element 1) field whose `element`-byte entries all
  // lie inside the buffer; not present when absent.
  Status Vector(int index, uint64_t element, const char* name, FlatVector* out) const {
    *out = FlatVector();
    uint64_t pos;
    OPBRIDGE_RETURN_IF_ERROR(Field(index, 4, name, &pos));
    if (pos == 0) return Status::Ok();
    const uint64_t at = pos + bytes_.U32(pos);
    OPBRIDGE_REQUIRE(bytes_.Has(at, 4), what_, ": ", name, " starts outside the buffer");
    out->length = bytes_.U32(at);
    out->pos = at + 4;
    OPBRIDGE_REQUIRE(bytes_.Has(out->pos, out->length * element), what_, ": ", name, " (", out->length,
                     " entries) runs past the end of the buffer");
    out->present = true;
    return Status::Ok();
  }

 private:
  // The field's position in the root table, 0 when absent.
  Status Field(int index, uint64_t width, const char* name, uint64_t* pos) const {
    *pos = 0;
    const uint64_t slot = 4 + 2ull * static_cast<uint64_t>(index);
    if (slot + 2 > vtable_size_) return Status::Ok();
    const uint16_t offset = bytes_.U16(vtable_ + slot);
    if (offset == 0) return Status::Ok();
    OPBRIDGE_REQUIRE(offset + width <= table_size_, what_, ": field ", name, " lies outside the root table");
    *pos = table_ + offset;
    return Status::Ok();
  }

  std::string what_;
  FlatBytes bytes_{nullptr, 0};
  uint64_t table_ = 0, vtable_ = 0;
  uint16_t vtable_size_ = 0, table_size_ = 0;
};

}  // namespace text
}  // namespace opbridge

#endif  // OPBRIDGE_OPS_TEXT_FLATBUFFER_TABLE_H_
