#include "adapters/tflite/select_tf_options.h"

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "adapters/tflite/attr_decoding.h"
#include "adapters/tflite/flexbuffer.h"
#include "core/attr_traits.h"

namespace opbridge {
namespace {

// Protocol-buffer wire format, the subset NodeDef and AttrValue use
// (tensorflow/core/framework/node_def.proto, attr_value.proto).
enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

class ProtoReader {
 public:
  ProtoReader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool done() const { return p_ == end_; }

  Status Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      OPBRIDGE_REQUIRE(p_ < end_, "truncated varint");
      const uint8_t byte = *p_++;
      v |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        *out = v;
        return Status::Ok();
      }
    }
    return Errorf("varint longer than 10 bytes");
  }
  Status Tag(uint32_t* field, int* wire) {
    uint64_t tag;
    OPBRIDGE_RETURN_IF_ERROR(Varint(&tag));
    *field = static_cast<uint32_t>(tag >> 3);
    *wire = static_cast<int>(tag & 7);
    OPBRIDGE_REQUIRE(*field != 0, "field number 0");
    return Status::Ok();
  }
  Status Bytes(const uint8_t** data, size_t* size) {
    uint64_t n;
    OPBRIDGE_RETURN_IF_ERROR(Varint(&n));
    OPBRIDGE_REQUIRE(n <= static_cast<uint64_t>(end_ - p_), "length ", n, " runs past the end (",
                     end_ - p_, " bytes left)");
    *data = p_;
    *size = static_cast<size_t>(n);
    p_ += n;
    return Status::Ok();
  }
  Status Fixed32(uint32_t* out) {
    OPBRIDGE_REQUIRE(end_ - p_ >= 4, "truncated fixed32");
    std::memcpy(out, p_, 4);  // little-endian hosts only, as the whole adapter
    p_ += 4;
    return Status::Ok();
  }
  Status Skip(int wire) {
    uint64_t ignored;
    const uint8_t* data;
    size_t size;
    switch (wire) {
      case kVarint: return Varint(&ignored);
      case kFixed64:
        OPBRIDGE_REQUIRE(end_ - p_ >= 8, "truncated fixed64");
        p_ += 8;
        return Status::Ok();
      case kLengthDelimited: return Bytes(&data, &size);
      case kFixed32:
        OPBRIDGE_REQUIRE(end_ - p_ >= 4, "truncated fixed32");
        p_ += 4;
        return Status::Ok();
      default: return Errorf("unsupported wire type ", wire);
    }
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// One AttrValue: which oneof field is set, and its value.
struct ProtoAttr {
  uint32_t field = 0;  // 1 list, 2 s, 3 i, 4 f, 5 b, 6 type; others kept as "unsupported"
  std::string s;
  int64_t i = 0;
  float f = 0;
  bool b = false;
  std::vector<int64_t> list_i, list_type;
  std::vector<float> list_f;
  std::vector<std::string> list_s;
  size_t list_other = 0;  // list entries of kinds no opbridge attr has (b, shape, ...)
};

const char* FieldKind(uint32_t field) {
  switch (field) {
    case 1: return "list";
    case 2: return "string";
    case 3: return "int";
    case 4: return "float";
    case 5: return "bool";
    case 6: return "type";
    case 7: return "shape";
    case 8: return "tensor";
    case 9: return "placeholder";
    case 10: return "func";
    default: return "unknown field";
  }
}

// A repeated scalar: packed (one length-delimited run) or one entry per tag.
template <typename Read>
Status Repeated(ProtoReader& r, int wire, int scalar_wire, Read read) {
  if (wire == kLengthDelimited) {
    const uint8_t* data;
    size_t size;
    OPBRIDGE_RETURN_IF_ERROR(r.Bytes(&data, &size));
    ProtoReader packed(data, size);
    while (!packed.done()) OPBRIDGE_RETURN_IF_ERROR(read(packed));
    return Status::Ok();
  }
  OPBRIDGE_REQUIRE(wire == scalar_wire, "list entry has wire type ", wire);
  return read(r);
}

Status ParseList(const uint8_t* data, size_t size, ProtoAttr* out) {
  ProtoReader r(data, size);
  while (!r.done()) {
    uint32_t field;
    int wire;
    OPBRIDGE_RETURN_IF_ERROR(r.Tag(&field, &wire));
    if (field == 3 || field == 6) {
      std::vector<int64_t>& list = field == 3 ? out->list_i : out->list_type;
      OPBRIDGE_RETURN_IF_ERROR(Repeated(r, wire, kVarint, [&](ProtoReader& in) {
        uint64_t v;
        OPBRIDGE_RETURN_IF_ERROR(in.Varint(&v));
        list.push_back(static_cast<int64_t>(v));
        return Status::Ok();
      }));
    } else if (field == 4) {
      OPBRIDGE_RETURN_IF_ERROR(Repeated(r, wire, kFixed32, [&](ProtoReader& in) {
        uint32_t bits = 0;
        OPBRIDGE_RETURN_IF_ERROR(in.Fixed32(&bits));
        float v;
        std::memcpy(&v, &bits, sizeof(v));
        out->list_f.push_back(v);
        return Status::Ok();
      }));
    } else if (field == 2 && wire == kLengthDelimited) {  // repeated bytes s: one entry per tag
      const uint8_t* bytes;
      size_t n;
      OPBRIDGE_RETURN_IF_ERROR(r.Bytes(&bytes, &n));
      out->list_s.emplace_back(reinterpret_cast<const char*>(bytes), n);
    } else {
      ++out->list_other;
      OPBRIDGE_RETURN_IF_ERROR(r.Skip(wire));
    }
  }
  return Status::Ok();
}

Status ParseAttrValue(const uint8_t* data, size_t size, ProtoAttr* out) {
  ProtoReader r(data, size);
  while (!r.done()) {
    uint32_t field;
    int wire;
    OPBRIDGE_RETURN_IF_ERROR(r.Tag(&field, &wire));
    out->field = field;
    uint64_t v = 0;
    const uint8_t* bytes;
    size_t n;
    if ((field == 3 || field == 5 || field == 6) && wire == kVarint) {
      OPBRIDGE_RETURN_IF_ERROR(r.Varint(&v));
      out->i = static_cast<int64_t>(v);
      out->b = v != 0;
    } else if (field == 4 && wire == kFixed32) {
      uint32_t bits = 0;
      OPBRIDGE_RETURN_IF_ERROR(r.Fixed32(&bits));
      std::memcpy(&out->f, &bits, sizeof(out->f));
    } else if ((field == 1 || field == 2) && wire == kLengthDelimited) {
      OPBRIDGE_RETURN_IF_ERROR(r.Bytes(&bytes, &n));
      if (field == 2) out->s.assign(reinterpret_cast<const char*>(bytes), n);
      if (field == 1) OPBRIDGE_RETURN_IF_ERROR(ParseList(bytes, n, out));
    } else {
      OPBRIDGE_RETURN_IF_ERROR(r.Skip(wire));
    }
  }
  return Status::Ok();
}

// TF's DataType numbering (tensorflow/core/framework/types.proto).
DType DTypeFromTfEnum(int64_t v) {
  switch (v) {
    case 1: return DType::kFloat32;
    case 2: return DType::kFloat64;
    case 3: return DType::kInt32;
    case 4: return DType::kUInt8;
    case 5: return DType::kInt16;
    case 6: return DType::kInt8;
    case 7: return DType::kString;
    case 8: return DType::kComplex64;
    case 9: return DType::kInt64;
    case 10: return DType::kBool;
    case 14: return DType::kBFloat16;
    case 17: return DType::kUInt16;
    case 18: return DType::kComplex128;
    case 19: return DType::kFloat16;
    case 22: return DType::kUInt32;
    case 23: return DType::kUInt64;
    default: return DType::kInvalid;
  }
}

Status ToDType(const std::string& attr, int64_t number, DType* out) {
  *out = DTypeFromTfEnum(number);
  OPBRIDGE_REQUIRE(*out != DType::kInvalid, "attr '", attr, "' holds TF DataType ", number,
                   ", which opbridge does not know");
  return Status::Ok();
}

// The NodeDef attr as the declared attr's value type.
Status FromProto(const AttrSpec& spec, const ProtoAttr& a, AttrValue* out) {
  const auto mismatch = [&] {
    return Errorf("attr '", spec.name, "' must be ", AttrTypeName(spec.type), " but the NodeDef holds a ",
                  FieldKind(a.field));
  };
  switch (spec.type) {
    case AttrType::kType: {
      if (a.field != 6) return mismatch();
      DType t;
      OPBRIDGE_RETURN_IF_ERROR(ToDType(spec.name, a.i, &t));
      *out = t;
      return Status::Ok();
    }
    case AttrType::kBool:
      if (a.field != 5) return mismatch();
      *out = a.b;
      return Status::Ok();
    case AttrType::kInt:
      if (a.field != 3) return mismatch();
      *out = a.i;
      return Status::Ok();
    case AttrType::kFloat:
      if (a.field != 4) return mismatch();
      *out = static_cast<double>(a.f);
      return Status::Ok();
    case AttrType::kString:
      if (a.field != 2) return mismatch();
      *out = a.s;
      return Status::Ok();
    case AttrType::kListInt:
    case AttrType::kListFloat:
    case AttrType::kListType:
    case AttrType::kListString: break;
  }
  if (a.field != 1) return mismatch();
  const bool ints = spec.type == AttrType::kListInt, floats = spec.type == AttrType::kListFloat;
  const bool strings = spec.type == AttrType::kListString;
  const size_t others = a.list_other + (ints ? 0 : a.list_i.size()) + (floats ? 0 : a.list_f.size()) +
                        (spec.type == AttrType::kListType ? 0 : a.list_type.size()) +
                        (strings ? 0 : a.list_s.size());
  OPBRIDGE_REQUIRE(others == 0, "attr '", spec.name, "' must be ", AttrTypeName(spec.type),
                   " but the NodeDef's list holds other kinds of values");
  if (ints) {
    *out = a.list_i;
  } else if (floats) {
    *out = std::vector<double>(a.list_f.begin(), a.list_f.end());
  } else if (strings) {
    *out = a.list_s;
  } else {
    std::vector<DType> types;
    for (const int64_t v : a.list_type) {
      DType t;
      OPBRIDGE_RETURN_IF_ERROR(ToDType(spec.name, v, &t));
      types.push_back(t);
    }
    *out = std::move(types);
  }
  return Status::Ok();
}

}  // namespace

