#include "adapters/tflite/flexbuffer.h"

#include <cstring>

#include "core/value_writer.h"

namespace opbridge::flex {
namespace {

// FlexBuffer type codes (upper 6 bits of a packed type byte).
enum Type : int {
  kNull = 0, kInt = 1, kUInt = 2, kFloat = 3, kKey = 4, kString = 5,
  kIndirectInt = 6, kIndirectUInt = 7, kIndirectFloat = 8, kMap = 9, kVector = 10,
  kVectorInt = 11, kVectorUInt = 12, kVectorFloat = 13, kVectorKey = 14,
  kVectorStringDeprecated = 15, kVectorInt2 = 16, kVectorUInt2 = 17, kVectorFloat2 = 18,
  kVectorInt3 = 19, kVectorUInt3 = 20, kVectorFloat3 = 21, kVectorInt4 = 22,
  kVectorUInt4 = 23, kVectorFloat4 = 24, kBlob = 25, kBool = 26, kVectorBool = 36,
};

constexpr int kMaxDepth = 32;
// Attrs are small; a cap on decoded values keeps a hostile buffer from
// turning a few bytes per element into a huge tree.
constexpr size_t kMaxValues = 1 << 16;

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  Status DecodeRoot(Value* out) {
    OPBRIDGE_REQUIRE(size_ >= 3, "options buffer of ", size_, " bytes is too short");
    const size_t root_width = data_[size_ - 1];
    const uint8_t packed = data_[size_ - 2];
    OPBRIDGE_REQUIRE(IsWidth(root_width), "bad root byte width ", root_width);
    OPBRIDGE_REQUIRE(size_ >= 2 + root_width, "options buffer truncated");
    return DecodeAt(size_ - 2 - root_width, root_width, packed, 0, out);
  }

 private:
  static bool IsWidth(size_t w) { return w == 1 || w == 2 || w == 4 || w == 8; }

  Status Check(size_t pos, size_t len) const {
    OPBRIDGE_REQUIRE(pos <= size_ && len <= size_ - pos, "offset ", pos, "+", len,
                     " is outside the ", size_, "-byte options buffer");
    return Status::Ok();
  }

  Status ReadUInt(size_t pos, size_t width, uint64_t* out) const {
    OPBRIDGE_REQUIRE(IsWidth(width), "bad byte width ", width);
    OPBRIDGE_RETURN_IF_ERROR(Check(pos, width));
    uint64_t v = 0;
    for (size_t k = 0; k < width; ++k) v |= static_cast<uint64_t>(data_[pos + k]) << (8 * k);
    *out = v;
    return Status::Ok();
  }

  Status ReadInt(size_t pos, size_t width, int64_t* out) const {
    uint64_t u;
    OPBRIDGE_RETURN_IF_ERROR(ReadUInt(pos, width, &u));
    if (width < 8 && (u >> (8 * width - 1)) & 1) u |= ~uint64_t{0} << (8 * width);  // sign-extend
    std::memcpy(out, &u, sizeof(*out));
    return Status::Ok();
  }

  Status ReadFloat(size_t pos, size_t width, double* out) const {
    uint64_t u;
    OPBRIDGE_RETURN_IF_ERROR(ReadUInt(pos, width, &u));
    if (width == 4) {
      const auto bits = static_cast<uint32_t>(u);
      float f;
      std::memcpy(&f, &bits, sizeof(f));
      *out = f;
    } else if (width == 8) {
      std::memcpy(out, &u, sizeof(*out));
    } else {
      return Errorf("float of byte width ", width);
    }
    return Status::Ok();
  }

  // Offsets point backwards from where they are stored.
  Status Indirect(size_t pos, size_t width, size_t* target) const {
    uint64_t offset;
    OPBRIDGE_RETURN_IF_ERROR(ReadUInt(pos, width, &offset));
    OPBRIDGE_REQUIRE(offset <= pos, "offset ", offset, " at ", pos, " points before the buffer");
    *target = pos - static_cast<size_t>(offset);
    return Status::Ok();
  }

  // Length stored just before a vector/string/map.
  Status Length(size_t target, size_t width, uint64_t* out) const {
    OPBRIDGE_REQUIRE(target >= width, "length prefix before the buffer");
    return ReadUInt(target - width, width, out);
  }

  Status ReadKey(size_t target, std::string* out) const {
    OPBRIDGE_RETURN_IF_ERROR(Check(target, 0));
    const void* end = std::memchr(data_ + target, 0, size_ - target);
    OPBRIDGE_REQUIRE(end != nullptr, "unterminated key");
    out->assign(reinterpret_cast<const char*>(data_ + target),
                static_cast<const uint8_t*>(end) - (data_ + target));
    return Status::Ok();
  }

