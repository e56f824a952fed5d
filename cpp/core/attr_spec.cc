// Parser for the subset of TF's op-definition language that ops use:
//   attrs:  "T: {float, double}", "T: type = DT_FLOAT", "adjoint: bool = false",
//           "k: int >= 0 = 1", "eps: float = 1e-5", "mode: {'a', 'b'} = 'a'",
//           "name: string = ''", "ksizes: list(int)", "w: list(float) = [0.5]"
//   args:   "x: T", "x: float"
// Declarations are authored in op files and parsed once at load, so errors
// here are authoring mistakes reported through RegistrationErrors().
#include <cctype>
#include <cstdlib>

#include "opbridge/attr.h"

namespace opbridge {
namespace {

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool IsIdentifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// Splits "a, b, c" at top-level commas.
std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> items;
  std::string current;
  char quote = 0;
  for (char c : s) {
    if (quote) {
      if (c == quote) quote = 0;
      current += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      current += c;
    } else if (c == ',') {
      items.push_back(Trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!Trim(current).empty()) items.push_back(Trim(current));
  return items;
}

bool Unquote(const std::string& s, std::string* out) {
  if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front()) return false;
  *out = s.substr(1, s.size() - 2);
  return true;
}

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0') return false;
  *out = v;
  return true;
}

bool ParseDouble(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (*end != '\0') return false;
  *out = v;
  return true;
}

Status ParseDefault(const AttrSpec& spec, const std::string& text, AttrValue* out) {
  const auto bad = [&]() { return Errorf("attr '", spec.name, "': bad default '", text, "'"); };
  switch (spec.type) {
    case AttrType::kType: {
      const DType t = DTypeFromName(text);
      if (t == DType::kInvalid) return bad();
      *out = t;
      return Status::Ok();
    }
    case AttrType::kBool:
      if (text == "true" || text == "false") {
        *out = text == "true";
        return Status::Ok();
      }
      return bad();
    case AttrType::kInt: {
      int64_t v;
      if (!ParseInt(text, &v)) return bad();
      *out = v;
      return Status::Ok();
    }
    case AttrType::kFloat: {
      double v;
      if (!ParseDouble(text, &v)) return bad();
      *out = v;
      return Status::Ok();
    }
    case AttrType::kString: {
      std::string v;
      if (!Unquote(text, &v)) return bad();
      *out = v;
      return Status::Ok();
    }
    case AttrType::kListInt:
    case AttrType::kListFloat: {
      if (text.size() < 2 || text.front() != '[' || text.back() != ']') return bad();
      std::vector<int64_t> ints;
      std::vector<double> floats;
      for (const std::string& item : SplitList(text.substr(1, text.size() - 2))) {
        if (spec.type == AttrType::kListInt) {
          int64_t v;
          if (!ParseInt(item, &v)) return bad();
          ints.push_back(v);
        } else {
          double v;
          if (!ParseDouble(item, &v)) return bad();
          floats.push_back(v);
        }
      }
      if (spec.type == AttrType::kListInt) {
        *out = ints;
      } else {
        *out = floats;
      }
      return Status::Ok();
    }
  }
  return bad();
}

}  // namespace

const char* AttrTypeName(AttrType type) {
  switch (type) {
    case AttrType::kType: return "type";
    case AttrType::kBool: return "bool";
    case AttrType::kInt: return "int";
    case AttrType::kFloat: return "float";
    case AttrType::kString: return "string";
    case AttrType::kListInt: return "list(int)";
    case AttrType::kListFloat: return "list(float)";
  }
  return "?";
}

std::string AttrValueToString(const AttrValue& value) {
  struct Visitor {
    std::string operator()(DType v) const { return DTypeName(v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return StrCat(v); }
    std::string operator()(const std::string& v) const { return "'" + v + "'"; }
    std::string operator()(const std::vector<int64_t>& v) const {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
      return s + "]";
    }
    std::string operator()(const std::vector<double>& v) const {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + StrCat(v[i]);
      return s + "]";
    }
  };
  return std::visit(Visitor{}, value);
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
  } else if (type_text == "type") {
    spec.type = AttrType::kType;
  } else if (type_text == "bool") {
    spec.type = AttrType::kBool;
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
  } else if (type_text == "float") {
    spec.type = AttrType::kFloat;
  } else if (type_text == "string") {
    spec.type = AttrType::kString;
  } else if (type_text == "list(int)") {
    spec.type = AttrType::kListInt;
  } else if (type_text == "list(float)") {
    spec.type = AttrType::kListFloat;
  } else {
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
  const auto wrong_type = [&]() {
    return Errorf("attr '", name, "' must be ", AttrTypeName(type), ", got ", AttrValueToString(value));
  };
  switch (type) {
    case AttrType::kType: {
      const DType* t = std::get_if<DType>(&value);
      if (!t) return wrong_type();
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
      return Status::Ok();
    }
    case AttrType::kBool:
      return std::holds_alternative<bool>(value) ? Status::Ok() : wrong_type();
    case AttrType::kInt: {
      const int64_t* v = std::get_if<int64_t>(&value);
      if (!v) return wrong_type();
      if (minimum && *v < *minimum) return Errorf("attr '", name, "' is ", *v, ", must be >= ", *minimum);
      return Status::Ok();
    }
    case AttrType::kFloat:
      return std::holds_alternative<double>(value) ? Status::Ok() : wrong_type();
    case AttrType::kString: {
      const std::string* s = std::get_if<std::string>(&value);
      if (!s) return wrong_type();
      if (!allowed_strings.empty()) {
        std::string allowed;
        bool found = false;
        for (const std::string& a : allowed_strings) {
          found = found || a == *s;
          allowed += (allowed.empty() ? "'" : ", '") + a + "'";
        }
        if (!found) return Errorf("attr '", name, "' is '", *s, "', expected one of {", allowed, "}");
      }
      return Status::Ok();
    }
    case AttrType::kListInt:
      return std::holds_alternative<std::vector<int64_t>>(value) ? Status::Ok() : wrong_type();
    case AttrType::kListFloat:
      return std::holds_alternative<std::vector<double>>(value) ? Status::Ok() : wrong_type();
  }
  return wrong_type();
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
