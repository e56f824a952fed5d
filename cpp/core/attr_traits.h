// One traits entry per attr type: the C++ value the AttrValue variant holds
// for it, its name in TF's op-definition language, how its default text
// parses, how it prints (messages, the catalog's defaults) and how it is
// written to the C interface's value sink. Code that must handle every attr
// type visits them (VisitAttrType) instead of writing a switch.
//
// What only an adapter knows per type (TF's GetAttr in tf_adapter.cc, the
// flexbuffer reading in attr_decoding.cc) sits beside that adapter as
// overloads on Value, because core links neither TF nor the TFLite adapter;
// a new attr type then fails to compile there until it is handled.
#pragma once

#include <cstdint>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/attr_text.h"
#include "core/value_writer.h"
#include "opbridge/attr.h"

namespace opbridge {

template <AttrType kType>
struct AttrTraits;

template <>
struct AttrTraits<AttrType::kType> {
  static constexpr AttrType kType = AttrType::kType;
  using Value = DType;
  static constexpr const char* kName = "type";
  static bool Parse(const std::string& text, Value* out) {
    *out = DTypeFromName(text);
    return *out != DType::kInvalid;
  }
  static std::string Print(Value v) { return DTypeName(v); }
  static void Write(ValueWriter& w, Value v) { w.String(DTypeName(v)); }  // by name: "float"
};

template <>
struct AttrTraits<AttrType::kBool> {
  static constexpr AttrType kType = AttrType::kBool;
  using Value = bool;
  static constexpr const char* kName = "bool";
  static bool Parse(const std::string& text, Value* out) {
    *out = text == "true";
    return text == "true" || text == "false";
  }
  static std::string Print(Value v) { return v ? "true" : "false"; }
  static void Write(ValueWriter& w, Value v) { w.Bool(v); }
};

template <>
struct AttrTraits<AttrType::kInt> {
  static constexpr AttrType kType = AttrType::kInt;
  using Value = int64_t;
  static constexpr const char* kName = "int";
  static bool Parse(const std::string& text, Value* out) { return attr_text::ParseInt(text, out); }
  static std::string Print(Value v) { return std::to_string(v); }
  static void Write(ValueWriter& w, Value v) { w.Int(v); }
};

template <>
struct AttrTraits<AttrType::kFloat> {  // TF's float attrs, held in double
  static constexpr AttrType kType = AttrType::kFloat;
  using Value = double;
  static constexpr const char* kName = "float";
  static bool Parse(const std::string& text, Value* out) { return attr_text::ParseDouble(text, out); }
  static std::string Print(Value v) { return StrCat(v); }
  static void Write(ValueWriter& w, Value v) { w.Double(v); }
};

template <>
struct AttrTraits<AttrType::kString> {
  static constexpr AttrType kType = AttrType::kString;
  using Value = std::string;
  static constexpr const char* kName = "string";
  static bool Parse(const std::string& text, Value* out) { return attr_text::Unquote(text, out); }
  static std::string Print(const Value& v) { return "'" + v + "'"; }
  static void Write(ValueWriter& w, const Value& v) { w.String(v); }
};

// list(T) in terms of T: "[a, b]" of T's texts, printed "[a, b]", written as a list.
template <typename Element>
struct ListAttrTraits {
  using Value = std::vector<typename Element::Value>;
  static bool Parse(const std::string& text, Value* out) {
    if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
    out->clear();
    for (const std::string& item : attr_text::SplitList(text.substr(1, text.size() - 2))) {
      typename Element::Value v;
      if (!Element::Parse(item, &v)) return false;
      out->push_back(std::move(v));
    }
    return true;
  }
  static std::string Print(const Value& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + Element::Print(v[i]);
    return s + "]";
  }
  static void Write(ValueWriter& w, const Value& v) {
    w.BeginList();
    for (const auto& e : v) Element::Write(w, e);
    w.EndList();
  }
};

template <>
struct AttrTraits<AttrType::kListInt> : ListAttrTraits<AttrTraits<AttrType::kInt>> {
  static constexpr AttrType kType = AttrType::kListInt;
  static constexpr const char* kName = "list(int)";
};

template <>
struct AttrTraits<AttrType::kListFloat> : ListAttrTraits<AttrTraits<AttrType::kFloat>> {
  static constexpr AttrType kType = AttrType::kListFloat;
  static constexpr const char* kName = "list(float)";
};

template <>
struct AttrTraits<AttrType::kListType> : ListAttrTraits<AttrTraits<AttrType::kType>> {
  static constexpr AttrType kType = AttrType::kListType;
  static constexpr const char* kName = "list(type)";
};

template <>
struct AttrTraits<AttrType::kListString> : ListAttrTraits<AttrTraits<AttrType::kString>> {
  static constexpr AttrType kType = AttrType::kListString;
  static constexpr const char* kName = "list(string)";
};

inline constexpr AttrType kAllAttrTypes[] = {AttrType::kType,      AttrType::kBool,     AttrType::kInt,
                                             AttrType::kFloat,     AttrType::kString,   AttrType::kListInt,
                                             AttrType::kListFloat, AttrType::kListType, AttrType::kListString};

// Calls fn(AttrTraits<type>{}) and returns what it returns.
template <typename F>
decltype(auto) VisitAttrType(AttrType type, F&& fn) {
  switch (type) {
    case AttrType::kType: return fn(AttrTraits<AttrType::kType>{});
    case AttrType::kBool: return fn(AttrTraits<AttrType::kBool>{});
    case AttrType::kInt: return fn(AttrTraits<AttrType::kInt>{});
    case AttrType::kFloat: return fn(AttrTraits<AttrType::kFloat>{});
    case AttrType::kString: return fn(AttrTraits<AttrType::kString>{});
    case AttrType::kListInt: return fn(AttrTraits<AttrType::kListInt>{});
    case AttrType::kListFloat: return fn(AttrTraits<AttrType::kListFloat>{});
    case AttrType::kListType: return fn(AttrTraits<AttrType::kListType>{});
    case AttrType::kListString: break;
  }
  return fn(AttrTraits<AttrType::kListString>{});
}

// AttrValue lists its alternatives in AttrType order, so a value's index is its type.
template <AttrType kType>
constexpr bool kVariantMatches =
    std::is_same_v<std::variant_alternative_t<static_cast<size_t>(kType), AttrValue>,
                   typename AttrTraits<kType>::Value>;
static_assert(kVariantMatches<AttrType::kType> && kVariantMatches<AttrType::kBool> &&
                  kVariantMatches<AttrType::kInt> && kVariantMatches<AttrType::kFloat> &&
                  kVariantMatches<AttrType::kString> && kVariantMatches<AttrType::kListInt> &&
                  kVariantMatches<AttrType::kListFloat> && kVariantMatches<AttrType::kListType> &&
                  kVariantMatches<AttrType::kListString> && std::variant_size_v<AttrValue> == std::size(kAllAttrTypes),
              "AttrValue's alternatives must follow AttrType");

inline AttrType AttrTypeOf(const AttrValue& value) { return static_cast<AttrType>(value.index()); }

// Writes a value as its own type says (AttrTraits<...>::Write).
inline void WriteAttrValue(ValueWriter& w, const AttrValue& value) {
  VisitAttrType(AttrTypeOf(value), [&](auto traits) {
    using Traits = decltype(traits);
    Traits::Write(w, std::get<typename Traits::Value>(value));
  });
}

}  // namespace opbridge
