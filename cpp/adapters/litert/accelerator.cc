#include "adapters/litert/accelerator.h"

#include <cstring>
#include <mutex>

#include "adapters/litert/litert_abi.h"
#include "tflite_runtime/delegate.h"

namespace opbridge {
namespace {

using namespace litert_abi;  // NOLINT: the ABI names read like LiteRT's own

// One libLiteRt per process is what LiteRT supports; the first one found is
// kept for the delegate callbacks (LiteRtWrapDelegate must come from the
// library whose environment calls us).
struct Registered {
  std::mutex mutex;
  AcceleratorApi api;
  bool loaded = false;
  std::string library;
  std::string name;
};

Registered& State() {
  static auto* state = new Registered();  // never destroyed: LiteRT may call back at exit
  return *state;
}

LiteRtStatus GetName(LiteRtAcceleratorConst, const char** name) {
  if (name == nullptr) return kLiteRtStatusErrorInvalidArgument;
  *name = State().name.c_str();
  return kLiteRtStatusOk;
}

LiteRtStatus GetVersion(LiteRtAcceleratorConst, LiteRtApiVersion* version) {
  if (version == nullptr) return kLiteRtStatusErrorInvalidArgument;
  *version = LiteRtApiVersion{0, 1, 0};
  return kLiteRtStatusOk;
}

// CPU: the kernels run on the host, and LiteRT applies a CPU accelerator
// whenever the options ask for CPU (which also runs the builtins it leaves).
LiteRtStatus GetHardwareSupport(LiteRtAcceleratorConst, LiteRtHwAcceleratorSet* hardware) {
  if (hardware == nullptr) return kLiteRtStatusErrorInvalidArgument;
  *hardware = kLiteRtHwAcceleratorCpu;
  return kLiteRtStatusOk;
}

void DeleteDelegate(TfLiteOpaqueDelegate* delegate) {
  DestroyDelegate(static_cast<tflite_abi::TfLiteDelegate*>(delegate));
}

LiteRtStatus CreateDelegateForModel(LiteRtRuntimeContext*, LiteRtEnvironment, LiteRtAcceleratorConst, LiteRtOptions,
                                    LiteRtDelegateWrapper* wrapper) {
  if (wrapper == nullptr) return kLiteRtStatusErrorInvalidArgument;
  tflite_abi::TfLiteDelegate* delegate = CreateDelegate();
  const LiteRtStatus status = State().api.LiteRtWrapDelegate(delegate, &DeleteDelegate, wrapper);
  if (status != kLiteRtStatusOk) DestroyDelegate(delegate);
  return status;
}

}  // namespace

std::string RegisterLiteRtAccelerator(void* environment, const char* library, const char* name) {
  if (environment == nullptr) return "no LiteRtEnvironment given";
  Registered& state = State();
  const std::lock_guard<std::mutex> lock(state.mutex);
  const std::string wanted = library ? library : "";
  if (!state.loaded) {
    std::string error;
    if (!LoadAcceleratorApi(library, &state.api, &error)) return error;
    state.loaded = true;
    state.library = wanted;
    state.name = name ? name : "opbridge";
  } else if (state.library != wanted) {
    return "opbridge is already registered with LiteRT from '" + state.library + "', not '" + wanted +
           "': one libLiteRt per process";
  }
  const AcceleratorApi& api = state.api;
  LiteRtAccelerator accelerator = nullptr;
  if (api.LiteRtCreateAccelerator(&accelerator) != kLiteRtStatusOk || accelerator == nullptr) {
    return "LiteRtCreateAccelerator failed";
  }
  if (api.LiteRtSetAcceleratorGetName(accelerator, &GetName) != kLiteRtStatusOk ||
      api.LiteRtSetAcceleratorGetVersion(accelerator, &GetVersion) != kLiteRtStatusOk ||
      api.LiteRtSetAcceleratorGetHardwareSupport(accelerator, &GetHardwareSupport) != kLiteRtStatusOk ||
      api.LiteRtSetDelegateFunction(accelerator, &CreateDelegateForModel) != kLiteRtStatusOk) {
    api.LiteRtDestroyAccelerator(accelerator);
    return "cannot set the accelerator's callbacks";
  }
  // On failure LiteRT releases the accelerator itself (the header's contract).
  const LiteRtStatus status =
      api.LiteRtRegisterAccelerator(static_cast<LiteRtEnvironment>(environment), accelerator, nullptr, nullptr);
  if (status != kLiteRtStatusOk) return "LiteRtRegisterAccelerator failed with status " + std::to_string(status);
  return "";
}

}  // namespace opbridge
