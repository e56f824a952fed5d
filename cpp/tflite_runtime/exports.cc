// The C interface of a kernel library (opbridge/tflite_c_api.h), named with
// this library's prefix (OPBRIDGE_EXPORT_PREFIX, set by opbridge_add_op_library).
// These are the only symbols the library exports.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "abi_probe.h"
#include "attr_decoding.h"
#include "delegate.h"
#include "flexbuffer.h"
#include "kernel_adapter.h"
#include "opbridge/catalog.h"
#include "opbridge/tflite_c_api.h"
#include "resolver_bridge.h"

#ifndef OPBRIDGE_EXPORT_PREFIX
#error "OPBRIDGE_EXPORT_PREFIX must name this library's C prefix"
#endif
#define OPBRIDGE_C_NAME(suffix) OPBRIDGE_CONCAT(OPBRIDGE_EXPORT_PREFIX, suffix)
#define OPBRIDGE_C_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

thread_local std::string g_last_error;
thread_local std::string g_decoded;

// Every op with a TFLite kernel, then the ABI probe.
const std::vector<opbridge::TfLiteOpEntry>& RegistrationList() {
  static const auto* list = [] {
    auto* v = new std::vector<opbridge::TfLiteOpEntry>(opbridge::TfLiteOpTable());
    static const opbridge::OpSpec probe_spec(opbridge::kAbiProbeOpName);
    v->push_back({&probe_spec, opbridge::AbiProbeRegistration()});
    return v;
  }();
  return *list;
}

std::vector<OpbridgeTfLiteOp>& CTable() {
  static auto* table = [] {
    auto* t = new std::vector<OpbridgeTfLiteOp>();
    for (const auto& entry : opbridge::TfLiteOpTable()) {
      t->push_back({entry.spec->name().c_str(), entry.registration});
    }
    return t;
  }();
  return *table;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// An attr as a typed JSON value: types by name, strings unquoted, lists as arrays.
std::string AttrJson(const opbridge::AttrValue& value) {
  struct Visitor {
    std::string operator()(opbridge::DType v) const { return JsonString(opbridge::DTypeName(v)); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return Number(v); }
    std::string operator()(const std::string& v) const { return JsonString(v); }
    std::string operator()(const std::vector<int64_t>& v) const {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
      return s + "]";
    }
    std::string operator()(const std::vector<double>& v) const {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + Number(v[i]);
      return s + "]";
    }
    static std::string Number(double v) {
      if (std::isnan(v)) return "\"nan\"";
      if (std::isinf(v)) return v > 0 ? "\"inf\"" : "\"-inf\"";
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", v);
      return buf;
    }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace

OPBRIDGE_C_EXPORT int OPBRIDGE_C_NAME(_tflite_ops)(const OpbridgeTfLiteOp** ops) {
  const auto& table = CTable();
  if (ops != nullptr) *ops = table.data();
  return static_cast<int>(table.size());
}

OPBRIDGE_C_EXPORT int OPBRIDGE_C_NAME(_register_ops_checked)(void* resolver) {
  const opbridge::Status status = opbridge::AddOpsToResolver(resolver, RegistrationList());
  if (status.ok()) return 0;
  g_last_error = status.message();
  return 1;
}

OPBRIDGE_C_EXPORT void OPBRIDGE_C_NAME(_register_ops)(void* resolver) {
  if (OPBRIDGE_C_NAME(_register_ops_checked)(resolver) != 0) {
    std::fprintf(stderr, "opbridge: could not register kernels: %s\n", g_last_error.c_str());
  }
}

OPBRIDGE_C_EXPORT const char* OPBRIDGE_C_NAME(_last_error)(void) { return g_last_error.c_str(); }

OPBRIDGE_C_EXPORT const char* OPBRIDGE_C_NAME(_catalog_json)(void) {
  static const std::string* json = new std::string(opbridge::CatalogJson());
  return json->c_str();
}

OPBRIDGE_C_EXPORT const char* OPBRIDGE_C_NAME(_decode_options_json)(const char* op, const void* data,
                                                                    size_t size) {
  const opbridge::OpSpec* spec = op ? opbridge::FindOp(op) : nullptr;
  if (spec == nullptr) {
    g_decoded = "{\"ok\":false,\"error\":" + JsonString(std::string("no op named ") + (op ? op : "NULL")) + "}";
    return g_decoded.c_str();
  }
  opbridge::AttrMap attrs;
  const opbridge::Status status =
      opbridge::DecodeAttrs(*spec, static_cast<const uint8_t*>(data), data ? size : 0, &attrs);
  if (!status.ok()) {
    g_decoded = "{\"ok\":false,\"error\":" + JsonString(spec->name() + ": " + status.message()) + "}";
    return g_decoded.c_str();
  }
  g_decoded = "{\"ok\":true,\"attrs\":{";
  bool first = true;
  for (const auto& [name, value] : attrs.entries()) {
    g_decoded += (first ? "" : ",") + JsonString(name) + ":" + AttrJson(value);
    first = false;
  }
  g_decoded += "}}";
  return g_decoded.c_str();
}

// TFLite's external-delegate plugin interface (load_delegate(path), C++ tools'
// --external_delegate_path): the symbol-free way to run this library's ops.
OPBRIDGE_C_EXPORT opbridge::tflite_abi::TfLiteDelegate* tflite_plugin_create_delegate(
    char** /*keys*/, char** /*values*/, size_t /*count*/, void (*/*report_error*/)(const char*)) {
  return opbridge::CreateDelegate();
}

OPBRIDGE_C_EXPORT void tflite_plugin_destroy_delegate(opbridge::tflite_abi::TfLiteDelegate* delegate) {
  opbridge::DestroyDelegate(delegate);
}

OPBRIDGE_C_EXPORT const char* OPBRIDGE_C_NAME(_flexbuffer_json)(const void* data, size_t size) {
  opbridge::flex::Value value;
  const opbridge::Status status = opbridge::flex::Decode(static_cast<const uint8_t*>(data), data ? size : 0, &value);
  g_decoded = status.ok() ? "{\"ok\":true,\"value\":" + opbridge::flex::ToJson(value) + "}"
                          : "{\"ok\":false,\"error\":" + JsonString(status.message()) + "}";
  return g_decoded.c_str();
}

OPBRIDGE_C_EXPORT const char* OPBRIDGE_C_NAME(_abi_probe_record)(void) {
  static thread_local std::string record;
  record = opbridge::AbiProbeRecordJson();
  return record.c_str();
}
