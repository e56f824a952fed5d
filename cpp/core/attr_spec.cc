// Parser for the subset of TF's op-definition language that ops use:
//   attrs:  "T: {float, double}", "T: type = DT_FLOAT", "adjoint: bool = false",
//           "k: int >= 0 = 1", "eps: float = 1e-5", "mode: {'a', 'b'} = 'a'",
//           "name: string = ''", "ksizes: list(int)", "w: list(float) = [0.5]"
//   args:   "x: T", "x: float"
// Declarations are authored in op files and parsed once at load, so errors
// here are authoring mistakes reported through RegistrationErrors().
#include <cctype>
#include <string>
#include <utility>
#include <variant>

#include "core/attr_text.h"
#include "core/attr_traits.h"
#include "opbridge/attr.h"

namespace opbridge {
namespace {

using attr_text::ParseInt;
using attr_text::SplitList;
using attr_text::Trim;
using attr_text::Unquote;

bool IsIdentifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// "bool", "list(float)", ...: the type whose traits carry that name.
bool AttrTypeFromName(const std::string& name, AttrType* out) {
  for (const AttrType type : kAllAttrTypes) {
    if (name == AttrTypeName(type)) {
      *out = type;
      return true;
    }
  }
  return false;
}

Status ParseDefault(const AttrSpec& spec, const std::string& text, AttrValue* out) {
  return VisitAttrType(spec.type, [&](auto traits) {
    using Traits = decltype(traits);
    typename Traits::Value value{};
    if (!Traits::Parse(text, &value)) return Errorf("attr '", spec.name, "': bad default '", text, "'");
    *out = std::move(value);
    return Status::Ok();
  });
}

}  // namespace

const char* AttrTypeName(AttrType type) {
  return VisitAttrType(type, [](auto traits) { return decltype(traits)::kName; });
}

std::string AttrValueToString(const AttrValue& value) {
  return VisitAttrType(AttrTypeOf(value), [&](auto traits) {
    using Traits = decltype(traits);
    return Traits::Print(std::get<typename Traits::Value>(value));
  });
}

Status ParseAttrSpec(const std::string& text, AttrSpec* out) {
  AttrSpec spec;
  spec.text = text;
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return Errorf("attr declaration '", text, "' has no ':'");
  spec.name = Trim(text.substr(0, colon));
  if (!IsIdentifier(spec.name)) return Errorf("attr declaration '", text, "': bad name");

  std::string rest = text.substr(colon + 1);
  std::string default_text;
  // '=' inside a quoted default ('a=b') is not the separator, so take the first
  // '=' outside quotes and braces.
  {
    char quote = 0;
    int depth = 0;
    for (size_t i = 0; i < rest.size(); ++i) {
      const char c = rest[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '{' || c == '[' || c == '(') {
        ++depth;
      } else if (c == '}' || c == ']' || c == ')') {
        --depth;
      } else if (c == '>' && i + 1 < rest.size() && rest[i + 1] == '=') {
        ++i;  // ">=" is a constraint, not a default
      } else if (c == '=' && depth == 0) {
        default_text = Trim(rest.substr(i + 1));
        rest = rest.substr(0, i);
        break;
      }
    }
  }
  std::string type_text = Trim(rest);

  if (type_text.size() >= 2 && type_text.front() == '{' && type_text.back() == '}') {
    const std::vector<std::string> items = SplitList(type_text.substr(1, type_text.size() - 2));
    if (items.empty()) return Errorf("attr '", spec.name, "': empty set");
    std::string unquoted;
    if (Unquote(items[0], &unquoted)) {
      spec.type = AttrType::kString;
      for (const std::string& item : items) {
        if (!Unquote(item, &unquoted)) return Errorf("attr '", spec.name, "': mixed set");
        spec.allowed_strings.push_back(unquoted);
      }
    } else {
      spec.type = AttrType::kType;
      for (const std::string& item : items) {
        const DType t = DTypeFromName(item);
        if (t == DType::kInvalid) return Errorf("attr '", spec.name, "': unknown type '", item, "'");
        spec.allowed_types.push_back(t);
      }
    }
  } else if (type_text.rfind("int", 0) == 0) {
    spec.type = AttrType::kInt;
    const std::string constraint = Trim(type_text.substr(3));
    if (!constraint.empty()) {
      int64_t minimum;
      if (constraint.rfind(">=", 0) != 0 || !ParseInt(Trim(constraint.substr(2)), &minimum)) {
        return Errorf("attr '", spec.name, "': bad constraint '", constraint, "'");
      }
      spec.minimum = minimum;
    }
  } else if (!AttrTypeFromName(type_text, &spec.type)) {
    return Errorf("attr '", spec.name, "': unsupported type '", type_text, "'");
  }

  if (!default_text.empty()) {
    AttrValue value;
    OPBRIDGE_RETURN_IF_ERROR(ParseDefault(spec, default_text, &value));
    OPBRIDGE_RETURN_IF_ERROR(spec.Check(value));
    spec.default_value = value;
  }
  *out = std::move(spec);
  return Status::Ok();
}

Status AttrSpec::Check(const AttrValue& value) const {
  if (AttrTypeOf(value) != type) {
    return Errorf("attr '", name, "' must be ", AttrTypeName(type), ", got ", AttrValueToString(value));
  }
  // The constraints the declaration language has: a type set, int >= N, a string set.
  if (const DType* t = std::get_if<DType>(&value)) {
    if (*t == DType::kInvalid) return Errorf("attr '", name, "' is not a known type");
    if (!allowed_types.empty()) {
      bool found = false;
      std::string allowed;
      for (DType a : allowed_types) {
        found = found || a == *t;
        allowed += std::string(allowed.empty() ? "" : ", ") + DTypeName(a);
      }
      if (!found) return Errorf("attr '", name, "' is ", DTypeName(*t), ", expected one of {", allowed, "}");
    }
  } else if (const int64_t* v = std::get_if<int64_t>(&value)) {
    if (minimum && *v < *minimum) return Errorf("attr '", name, "' is ", *v, ", must be >= ", *minimum);
  } else if (const std::string* s = std::get_if<std::string>(&value)) {
    if (!allowed_strings.empty()) {
      std::string allowed;
      bool found = false;
      for (const std::string& a : allowed_strings) {
        found = found || a == *s;
        allowed += (allowed.empty() ? "'" : ", '") + a + "'";
      }
      if (!found) return Errorf("attr '", name, "' is '", *s, "', expected one of {", allowed, "}");
    }
  }
  return Status::Ok();
}

Status ParseArgSpec(const std::string& text, ArgSpec* out) {
  ArgSpec spec;
  spec.text = text;
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return Errorf("arg declaration '", text, "' has no ':'");
  spec.name = Trim(text.substr(0, colon));
  if (!IsIdentifier(spec.name)) return Errorf("arg declaration '", text, "': bad name");
  std::string type_text = Trim(text.substr(colon + 1));
  const size_t star = type_text.find('*');
  if (star != std::string::npos) {
    spec.number_attr = Trim(type_text.substr(0, star));
    if (!IsIdentifier(spec.number_attr)) return Errorf("arg declaration '", text, "': bad list length");
    type_text = Trim(type_text.substr(star + 1));
  }
  const DType fixed = DTypeFromName(type_text);
  if (fixed != DType::kInvalid) {
    spec.fixed_type = fixed;
  } else if (IsIdentifier(type_text)) {
    spec.type_attr = type_text;
  } else {
    return Errorf("arg declaration '", text, "': unsupported type '", type_text, "'");
  }
  *out = std::move(spec);
  return Status::Ok();
}

void AttrMap::Set(const std::string& name, AttrValue value) {
  for (auto& entry : entries_) {
    if (entry.first == name) {
      entry.second = std::move(value);
      return;
    }
  }
  entries_.emplace_back(name, std::move(value));
}

const AttrValue* AttrMap::Find(const std::string& name) const {
  for (const auto& entry : entries_) {
    if (entry.first == name) return &entry.second;
  }
  return nullptr;
}

}  // namespace opbridge
