#include "adapters/tflite/resource_store.h"

#include <map>
#include <mutex>

namespace opbridge {

using namespace tflite_abi;  // NOLINT: the ABI names read like TFLite's own

Status AcquireResourceStore(TfLiteContext* context, std::shared_ptr<ResourceStore>* out) {
  OPBRIDGE_REQUIRE(context->GetExternalContext != nullptr,
                   "this runtime gives kernels no GetExternalContext, so opbridge cannot tell which "
                   "interpreter a resource (lookup table) belongs to");
  // The interpreter owns this context and hands every subgraph the same one.
  // (An application that gives several interpreters one CPU backend context
  // makes them share resources too: documented in docs/design.md.)
  void* key = context->GetExternalContext(context, kTfLiteCpuBackendContext);
  OPBRIDGE_REQUIRE(key != nullptr, "the interpreter has no CPU backend context to keep resources by");

  static std::mutex mu;
  static auto* stores = new std::map<void*, std::weak_ptr<ResourceStore>>();  // never destroyed
  std::lock_guard<std::mutex> lock(mu);
  for (auto it = stores->begin(); it != stores->end();) {  // forget interpreters whose nodes are gone
    it = it->second.expired() ? stores->erase(it) : std::next(it);
  }
  std::weak_ptr<ResourceStore>& slot = (*stores)[key];
  std::shared_ptr<ResourceStore> store = slot.lock();
  if (store == nullptr) {
    store = std::make_shared<ResourceStore>();
    slot = store;
  }
  *out = std::move(store);
  return Status::Ok();
}

}  // namespace opbridge
