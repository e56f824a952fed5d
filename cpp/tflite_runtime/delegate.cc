// The symbol-free registration route: an external delegate.
//
// Some runtimes cannot be given kernels through their op resolver (the public
// tf.lite.Interpreter has no custom_op_registerers; a stripped runtime has no
// AddCustom symbol to find; C++ tools take only an external delegate). Every
// runtime accepts delegates, though: this one claims the nodes whose custom
// op this library implements, and runs each claimed partition node by node
// through the op's own TfLiteRegistration (init/prepare/invoke/free), on
// TfLiteNode structs it owns. So there is one kernel path, reached two ways.
#include "tflite_runtime/delegate.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "tflite_runtime/abi_probe.h"
#include "adapters/tflite/kernel_adapter.h"

namespace opbridge {
namespace {

using namespace tflite_abi;  // NOLINT

constexpr int32_t kTfLiteBuiltinDelegate = 51;
constexpr int kTrackedDims = 48;

struct OwnedIntArray {
  TfLiteIntArray* array = nullptr;
  OwnedIntArray(const int* data, int size) {
    array = static_cast<TfLiteIntArray*>(std::malloc(sizeof(int) * (1 + static_cast<size_t>(size))));
    array->size = size;
    if (size > 0) std::memcpy(array->data, data, sizeof(int) * static_cast<size_t>(size));
  }
  explicit OwnedIntArray(const TfLiteIntArray* from)
      : OwnedIntArray(from ? from->data : nullptr, from ? from->size : 0) {}
  ~OwnedIntArray() { std::free(array); }
  OwnedIntArray(const OwnedIntArray&) = delete;
  OwnedIntArray& operator=(const OwnedIntArray&) = delete;
};

// One claimed node: the op's registration, its state, and the node struct we
// hand to the registration's callbacks.
struct SubNode {
  const TfLiteRegistration* registration = nullptr;
  std::unique_ptr<OwnedIntArray> inputs, outputs;
  TfLiteNode node{};
  // InputDims when it was last prepared (count -1: too many to keep, so it is
  // prepared at every invoke). A fixed array, not vectors: every library links
  // this file, and the selective build's 300 KB goal has little room (docs/size.md).
  int prepared_dims[kTrackedDims];
  int prepared_count = -1;
};

struct Partition {
  std::vector<std::unique_ptr<SubNode>> nodes;
  std::vector<int> outputs;  // tensors the rest of the graph reads (the runtime allocates those)
};

const TfLiteRegistration* OurRegistration(const TfLiteRegistration* theirs) {
  if (theirs == nullptr || theirs->builtin_code != kBuiltinOperatorCustom || theirs->custom_name == nullptr) {
    return nullptr;
  }
  if (std::strcmp(theirs->custom_name, kAbiProbeOpName) == 0) return AbiProbeRegistration();
  for (const TfLiteOpEntry& op : TfLiteOpTable()) {
    if (std::strcmp(op.registration->custom_name, theirs->custom_name) == 0) return op.registration;
  }
  return nullptr;
}

void* PartitionInit(TfLiteContext* context, const char* buffer, size_t) {
  const auto* params = reinterpret_cast<const TfLiteDelegateParams*>(buffer);
  auto partition = std::make_unique<Partition>();
  if (params && params->output_tensors) {
    partition->outputs.assign(params->output_tensors->data, params->output_tensors->data + params->output_tensors->size);
  }
  for (int i = 0; params && params->nodes_to_replace && i < params->nodes_to_replace->size; ++i) {
    TfLiteNode* node = nullptr;
    TfLiteRegistration* theirs = nullptr;
    if (context->GetNodeAndRegistration(context, params->nodes_to_replace->data[i], &node, &theirs) != kTfLiteOk) {
      continue;  // reported by prepare, which finds fewer nodes than claimed
    }
    auto sub = std::make_unique<SubNode>();
    sub->registration = OurRegistration(theirs);
    if (sub->registration == nullptr) continue;
    sub->inputs = std::make_unique<OwnedIntArray>(node->inputs);
    sub->outputs = std::make_unique<OwnedIntArray>(node->outputs);
    sub->node.inputs = sub->inputs->array;
    sub->node.outputs = sub->outputs->array;
    sub->node.custom_initial_data = node->custom_initial_data;
    sub->node.custom_initial_data_size = node->custom_initial_data_size;
    sub->node.user_data = sub->registration->init(
        context, static_cast<const char*>(node->custom_initial_data),
        node->custom_initial_data_size > 0 ? static_cast<size_t>(node->custom_initial_data_size) : 0);
    partition->nodes.push_back(std::move(sub));
  }
  return partition.release();
}

// Writes the node's input dims to `out`, flat: each input's rank (-1 for no
// tensor), then its dims. Returns how many ints, or -1 if they do not fit.
int InputDims(const TfLiteContext* context, const SubNode& sub, int* out) {
  int n = 0;
  for (int k = 0; k < sub.node.inputs->size; ++k) {
    const int index = sub.node.inputs->data[k];
    const TfLiteTensor* tensor =
        index >= 0 && static_cast<size_t>(index) < context->tensors_size ? &context->tensors[index] : nullptr;
    const TfLiteIntArray* shape = tensor != nullptr ? tensor->dims : nullptr;
    const int rank = shape != nullptr ? shape->size : -1;
    if (n + 1 + (rank > 0 ? rank : 0) > kTrackedDims) return -1;
    out[n++] = rank;
    for (int i = 0; i < rank; ++i) out[n++] = shape->data[i];
  }
  return n;
}

TfLiteStatus PrepareSubNode(TfLiteContext* context, SubNode& sub) {
  if (sub.registration->prepare(context, &sub.node) != kTfLiteOk) return kTfLiteError;
  sub.prepared_count = InputDims(context, sub, sub.prepared_dims);
  return kTfLiteOk;
}

void PartitionFree(TfLiteContext* context, void* buffer) {
  auto* partition = static_cast<Partition*>(buffer);
  for (auto& sub : partition->nodes) sub->registration->free(context, sub->node.user_data);
  delete partition;
}

TfLiteStatus PartitionPrepare(TfLiteContext* context, TfLiteNode* node) {
  auto* partition = static_cast<Partition*>(node->user_data);
  if (partition == nullptr) return kTfLiteError;
  for (auto& sub : partition->nodes) {
    // Tensors that stay inside the partition (passed between claimed nodes, or
    // outputs nobody reads) get no arena memory: make them dynamic, so the
    // op's ResizeTensor in prepare allocates them.
    for (int k = 0; k < sub->node.outputs->size; ++k) {
      const int index = sub->node.outputs->data[k];
      if (index < 0 || static_cast<size_t>(index) >= context->tensors_size) continue;
      bool read_outside = false;
      for (int out : partition->outputs) read_outside = read_outside || out == index;
      TfLiteTensor* tensor = &context->tensors[index];
      if (!read_outside && tensor->allocation_type != kTfLiteDynamic) {
        tensor->allocation_type = kTfLiteDynamic;
        tensor->data = nullptr;
      }
    }
    if (PrepareSubNode(context, *sub) != kTfLiteOk) return kTfLiteError;
  }
  return kTfLiteOk;
}

TfLiteStatus PartitionInvoke(TfLiteContext* context, TfLiteNode* node) {
  auto* partition = static_cast<Partition*>(node->user_data);
  if (partition == nullptr) return kTfLiteError;
  for (auto& sub : partition->nodes) {
    // An earlier node of this partition with a value-dependent output shape
    // (StringSplitV2, UniqueWithCounts) resizes it at invoke, after this node
    // was prepared for the old shape; the runtime re-prepares the nodes after
    // such an op, but it sees the partition as one node. Prepare again, or the
    // node computes (and writes) for stale shapes.
    int now[kTrackedDims];
    const int count = InputDims(context, *sub, now);
    const bool changed = count < 0 || count != sub->prepared_count ||
                         std::memcmp(now, sub->prepared_dims, static_cast<size_t>(count) * sizeof(int)) != 0;
    if (changed) {
      // Its outputs may change size: the runtime cannot re-plan its arena inside
      // our invoke, so an arena output becomes dynamic (the runtime re-prepares
      // the nodes after a resized dynamic tensor). Others (internal ones, already
      // dynamic; CompiledModel's bound buffers) stay as they are.
      for (int k = 0; k < sub->node.outputs->size; ++k) {
        const int index = sub->node.outputs->data[k];
        if (index < 0 || static_cast<size_t>(index) >= context->tensors_size) continue;
        TfLiteTensor* tensor = &context->tensors[index];
        if (tensor->allocation_type == kTfLiteArenaRw) {
          tensor->allocation_type = kTfLiteDynamic;
          tensor->data = nullptr;
        }
      }
      if (PrepareSubNode(context, *sub) != kTfLiteOk) return kTfLiteError;
    }
    if (sub->registration->invoke(context, &sub->node) != kTfLiteOk) return kTfLiteError;
  }
  return kTfLiteOk;
}

TfLiteRegistration PartitionRegistration() {
  TfLiteRegistration r;
  std::memset(&r, 0, sizeof(r));
  r.init = &PartitionInit;
  r.free = &PartitionFree;
  r.prepare = &PartitionPrepare;
  r.invoke = &PartitionInvoke;
  r.builtin_code = kTfLiteBuiltinDelegate;
  r.custom_name = "OpbridgeDelegateKernel";
  r.version = 1;
  return r;
}

TfLiteStatus DelegatePrepare(TfLiteContext* context, TfLiteDelegate* delegate) {
  TfLiteIntArray* plan = nullptr;
  if (context->GetExecutionPlan(context, &plan) != kTfLiteOk || plan == nullptr) return kTfLiteError;
  std::vector<int> claimed;
  for (int i = 0; i < plan->size; ++i) {
    TfLiteNode* node = nullptr;
    TfLiteRegistration* registration = nullptr;
    if (context->GetNodeAndRegistration(context, plan->data[i], &node, &registration) != kTfLiteOk) continue;
    if (OurRegistration(registration) != nullptr) claimed.push_back(plan->data[i]);
  }
  if (claimed.empty()) return kTfLiteOk;
  const OwnedIntArray nodes(claimed.data(), static_cast<int>(claimed.size()));
  // The runtime copies what it needs from `nodes`; it does not take ownership.
  const auto replace = reinterpret_cast<ReplaceNodeSubsetsFn>(context->ReplaceNodeSubsetsWithDelegateKernels);
  return replace(context, PartitionRegistration(), nodes.array, delegate);
}

}  // namespace

TfLiteDelegate* CreateDelegate() {
  auto* delegate = new TfLiteDelegate();
  std::memset(delegate, 0, sizeof(*delegate));
  delegate->Prepare = &DelegatePrepare;
  // Ops whose output shapes depend on values (UniqueWithCounts) resize at invoke.
  delegate->flags = kTfLiteDelegateFlagsAllowDynamicTensors;
  return delegate;
}

void DestroyDelegate(TfLiteDelegate* delegate) { delete delegate; }

}  // namespace opbridge
