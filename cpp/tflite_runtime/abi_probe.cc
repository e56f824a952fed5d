#include "abi_probe.h"

#include <cstdint>
#include <cstring>
#include <sstream>
#include <vector>

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

std::string AbiProbeRecordJson() {
  const Record& r = g_record;
  std::ostringstream out;
  out << "{\"prepared\":" << (r.prepared ? "true" : "false") << ",\"invoked\":" << (r.invoked ? "true" : "false")
      << ",\"tensors_size\":" << r.tensors_size << ",\"input_index\":" << r.input_index
      << ",\"output_index\":" << r.output_index << ",\"input_type\":" << r.input_type
      << ",\"input_allocation_type\":" << r.input_allocation_type << ",\"input_bytes\":" << r.input_bytes
      << ",\"input_dims\":[";
  for (size_t i = 0; i < r.input_dims.size(); ++i) out << (i ? "," : "") << r.input_dims[i];
  out << "],\"input_name\":\"";
  for (char c : r.input_name) out << ((c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) ? '?' : c);
  out << "\",\"recommended_num_threads\":" << r.recommended_num_threads << ",\"options_size\":" << r.options_size
      << ",\"options_hex\":\"" << r.options_hex << "\",\"input_data\":" << r.input_data
      << ",\"output_data\":" << r.output_data << ",\"error\":\"" << r.error << "\"}";
  return out.str();
}

}  // namespace opbridge