Status DecodeSelectTfAttrs(const OpSpec& spec, const uint8_t* options, size_t size, AttrMap* out) {
  OPBRIDGE_REQUIRE(options != nullptr && size > 0, "a Select TF ops node needs its NodeDef in the options");
  flex::Value root;
  const Status decoded = flex::Decode(options, size, &root);
  OPBRIDGE_REQUIRE(decoded.ok(), "Select TF options are not a valid flexbuffer: ", decoded.message());
  OPBRIDGE_REQUIRE(root.kind == flex::Value::Kind::kVector && root.items.size() == 2 &&
                       root.items[0].kind == flex::Value::Kind::kString &&
                       (root.items[1].kind == flex::Value::Kind::kString ||
                        root.items[1].kind == flex::Value::Kind::kBlob),
                   "Select TF options must be a flexbuffer vector [op name, NodeDef]");
  OPBRIDGE_REQUIRE(root.items[0].s == spec.name(), "Select TF options name op '", root.items[0].s, "'");

  const std::string& node_def = root.items[1].s;
  const auto* bytes = reinterpret_cast<const uint8_t*>(node_def.data());
  std::vector<std::pair<std::string, ProtoAttr>> attrs;
  ProtoReader r(bytes, node_def.size());
  while (!r.done()) {
    uint32_t field;
    int wire;
    OPBRIDGE_RETURN_IF_ERROR(r.Tag(&field, &wire));
    if (field != 5 || wire != kLengthDelimited) {
      OPBRIDGE_RETURN_IF_ERROR(r.Skip(wire));
      continue;
    }
    // map<string, AttrValue> entry: key = 1, value = 2.
    const uint8_t* entry;
    size_t entry_size;
    OPBRIDGE_RETURN_IF_ERROR(r.Bytes(&entry, &entry_size));
    ProtoReader e(entry, entry_size);
    std::string key;
    ProtoAttr value;
    while (!e.done()) {
      uint32_t f;
      int w;
      OPBRIDGE_RETURN_IF_ERROR(e.Tag(&f, &w));
      const uint8_t* data;
      size_t n;
      if (f == 1 && w == kLengthDelimited) {
        OPBRIDGE_RETURN_IF_ERROR(e.Bytes(&data, &n));
        key.assign(reinterpret_cast<const char*>(data), n);
      } else if (f == 2 && w == kLengthDelimited) {
        OPBRIDGE_RETURN_IF_ERROR(e.Bytes(&data, &n));
        value = ProtoAttr();
        const Status parsed = ParseAttrValue(data, n, &value);
        OPBRIDGE_REQUIRE(parsed.ok(), "NodeDef attr '", key, "': ", parsed.message());
      } else {
        OPBRIDGE_RETURN_IF_ERROR(e.Skip(w));
      }
    }
    attrs.emplace_back(std::move(key), std::move(value));
  }

  return FillAttrs(
      spec, "the NodeDef",
      [&](const AttrSpec& attr, bool* found, AttrValue* value) {
        const ProtoAttr* given = nullptr;
        for (const auto& [key, parsed] : attrs) {
          if (key == attr.name) given = &parsed;  // the last one wins, as in a proto map
        }
        *found = given != nullptr;
        return given != nullptr ? FromProto(attr, *given, value) : Status::Ok();
      },
      out);
}

}  // namespace opbridge
