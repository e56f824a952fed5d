// tf.train.Example's wire format, read the way TF's fast parser
// (tensorflow/core/util/example_proto_fast_parsing.cc) reads it, so that the
// same bytes are accepted and refused:
//   Example   { Features features = 1; }          other fields skipped
//   Features  { map<string, Feature> feature = 1; } only map entries
//   entry     { string key = 1; Feature value = 2; }  exactly two fields, any order
//   Feature   oneof { BytesList = 1; FloatList = 2; Int64List = 3; }
//             only its first byte is looked at (the list's tag); the list's
//             length is capped at what is left, bytes after it are ignored
//   lists     value = 1, packed or not (floats fixed32, int64 varints).
// Nothing is copied: entries and values are views into the serialized bytes.
// Every read is bounds-checked; a varint runs at most 10 bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace opbridge {
namespace example_wire {

using Byte = uint8_t;

enum class ValueType : uint8_t { kInvalid, kBytes, kFloat, kInt64 };

// protobuf's ReadVarint64: at most 10 bytes, bits past 64 dropped.
inline bool ReadVarint(const Byte** p, const Byte* end, uint64_t* v) {
  uint64_t result = 0;
  const Byte* q = *p;
  for (int i = 0; i < 10 && q < end; ++i) {
    const Byte b = *q++;
    result |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if (b < 0x80) {
      *v = result;
      *p = q;
      return true;
    }
  }
  return false;
}

// ReadVarint32: the same bytes, truncated to 32 bits.
inline bool ReadVarint32(const Byte** p, const Byte* end, uint32_t* v) {
  uint64_t wide;
  if (!ReadVarint(p, end, &wide)) return false;
  *v = static_cast<uint32_t>(wide);
  return true;
}

struct Entry {
  std::string_view key;
  std::string_view value;  // the Feature's bytes
};

// A length-delimited string inside [p, limit).
inline bool ReadString(const Byte** p, const Byte* limit, std::string_view* out) {
  uint32_t length;
  if (!ReadVarint32(p, limit, &length)) return false;
  if (length > static_cast<uint64_t>(limit - *p)) return false;
  *out = std::string_view(reinterpret_cast<const char*>(*p), length);
  *p += length;
  return true;
}

// A limit `length` bytes on, capped at the enclosing one (CodedInputStream::PushLimit).
inline const Byte* Limit(const Byte* p, const Byte* outer, uint32_t length) {
  return length < static_cast<uint64_t>(outer - p) ? p + length : outer;
}

inline bool ParseEntry(const Byte** p, const Byte* outer, Entry* entry) {
  uint32_t length;
  if (!ReadVarint32(p, outer, &length)) return false;
  const Byte* limit = Limit(*p, outer, length);
  entry->key = std::string_view();
  entry->value = std::string_view();
  for (int n = 0; n < 2; ++n) {
    uint32_t tag;
    if (*p >= limit || !ReadVarint32(p, limit, &tag)) return false;
    if (tag == 10) {
      if (!ReadString(p, limit, &entry->key)) return false;
    } else if (tag == 18) {
      if (!ReadString(p, limit, &entry->value)) return false;
    } else {
      return false;
    }
  }
  return *p == limit;
}

// An unknown field of Example (SkipExtraneousTag); groups refused.
inline bool SkipField(const Byte** p, const Byte* end) {
  uint32_t tag;
  if (!ReadVarint32(p, end, &tag)) return false;
  uint64_t ignored;
  switch (tag & 7) {
    case 0:
      return ReadVarint(p, end, &ignored);
    case 1:
      if (end - *p < 8) return false;
      *p += 8;
      return true;
    case 2: {
      uint32_t length;
      if (!ReadVarint32(p, end, &length)) return false;
      *p = Limit(*p, end, length);  // TF ignores a skip past the end
      return true;
    }
    case 5:
      if (end - *p < 4) return false;
      *p += 4;
      return true;
    default:
      return false;
  }
}

// The map entries of one serialized Example, in order, appended to `out`
// (a reused vector of the caller's). False for bytes TF cannot parse.
template <typename Vector>
bool ParseExample(std::string_view serialized, Vector* out) {
  const Byte* p = reinterpret_cast<const Byte*>(serialized.data());
  const Byte* end = p + serialized.size();
  while (p < end) {
    if (*p != 0x0A) {
      if (!SkipField(&p, end)) return false;
      continue;
    }
    ++p;
    uint32_t length;
    if (!ReadVarint32(&p, end, &length)) return false;
    const Byte* limit = Limit(p, end, length);
    while (p < limit) {
      if (*p != 0x0A) return false;
      ++p;
      Entry entry;
      if (!ParseEntry(&p, limit, &entry)) return false;
      out->push_back(entry);
    }
  }
  return true;
}

// The Feature's value type by its first byte; kInvalid for an empty Feature.
// False for any other first byte ("Unsupported datatype.").
inline bool FeatureType(std::string_view feature, ValueType* type) {
  if (feature.empty()) {
    *type = ValueType::kInvalid;
    return true;
  }
  switch (static_cast<Byte>(feature[0])) {
    case 0x0A: *type = ValueType::kBytes; return true;
    case 0x12: *type = ValueType::kFloat; return true;
    case 0x1A: *type = ValueType::kInt64; return true;
    default: return false;
  }
}

// The list's bytes: after the Feature's tag byte and the list's length,
// capped at the Feature's end.
struct List {
  const Byte* begin = nullptr;
  const Byte* end = nullptr;
};

inline bool ListOf(std::string_view feature, List* list) {
  const Byte* p = reinterpret_cast<const Byte*>(feature.data()) + 1;
  const Byte* end = reinterpret_cast<const Byte*>(feature.data()) + feature.size();
  uint32_t length;
  if (!ReadVarint32(&p, end, &length)) return false;
  list->begin = p;
  list->end = Limit(p, end, length);
  return true;
}

// Walks a FloatList: packed runs (0x0A, length, 4-byte floats; a length not a
// multiple of 4 leaves its last bytes unread) and an unpacked run (0x0D and 4
// bytes each) reaching the end. `emit(const Byte* bytes, count)` gets each
// run of little-endian floats (unpacked ones one at a time). False if malformed.
template <typename Emit>
bool WalkFloats(const List& list, Emit&& emit) {
  const Byte* p = list.begin;
  while (p < list.end) {
    if (*p == 0x0A) {
      ++p;
      uint32_t length;
      if (!ReadVarint32(&p, list.end, &length)) return false;
      if (length > static_cast<uint64_t>(list.end - p)) return false;
      emit(p, static_cast<int64_t>(length / 4));
      p += length;
    } else if (*p == 0x0D) {
      while (p < list.end) {
        if (*p != 0x0D || list.end - p < 5) return false;
        emit(p + 1, 1);
        p += 5;
      }
    } else {
      return false;
    }
  }
  return true;
}

// Walks an Int64List: packed runs (0x0A, length capped at the list's end,
// varints that end inside it) and an unpacked run (0x08, varint) to the end.
template <typename Emit>
bool WalkInt64s(const List& list, Emit&& emit) {
  const Byte* p = list.begin;
  uint64_t v;
  while (p < list.end) {
    if (*p == 0x0A) {
      ++p;
      uint32_t length;
      if (!ReadVarint32(&p, list.end, &length)) return false;
      const Byte* limit = Limit(p, list.end, length);
      while (p < limit) {
        if (!ReadVarint(&p, limit, &v)) return false;
        emit(static_cast<int64_t>(v));
      }
    } else if (*p == 0x08) {
      while (p < list.end) {
        if (*p != 0x08) return false;
        ++p;
        if (!ReadVarint(&p, list.end, &v)) return false;
        emit(static_cast<int64_t>(v));
      }
    } else {
      return false;
    }
  }
  return true;
}

// Walks a BytesList: (0x0A, length, bytes) to the end.
template <typename Emit>
bool WalkBytes(const List& list, Emit&& emit) {
  const Byte* p = list.begin;
  while (p < list.end) {
    if (*p != 0x0A) return false;
    ++p;
    std::string_view s;
    if (!ReadString(&p, list.end, &s)) return false;
    emit(s);
  }
  return true;
}

// The number of values in a list of `type`; -1 if malformed. Floats are
// counted without decoding, int64s by their varints' last bytes.
inline int64_t CountValues(ValueType type, const List& list) {
  int64_t n = 0;
  bool ok = false;
  switch (type) {
    case ValueType::kFloat:
      ok = WalkFloats(list, [&](const Byte*, int64_t count) { n += count; });
      break;
    case ValueType::kInt64:
      ok = WalkInt64s(list, [&](int64_t) { ++n; });
      break;
    case ValueType::kBytes:
      ok = WalkBytes(list, [&](std::string_view) { ++n; });
      break;
    case ValueType::kInvalid:
      break;
  }
  return ok ? n : -1;
}

}  // namespace example_wire
}  // namespace opbridge
