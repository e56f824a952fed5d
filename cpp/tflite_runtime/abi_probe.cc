#include "tflite_runtime/abi_probe.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/value_writer.h"
#include "opbridge/status.h"

namespace opbridge {
namespace {

using namespace tflite_abi;  // NOLINT

struct Record {
  bool prepared = false;
  bool invoked = false;
  size_t tensors_size = 0;
  int input_index = -1;
  int output_index = -1;
  int input_type = -1;
  int input_allocation_type = -1;
  std::vector<int> input_dims;
  size_t input_bytes = 0;
  std::string input_name;
  int recommended_num_threads = 0;
  size_t options_size = 0;
  std::string options_hex;
  uintptr_t input_data = 0;
  uintptr_t output_data = 0;
  std::string error;
};

thread_local Record g_record;

// Bounded reads only: if the layout is wrong these values are garbage, and
// the point is to report that, not to follow them.
TfLiteTensor* Tensor(TfLiteContext* context, const TfLiteIntArray* indices, int* index_out) {
  if (indices == nullptr || indices->size != 1) return nullptr;
  const int index = indices->data[0];
  if (index < 0 || static_cast<size_t>(index) >= context->tensors_size || context->tensors_size > (1u << 24)) {
    return nullptr;
  }
  *index_out = index;
  return &context->tensors[index];
}

void* Init(TfLiteContext*, const char* buffer, size_t length) {
  g_record = Record();
  g_record.options_size = length;
  static const char* kHex = "0123456789abcdef";
  for (size_t i = 0; buffer != nullptr && i < length && i < 64; ++i) {
    g_record.options_hex += kHex[(static_cast<unsigned char>(buffer[i]) >> 4) & 15];
    g_record.options_hex += kHex[static_cast<unsigned char>(buffer[i]) & 15];
  }
  return nullptr;
}

void Free(TfLiteContext*, void*) {}

TfLiteStatus Prepare(TfLiteContext* context, TfLiteNode* node) {
  Record& r = g_record;
  r.tensors_size = context->tensors_size;
  r.recommended_num_threads = context->recommended_num_threads;
  TfLiteTensor* in = Tensor(context, node->inputs, &r.input_index);
  TfLiteTensor* out = Tensor(context, node->outputs, &r.output_index);
  if (in == nullptr || out == nullptr) {
    r.error = "node inputs/outputs unreadable";
    return kTfLiteError;
  }
  r.input_type = in->type;
  r.input_allocation_type = in->allocation_type;
  r.input_bytes = in->bytes;
  if (in->dims == nullptr || in->dims->size < 0 || in->dims->size > 8) {
    r.error = "input dims unreadable";
    return kTfLiteError;
  }
  r.input_dims.assign(in->dims->data, in->dims->data + in->dims->size);
  if (in->name != nullptr) r.input_name.assign(in->name, strnlen(in->name, 128));
  auto* dims = static_cast<TfLiteIntArray*>(std::malloc(sizeof(int) * (1 + r.input_dims.size())));
  dims->size = static_cast<int>(r.input_dims.size());
  for (size_t d = 0; d < r.input_dims.size(); ++d) dims->data[d] = r.input_dims[d];
  r.prepared = true;
  return context->ResizeTensor(context, out, dims);
}

TfLiteStatus Invoke(TfLiteContext* context, TfLiteNode* node) {
  Record& r = g_record;
  int index;
  TfLiteTensor* in = Tensor(context, node->inputs, &index);
  TfLiteTensor* out = Tensor(context, node->outputs, &index);
  if (in == nullptr || out == nullptr || in->type != kTfLiteFloat32 || out->type != kTfLiteFloat32 ||
      in->bytes != out->bytes) {
    r.error = "tensors unreadable at invoke";
    return kTfLiteError;
  }
  r.input_data = reinterpret_cast<uintptr_t>(in->data);
  r.output_data = reinterpret_cast<uintptr_t>(out->data);
  const auto* x = static_cast<const float*>(in->data);
  auto* y = static_cast<float*>(out->data);
  for (size_t i = 0; i < in->bytes / sizeof(float); ++i) y[i] = 2.0f * x[i] + 1.0f;
  r.invoked = true;
  return kTfLiteOk;
}

}  // namespace

const TfLiteRegistration* AbiProbeRegistration() {
  static PaddedRegistration* padded = [] {
    auto* p = new PaddedRegistration();
    std::memset(p, 0, sizeof(*p));
    p->registration.init = &Init;
    p->registration.free = &Free;
    p->registration.prepare = &Prepare;
    p->registration.invoke = &Invoke;
    p->registration.builtin_code = kBuiltinOperatorCustom;
    p->registration.custom_name = kAbiProbeOpName;
    p->registration.version = 1;
    return p;
  }();
  return &padded->registration;
}

void WriteAbiProbeRecord(ValueWriter& out) {
  const Record& r = g_record;
  out.BeginMap();
  out.Key("prepared").Bool(r.prepared);
  out.Key("invoked").Bool(r.invoked);
  out.Key("tensors_size").UInt(r.tensors_size);
  out.Key("input_index").Int(r.input_index);
  out.Key("output_index").Int(r.output_index);
  out.Key("input_type").Int(r.input_type);
  out.Key("input_allocation_type").Int(r.input_allocation_type);
  out.Key("input_bytes").UInt(r.input_bytes);
  out.Key("input_dims").BeginList();
  for (const int d : r.input_dims) out.Int(d);
  out.EndList();
  out.Key("input_name").String(r.input_name);
  out.Key("recommended_num_threads").Int(r.recommended_num_threads);
  out.Key("options_size").UInt(r.options_size);
  out.Key("options_hex").String(r.options_hex);
  out.Key("input_data").UInt(r.input_data);
  out.Key("output_data").UInt(r.output_data);
  out.Key("error").String(r.error);
  out.EndMap();
}

}  // namespace opbridge