  // A vector of `count` elements of `width` bytes at `target` must lie in the buffer.
  Status CheckElements(size_t target, uint64_t count, size_t width, size_t extra_per_element) const {
    const size_t per = width + extra_per_element;
    OPBRIDGE_REQUIRE(target <= size_ && count <= (size_ - target) / per, "vector of ", count,
                     " elements overruns the options buffer");
    return Status::Ok();
  }

  Status Count() const {
    OPBRIDGE_REQUIRE(++values_ <= kMaxValues, "options hold more than ", kMaxValues, " values");
    return Status::Ok();
  }

  Status DecodeScalar(Type type, size_t pos, size_t width, Value* out) const {
    OPBRIDGE_RETURN_IF_ERROR(Count());
    switch (type) {
      case kInt:
        out->kind = Value::Kind::kInt;
        return ReadInt(pos, width, &out->i);
      case kUInt:
        out->kind = Value::Kind::kUInt;
        return ReadUInt(pos, width, &out->u);
      case kFloat:
        out->kind = Value::Kind::kFloat;
        return ReadFloat(pos, width, &out->f);
      case kBool: {
        uint64_t u;
        OPBRIDGE_RETURN_IF_ERROR(ReadUInt(pos, width, &u));
        out->kind = Value::Kind::kBool;
        out->b = u != 0;
        return Status::Ok();
      }
      case kKey: {
        size_t target;
        OPBRIDGE_RETURN_IF_ERROR(Indirect(pos, width, &target));
        out->kind = Value::Kind::kString;
        return ReadKey(target, &out->s);
      }
      default:
        return Errorf("type ", static_cast<int>(type), " is not a scalar");
    }
  }

  Status DecodeAt(size_t pos, size_t parent_width, uint8_t packed, int depth, Value* out) const {
    OPBRIDGE_REQUIRE(depth < kMaxDepth, "options nested deeper than ", kMaxDepth);
    OPBRIDGE_RETURN_IF_ERROR(Count());
    const auto type = static_cast<Type>(packed >> 2);
    const size_t width = size_t{1} << (packed & 3);
    *out = Value();
    switch (type) {
      case kNull:
        return Status::Ok();
      case kInt: case kUInt: case kFloat: case kBool: case kKey:
        return DecodeScalar(type, pos, parent_width, out);
      case kIndirectInt: case kIndirectUInt: case kIndirectFloat: {
        size_t target;
        OPBRIDGE_RETURN_IF_ERROR(Indirect(pos, parent_width, &target));
        const Type scalar = type == kIndirectInt ? kInt : type == kIndirectUInt ? kUInt : kFloat;
        return DecodeScalar(scalar, target, width, out);
      }
      case kString: case kBlob: {
        size_t target;
        uint64_t len;
        OPBRIDGE_RETURN_IF_ERROR(Indirect(pos, parent_width, &target));
        OPBRIDGE_RETURN_IF_ERROR(Length(target, width, &len));
        OPBRIDGE_RETURN_IF_ERROR(Check(target, static_cast<size_t>(len)));
        OPBRIDGE_REQUIRE(len <= size_, "string length ", len, " overruns the options buffer");
        out->kind = type == kString ? Value::Kind::kString : Value::Kind::kBlob;
        out->s.assign(reinterpret_cast<const char*>(data_ + target), static_cast<size_t>(len));
        return Status::Ok();
      }
      case kVector: case kMap: {
        size_t target;
        uint64_t len;
        OPBRIDGE_RETURN_IF_ERROR(Indirect(pos, parent_width, &target));
        OPBRIDGE_RETURN_IF_ERROR(Length(target, width, &len));
        OPBRIDGE_RETURN_IF_ERROR(CheckElements(target, len, width, 1));
        const size_t types = target + static_cast<size_t>(len) * width;
        out->kind = type == kMap ? Value::Kind::kMap : Value::Kind::kVector;
        out->items.resize(static_cast<size_t>(len));
        for (size_t k = 0; k < len; ++k) {
          OPBRIDGE_RETURN_IF_ERROR(
              DecodeAt(target + k * width, width, data_[types + k], depth + 1, &out->items[k]));
        }
        if (type == kMap) return DecodeKeys(target, width, len, out);
        return Status::Ok();
      }
      case kVectorInt: case kVectorUInt: case kVectorFloat: case kVectorKey: case kVectorBool:
      case kVectorStringDeprecated: {
        size_t target;
        uint64_t len;
        OPBRIDGE_RETURN_IF_ERROR(Indirect(pos, parent_width, &target));
        OPBRIDGE_RETURN_IF_ERROR(Length(target, width, &len));
        const Type element = type == kVectorInt    ? kInt
                             : type == kVectorUInt ? kUInt
                             : type == kVectorFloat ? kFloat
                             : type == kVectorBool ? kBool
                                                   : kKey;
        return DecodeTyped(element, target, width, len, out);
      }
      case kVectorInt2: case kVectorUInt2: case kVectorFloat2:
      case kVectorInt3: case kVectorUInt3: case kVectorFloat3:
      case kVectorInt4: case kVectorUInt4: case kVectorFloat4: {
        size_t target;
        OPBRIDGE_RETURN_IF_ERROR(Indirect(pos, parent_width, &target));
        const int index = type - kVectorInt2;
        const uint64_t len = static_cast<uint64_t>(index / 3 + 2);
        const Type element = index % 3 == 0 ? kInt : index % 3 == 1 ? kUInt : kFloat;
        return DecodeTyped(element, target, width, len, out);
      }
    }
    return Errorf("unknown FlexBuffer type ", static_cast<int>(type));
  }

