#include "core/catalog.h"

#include <string>
#include <vector>

#include "core/value_writer.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

// [{"name", "type" (a type attr's name or a fixed dtype), "number" (list args only)}, ...]
void WriteArgs(ValueWriter& out, const std::vector<ArgSpec>& args) {
  out.BeginList();
  for (const ArgSpec& a : args) {
    out.BeginMap();
    out.Key("name").String(a.name);
    out.Key("type").String(a.type_attr.empty() ? DTypeName(a.fixed_type) : a.type_attr);
    if (!a.number_attr.empty()) out.Key("number").String(a.number_attr);
    out.EndMap();
  }
  out.EndList();
}

// [{"name", "type", "allowed" (type or string set), "default" (its text, or null), "text"}, ...]
void WriteAttrs(ValueWriter& out, const std::vector<AttrSpec>& attrs) {
  out.BeginList();
  for (const AttrSpec& a : attrs) {
    out.BeginMap();
    out.Key("name").String(a.name);
    out.Key("type").String(AttrTypeName(a.type));
    out.Key("allowed").BeginList();
    for (DType t : a.allowed_types) out.String(DTypeName(t));
    for (const std::string& s : a.allowed_strings) out.String(s);
    out.EndList();
    out.Key("default");
    if (a.default_value) {
      out.String(AttrValueToString(*a.default_value));
    } else {
      out.Null();
    }
    out.Key("text").String(a.text);
    out.EndMap();
  }
  out.EndList();
}

}  // namespace

void WriteCatalog(ValueWriter& out) {
  out.BeginMap();
  out.Key("ops").BeginList();
  for (const auto& op : RegisteredOps()) {
    const OpSpec& s = *op;
    out.BeginMap();
    out.Key("name").String(s.name());
    out.Key("origin").String(OpOriginName(s.origin()));
    out.Key("defined_by").String(s.defined_by());
    out.Key("replaces").String(s.replaces());
    out.Key("tflite_version").Int(s.tflite_version());
    out.Key("tflite").Bool(s.has_tflite_kernel());
    out.Key("doc").String(s.doc());
    out.Key("inputs");
    WriteArgs(out, s.inputs());
    out.Key("outputs");
    WriteArgs(out, s.outputs());
    out.Key("attrs");
    WriteAttrs(out, s.attrs());
    out.EndMap();
  }
  out.EndList();
  out.Key("errors").BeginList();
  for (const std::string& error : RegistrationErrors()) out.String(error);
  out.EndList();
  out.EndMap();
}

}  // namespace opbridge
