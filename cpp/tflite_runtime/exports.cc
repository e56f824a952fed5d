// The C interface of a kernel library (opbridge/app/tflite_c_api.h), named with
// this library's prefix (OPBRIDGE_EXPORT_PREFIX, set by opbridge_add_op_library).
// These are the only symbols the library exports.
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "adapters/litert/accelerator.h"
#include "adapters/tflite/attr_decoding.h"
#include "adapters/tflite/select_tf_options.h"
#include "adapters/tflite/flexbuffer.h"
#include "adapters/tflite/kernel_adapter.h"
#include "core/attr_traits.h"
#include "core/catalog.h"
#include "core/value_writer.h"
#include "opbridge/app/tflite_c_api.h"
#include "tflite_runtime/abi_probe.h"
#include "tflite_runtime/delegate.h"
#include "tflite_runtime/resolver_bridge.h"

#ifndef OPBRIDGE_EXPORT_PREFIX
#error "OPBRIDGE_EXPORT_PREFIX must name this library's C prefix"
#endif
#define OPBRIDGE_C_NAME(suffix) OPBRIDGE_CONCAT(OPBRIDGE_EXPORT_PREFIX, suffix)
#define OPBRIDGE_C_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

thread_local std::string g_last_error;

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
      t->push_back({entry.registration->custom_name, entry.registration});
    }
    return t;
  }();
  return *table;
}

// 0, or 1 with the message kept for prefix_last_error.
int Fail(std::string message) {
  g_last_error = std::move(message);
  return 1;
}

// A NULL sink or callback is the caller's bug: reported, never called.
bool SinkUsable(const OpbridgeValueSink* sink) {
  return sink != nullptr && sink->null_value && sink->bool_value && sink->int_value && sink->uint_value &&
         sink->double_value && sink->string_value && sink->bytes_value && sink->begin_list && sink->end_list &&
         sink->begin_map && sink->key && sink->end_map && sink->error;
}

// The failure of a call that writes into `sink`: the reason goes to the sink
// with its length (it may quote option bytes, NULs included) and to last_error.
int Fail(const OpbridgeValueSink* sink, std::string message) {
  sink->error(sink->context, message.data(), message.size());
  return Fail(std::move(message));
}

constexpr char kBadSink[] = "value sink is NULL or has a NULL callback";

}  // namespace

OPBRIDGE_C_EXPORT int OPBRIDGE_C_NAME(_tflite_ops)(const OpbridgeTfLiteOp** ops) {
  const auto& table = CTable();
  if (ops != nullptr) *ops = table.data();
  return static_cast<int>(table.size());
}

OPBRIDGE_C_EXPORT int OPBRIDGE_C_NAME(_register_ops_checked)(void* resolver) {
  const opbridge::Status status = opbridge::AddOpsToResolver(resolver, RegistrationList());
  return status.ok() ? 0 : Fail(status.message());
}

OPBRIDGE_C_EXPORT void OPBRIDGE_C_NAME(_register_ops)(void* resolver) {
  if (OPBRIDGE_C_NAME(_register_ops_checked)(resolver) != 0) {
    std::fprintf(stderr, "opbridge: could not register kernels: %s\n", g_last_error.c_str());
  }
}

OPBRIDGE_C_EXPORT const char* OPBRIDGE_C_NAME(_last_error)(void) { return g_last_error.c_str(); }

OPBRIDGE_C_EXPORT int OPBRIDGE_C_NAME(_catalog)(const OpbridgeValueSink* sink) {
  if (!SinkUsable(sink)) return Fail(kBadSink);
  opbridge::ValueWriter out(*sink);
  opbridge::WriteCatalog(out);
  return 0;
}

// Decoded in full before anything is written, so a failure writes no value.
OPBRIDGE_C_EXPORT int OPBRIDGE_C_NAME(_decode_options)(const char* op, const void* data, size_t size,
                                                       const OpbridgeValueSink* sink) {
  if (!SinkUsable(sink)) return Fail(kBadSink);
  const opbridge::OpSpec* spec = op ? opbridge::FindOp(op) : nullptr;
  // "Flex<Op>": a TF op's Select TF ops node, whose options are a NodeDef.
  const size_t prefix = sizeof(opbridge::kSelectTfPrefix) - 1;
  bool select_tf = false;
  if (spec == nullptr && op != nullptr && std::strncmp(op, opbridge::kSelectTfPrefix, prefix) == 0) {
    if (!opbridge::kSelectTfBuilt) {
      return Fail(sink, std::string(op) + ": this selective build of opbridge runs no Select TF ops nodes "
                        "(build it again with a model that has them: opbridge build-selective)");
    }
    spec = opbridge::FindOp(op + prefix);
    select_tf = spec != nullptr && spec->origin() == opbridge::OpOrigin::kTensorFlow && spec->has_tflite_kernel();
    if (!select_tf) spec = nullptr;
  }
  if (spec == nullptr) return Fail(sink, std::string("no op named ") + (op ? op : "NULL"));
  opbridge::AttrMap attrs;
  const auto* bytes = static_cast<const uint8_t*>(data);
  const opbridge::Status status = opbridge::kSelectTfBuilt && select_tf
                                      ? opbridge::DecodeSelectTfAttrs(*spec, bytes, data ? size : 0, &attrs)
                                      : opbridge::DecodeAttrs(*spec, bytes, data ? size : 0, &attrs);
  if (!status.ok()) return Fail(sink, spec->name() + ": " + status.message());
  opbridge::ValueWriter out(*sink);
  out.BeginMap();
  for (const auto& [name, value] : attrs.entries()) {
    out.Key(name);
    opbridge::WriteAttrValue(out, value);
  }
  out.EndMap();
  return 0;
}

OPBRIDGE_C_EXPORT int OPBRIDGE_C_NAME(_decode_flexbuffer)(const void* data, size_t size,
                                                          const OpbridgeValueSink* sink) {
  if (!SinkUsable(sink)) return Fail(kBadSink);
  opbridge::flex::Value value;
  const opbridge::Status status = opbridge::flex::Decode(static_cast<const uint8_t*>(data), data ? size : 0, &value);
  if (!status.ok()) return Fail(sink, status.message());
  opbridge::ValueWriter out(*sink);
  opbridge::flex::Write(value, out);
  return 0;
}

OPBRIDGE_C_EXPORT int OPBRIDGE_C_NAME(_abi_probe_record)(const OpbridgeValueSink* sink) {
  if (!SinkUsable(sink)) return Fail(kBadSink);
  opbridge::ValueWriter out(*sink);
  opbridge::WriteAbiProbeRecord(out);
  return 0;
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

// LiteRT's CompiledModel API: this library's ops as an accelerator of a
// LiteRtEnvironment (adapters/litert/accelerator.h). `litert_library` names the
// libLiteRt the environment comes from (NULL: the one the process linked).
OPBRIDGE_C_EXPORT int OPBRIDGE_C_NAME(_litert_register)(void* environment, const char* litert_library) {
  std::string error = opbridge::RegisterLiteRtAccelerator(environment, litert_library,
                                                          OPBRIDGE_STRINGIFY(OPBRIDGE_EXPORT_PREFIX));
  return error.empty() ? 0 : Fail(std::move(error));
}
