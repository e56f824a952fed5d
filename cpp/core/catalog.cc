// The op catalog: every registered op described as JSON, for tools
// (`opbridge ops`, coverage checks) that must not depend on the C++ types.
#include "opbridge/catalog.h"

#include <cstdio>

namespace opbridge {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string Args(const std::vector<ArgSpec>& args) {
  std::string out = "[";
  for (size_t i = 0; i < args.size(); ++i) {
    const ArgSpec& a = args[i];
    out += (i ? "," : "") + std::string("{\"name\":") + Quote(a.name) + ",\"type\":" +
           Quote(a.type_attr.empty() ? DTypeName(a.fixed_type) : a.type_attr) +
           (a.number_attr.empty() ? "" : ",\"number\":" + Quote(a.number_attr)) + "}";
  }
  return out + "]";
}

std::string Attrs(const std::vector<AttrSpec>& attrs) {
  std::string out = "[";
  for (size_t i = 0; i < attrs.size(); ++i) {
    const AttrSpec& a = attrs[i];
    std::string allowed = "[";
    for (size_t k = 0; k < a.allowed_types.size(); ++k) allowed += (k ? "," : "") + Quote(DTypeName(a.allowed_types[k]));
    for (size_t k = 0; k < a.allowed_strings.size(); ++k) allowed += (k ? "," : "") + Quote(a.allowed_strings[k]);
    allowed += "]";
    out += (i ? "," : "") + std::string("{\"name\":") + Quote(a.name) + ",\"type\":" + Quote(AttrTypeName(a.type)) +
           ",\"allowed\":" + allowed + ",\"default\":" +
           (a.default_value ? Quote(AttrValueToString(*a.default_value)) : std::string("null")) +
           ",\"text\":" + Quote(a.text) + "}";
  }
  return out + "]";
}

}  // namespace

std::string CatalogJson() {
  std::string out = "{\"ops\":[";
  const auto& ops = RegisteredOps();
  for (size_t i = 0; i < ops.size(); ++i) {
    const OpSpec& s = *ops[i];
    out += (i ? "," : "") + std::string("{\"name\":") + Quote(s.name()) + ",\"origin\":" +
           Quote(OpOriginName(s.origin())) + ",\"defined_by\":" + Quote(s.defined_by()) +
           ",\"replaces\":" + Quote(s.replaces()) + ",\"tflite_version\":" + std::to_string(s.tflite_version()) +
           ",\"tflite\":" + (s.has_tflite_kernel() ? "true" : "false") + ",\"doc\":" + Quote(s.doc()) +
           ",\"inputs\":" + Args(s.inputs()) + ",\"outputs\":" + Args(s.outputs()) + ",\"attrs\":" + Attrs(s.attrs()) +
           "}";
  }
  out += "],\"errors\":[";
  const auto& errors = RegistrationErrors();
  for (size_t i = 0; i < errors.size(); ++i) out += (i ? "," : "") + Quote(errors[i]);
  return out + "]}";
}

}  // namespace opbridge
