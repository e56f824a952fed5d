#include "adapters/tflite/attr_decoding.h"

#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "adapters/tflite/flexbuffer.h"
#include "core/attr_traits.h"

namespace opbridge {
namespace {

using flex::Value;

bool AsInt(const Value& v, int64_t* out) {
  if (v.kind == Value::Kind::kInt) {
    *out = v.i;
    return true;
  }
  if (v.kind == Value::Kind::kUInt && v.u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    *out = static_cast<int64_t>(v.u);
    return true;
  }
  return false;
}

bool AsDouble(const Value& v, double* out) {
  int64_t i;
  if (v.kind == Value::Kind::kFloat) {
    *out = v.f;
    return true;
  }
  if (AsInt(v, &i)) {
    *out = static_cast<double>(i);
    return true;
  }
  return false;
}

// How each attr value type is read from what the converter wrote; false when
// the options hold the wrong kind of value.
bool FromFlex(const Value& v, DType* out) {
  int64_t number;
  if (!AsInt(v, &number)) return false;
  *out = DTypeFromSchemaType(number);  // kInvalid for unknown numbers: Convert says which
  return true;
}

bool FromFlex(const Value& v, bool* out) {
  int64_t number;
  if (v.kind == Value::Kind::kBool) {
    *out = v.b;
  } else if (AsInt(v, &number)) {
    *out = number != 0;  // composites' attrs: the converter writes true as -1
  } else {
    return false;
  }
  return true;
}

bool FromFlex(const Value& v, int64_t* out) { return AsInt(v, out); }
bool FromFlex(const Value& v, double* out) { return AsDouble(v, out); }

bool FromFlex(const Value& v, std::string* out) {
  if (v.kind != Value::Kind::kString) return false;
  *out = v.s;
  return true;
}

template <typename T>
bool FromFlex(const Value& v, std::vector<T>* out) {
  if (v.kind != Value::Kind::kVector) return false;
  out->resize(v.items.size());
  for (size_t k = 0; k < v.items.size(); ++k) {
    if (!FromFlex(v.items[k], &(*out)[k])) return false;
  }
  return true;
}

Status Convert(const AttrSpec& spec, const Value& v, AttrValue* out) {
  return VisitAttrType(spec.type, [&](auto traits) {
    typename decltype(traits)::Value value{};
    if (!FromFlex(v, &value)) {
      return Errorf("attr '", spec.name, "' must be ", AttrTypeName(spec.type), " but the options hold a ",
                    flex::KindName(v.kind));
    }
    if constexpr (std::is_same_v<decltype(value), DType>) {
      int64_t number = 0;
      AsInt(v, &number);  // as FromFlex read it
      OPBRIDGE_REQUIRE(value != DType::kInvalid, "attr '", spec.name, "' holds TFLite type number ", number,
                       ", which opbridge does not know");
    }
    *out = std::move(value);
    return Status::Ok();
  });
}

}  // namespace

DType DTypeFromSchemaType(int64_t schema_type) {
  switch (schema_type) {
    case 0: return DType::kFloat32;
    case 1: return DType::kFloat16;
    case 2: return DType::kInt32;
    case 3: return DType::kUInt8;
    case 4: return DType::kInt64;
    case 5: return DType::kString;
    case 6: return DType::kBool;
    case 7: return DType::kInt16;
    case 8: return DType::kComplex64;
    case 9: return DType::kInt8;
    case 10: return DType::kFloat64;
    case 11: return DType::kComplex128;
    case 12: return DType::kUInt64;
    case 15: return DType::kUInt32;
    case 16: return DType::kUInt16;
    case 18: return DType::kBFloat16;
    default: return DType::kInvalid;
  }
}

Status FillAttrs(const OpSpec& spec, const char* source, const AttrLookup& lookup, AttrMap* out) {
  for (const AttrSpec& attr : spec.attrs()) {
    AttrValue value;
    bool found = false;
    OPBRIDGE_RETURN_IF_ERROR(lookup(attr, &found, &value));
    if (!found) {
      if (attr.default_value) {
        value = *attr.default_value;
      } else if (spec.AttrBoundByTensors(attr)) {
        continue;  // bound from the node's tensors by the kernel adapter
      } else {
        return Errorf("attr '", attr.name, "' is missing from ", source, " and has no default");
      }
    }
    OPBRIDGE_RETURN_IF_ERROR(attr.Check(value));
    out->Set(attr.name, std::move(value));
  }
  return Status::Ok();
}

Status DecodeAttrs(const OpSpec& spec, const uint8_t* options, size_t size, AttrMap* out) {
  constexpr char kSource[] = "the custom options";
  if (spec.options_decoder() != nullptr) {
    AttrMap decoded;
    OPBRIDGE_RETURN_IF_ERROR(spec.options_decoder()(options, options ? size : 0, &decoded));
    return FillAttrs(
        spec, kSource,
        [&](const AttrSpec& attr, bool* found, AttrValue* value) {
          const AttrValue* given = decoded.Find(attr.name);
          *found = given != nullptr;
          if (given != nullptr) *value = *given;
          return Status::Ok();
        },
        out);
  }
  Value root;
  root.kind = Value::Kind::kMap;  // no options at all: every attr takes its default
  if (size > 0) {
    const Status status = flex::Decode(options, size, &root);
    OPBRIDGE_REQUIRE(status.ok(), "custom options are not a valid flexbuffer: ", status.message());
    OPBRIDGE_REQUIRE(root.kind == Value::Kind::kMap, "custom options must be a flexbuffer map, got a ",
                     flex::KindName(root.kind));
  }
  return FillAttrs(
      spec, kSource,
      [&](const AttrSpec& attr, bool* found, AttrValue* value) {
        const Value* given = root.Find(attr.name);
        *found = given != nullptr;
        return given != nullptr ? Convert(attr, *given, value) : Status::Ok();
      },
      out);
}

}  // namespace opbridge