  Status DecodeTyped(Type element, size_t target, size_t width, uint64_t len, Value* out) const {
    OPBRIDGE_RETURN_IF_ERROR(CheckElements(target, len, width, 0));
    out->kind = Value::Kind::kVector;
    out->items.resize(static_cast<size_t>(len));
    for (size_t k = 0; k < len; ++k) {
      OPBRIDGE_RETURN_IF_ERROR(DecodeScalar(element, target + k * width, width, &out->items[k]));
    }
    return Status::Ok();
  }

  // A map stores, before its length, the offset and byte width of a typed
  // vector of keys, sorted, parallel to the values.
  Status DecodeKeys(size_t target, size_t width, uint64_t len, Value* out) const {
    OPBRIDGE_REQUIRE(target >= 3 * width, "map header before the buffer");
    uint64_t keys_width;
    size_t keys_target;
    uint64_t keys_len;
    OPBRIDGE_RETURN_IF_ERROR(ReadUInt(target - 2 * width, width, &keys_width));
    OPBRIDGE_REQUIRE(IsWidth(static_cast<size_t>(keys_width)), "bad map key width ", keys_width);
    OPBRIDGE_RETURN_IF_ERROR(Indirect(target - 3 * width, width, &keys_target));
    OPBRIDGE_RETURN_IF_ERROR(Length(keys_target, static_cast<size_t>(keys_width), &keys_len));
    OPBRIDGE_REQUIRE(keys_len == len, "map has ", len, " values but ", keys_len, " keys");
    OPBRIDGE_RETURN_IF_ERROR(CheckElements(keys_target, len, static_cast<size_t>(keys_width), 0));
    out->keys.resize(static_cast<size_t>(len));
    for (size_t k = 0; k < len; ++k) {
      size_t key_target;
      OPBRIDGE_RETURN_IF_ERROR(
          Indirect(keys_target + k * keys_width, static_cast<size_t>(keys_width), &key_target));
      OPBRIDGE_RETURN_IF_ERROR(ReadKey(key_target, &out->keys[k]));
    }
    return Status::Ok();
  }

  const uint8_t* data_;
  size_t size_;
  mutable size_t values_ = 0;
};

}  // namespace

const Value* Value::Find(const std::string& key) const {
  for (size_t k = 0; k < keys.size() && k < items.size(); ++k) {
    if (keys[k] == key) return &items[k];
  }
  return nullptr;
}

const char* KindName(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNull: return "null";
    case Value::Kind::kInt: return "int";
    case Value::Kind::kUInt: return "uint";
    case Value::Kind::kFloat: return "float";
    case Value::Kind::kBool: return "bool";
    case Value::Kind::kString: return "string";
    case Value::Kind::kBlob: return "blob";
    case Value::Kind::kVector: return "vector";
    case Value::Kind::kMap: return "map";
  }
  return "?";
}

void Write(const Value& v, ValueWriter& out) {
  switch (v.kind) {
    case Value::Kind::kNull: out.Null(); return;
    case Value::Kind::kInt: out.Int(v.i); return;
    case Value::Kind::kUInt: out.UInt(v.u); return;
    case Value::Kind::kBool: out.Bool(v.b); return;
    case Value::Kind::kFloat: out.Double(v.f); return;
    case Value::Kind::kString: out.String(v.s); return;
    case Value::Kind::kBlob: out.Bytes(v.s); return;
    case Value::Kind::kVector:
      out.BeginList();
      for (const Value& item : v.items) Write(item, out);
      out.EndList();
      return;
    case Value::Kind::kMap:
      out.BeginMap();
      for (size_t k = 0; k < v.items.size() && k < v.keys.size(); ++k) {
        out.Key(v.keys[k]);
        Write(v.items[k], out);
      }
      out.EndMap();
      return;
  }
}

Status Decode(const uint8_t* data, size_t size, Value* out) {
  if (data == nullptr && size > 0) return Errorf("options buffer is NULL");
  return Reader(data, size).DecodeRoot(out);
}

}  // namespace opbridge::flex
