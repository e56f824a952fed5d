// Attributes and argument declarations, written in TF's op-definition language.
//
// An op declares "mode: {'bilinear', 'nearest'} = 'bilinear'" once. The TF
// adapter hands the same text to TF's OpDefBuilder; the TFLite adapter parses
// it (ParseAttrSpec) to know each attr's type, allowed values and default when
// it decodes the flexbuffer the converter wrote.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "opbridge/dtype.h"
#include "opbridge/status.h"

namespace opbridge {

enum class AttrType { kType, kBool, kInt, kFloat, kString, kListInt, kListFloat, kListType, kListString };
const char* AttrTypeName(AttrType type);

using AttrValue = std::variant<DType, bool, int64_t, double, std::string, std::vector<int64_t>,
                               std::vector<double>, std::vector<DType>, std::vector<std::string>>;
std::string AttrValueToString(const AttrValue& value);

// One parsed "name: type [constraint] [= default]" declaration.
struct AttrSpec {
  std::string text;  // as written, handed verbatim to TF
  std::string name;
  AttrType type = AttrType::kInt;
  std::vector<DType> allowed_types;         // type attrs: {float, double}; empty = any
  std::vector<std::string> allowed_strings;  // string attrs: {'a', 'b'}; empty = any
  std::optional<int64_t> minimum;            // int attrs: ">= N"
  std::optional<AttrValue> default_value;

  // OK if `value` has this attr's type and satisfies its constraints.
  Status Check(const AttrValue& value) const;
};

// One parsed input/output declaration: "name: T" (T a type attr), "name: float",
// a list "name: N * T" of N tensors (N an int attr), or a list of tensors of
// different types "name: T" (T a list(type) attr). Lists are for TFLite
// kernels of TF's or TFLite-only ops: the TFLite adapter flattens them and
// the kernel sees their tensors one by one. An input list is the last input;
// its length and types are bound from the node's tensors where the options
// do not give them (the converter drops list(type) attrs).
struct ArgSpec {
  std::string text;
  std::string name;
  std::string type_attr;           // set when the dtype comes from an attr
  DType fixed_type = DType::kInvalid;  // set otherwise
  std::string number_attr;         // set for a list "N * T"
};

Status ParseAttrSpec(const std::string& text, AttrSpec* out);
Status ParseArgSpec(const std::string& text, ArgSpec* out);

// The decoded attrs of one node: every declared attr, defaults filled in.
// Kernels never see it: they read their typed params (opbridge/params.h).
class AttrMap {
 public:
  void Set(const std::string& name, AttrValue value);
  const AttrValue* Find(const std::string& name) const;

  const std::vector<std::pair<std::string, AttrValue>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, AttrValue>> entries_;
};

}  // namespace opbridge
