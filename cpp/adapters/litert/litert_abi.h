// The part of LiteRT's C ABI (libLiteRt.so) that registers opbridge as an
// accelerator of a LiteRtEnvironment, declared by opbridge.
//
// No package ships LiteRT's headers, so, like adapters/tflite/abi.h, the few
// types and functions needed are declared here from the public headers' facts
// (google-ai-edge/LiteRT litert/c/litert_common.h and
// litert/c/internal/litert_accelerator_registration.h,
// litert_delegate_wrapper.h, read at the commit whose litert/version.bzl says
// 2.3.0, matching the ai-edge-litert 2.3.0 wheel's exports). The functions are
// looked up by name at registration (dlsym), so a libLiteRt without one is
// refused with its name instead of failing to load or crashing.
#pragma once

#include <string>

namespace opbridge::litert_abi {

// litert_common.h: LiteRtStatus (0 = ok) and the CPU bit of LiteRtHwAccelerators.
using LiteRtStatus = int;
constexpr LiteRtStatus kLiteRtStatusOk = 0;
constexpr LiteRtStatus kLiteRtStatusErrorInvalidArgument = 1;
constexpr LiteRtStatus kLiteRtStatusErrorRuntimeFailure = 3;
using LiteRtHwAcceleratorSet = int;
constexpr LiteRtHwAcceleratorSet kLiteRtHwAcceleratorCpu = 1 << 0;

// litert_common.h: three ints.
struct LiteRtApiVersion {
  int major;
  int minor;
  int patch;
};
static_assert(sizeof(LiteRtApiVersion) == 12, "LiteRtApiVersion: three ints");

// Opaque handles (LITERT_DEFINE_HANDLE: pointers to incomplete structs).
using LiteRtEnvironment = struct LiteRtEnvironmentT*;
using LiteRtAccelerator = struct LiteRtAcceleratorT*;
using LiteRtAcceleratorConst = const struct LiteRtAcceleratorT*;
using LiteRtOptions = struct LiteRtOptionsT*;
using LiteRtDelegateWrapper = struct LiteRtDelegateWrapperT*;
using LiteRtRuntimeContext = struct LiteRtRuntimeContextT;
// TFLite's TfLiteOpaqueDelegate is TfLiteDelegate (tflite/c/common.h), the
// struct our delegate (tflite_runtime/delegate.h) is.
using TfLiteOpaqueDelegate = void;

// The callbacks an accelerator gives LiteRT.
using GetNameFn = LiteRtStatus (*)(LiteRtAcceleratorConst, const char** name);
using GetVersionFn = LiteRtStatus (*)(LiteRtAcceleratorConst, LiteRtApiVersion* version);
using GetHardwareSupportFn = LiteRtStatus (*)(LiteRtAcceleratorConst, LiteRtHwAcceleratorSet* hardware);
using CreateDelegateFn = LiteRtStatus (*)(LiteRtRuntimeContext* context, LiteRtEnvironment env,
                                          LiteRtAcceleratorConst accelerator, LiteRtOptions options,
                                          LiteRtDelegateWrapper* delegate);
using DelegateDeleterFn = void (*)(TfLiteOpaqueDelegate*);

// X-macro over the functions used: name, return type, parameters.
#define OPBRIDGE_LITERT_ACCELERATOR_FUNCTIONS(X)                                                        \
  X(LiteRtCreateAccelerator, LiteRtStatus, (LiteRtAccelerator * accelerator))                           \
  X(LiteRtDestroyAccelerator, LiteRtStatus, (LiteRtAccelerator accelerator))                            \
  X(LiteRtSetAcceleratorGetName, LiteRtStatus, (LiteRtAccelerator accelerator, GetNameFn fn))           \
  X(LiteRtSetAcceleratorGetVersion, LiteRtStatus, (LiteRtAccelerator accelerator, GetVersionFn fn))     \
  X(LiteRtSetAcceleratorGetHardwareSupport, LiteRtStatus,                                               \
    (LiteRtAccelerator accelerator, GetHardwareSupportFn fn))                                          \
  X(LiteRtSetDelegateFunction, LiteRtStatus, (LiteRtAccelerator accelerator, CreateDelegateFn fn))      \
  X(LiteRtRegisterAccelerator, LiteRtStatus,                                                            \
    (LiteRtEnvironment env, LiteRtAccelerator accelerator, void* data, void (*release)(void*)))        \
  X(LiteRtWrapDelegate, LiteRtStatus,                                                                   \
    (TfLiteOpaqueDelegate * delegate, DelegateDeleterFn deleter, LiteRtDelegateWrapper * wrapper))

struct AcceleratorApi {
#define OPBRIDGE_LITERT_MEMBER(name, ret, params) ret(*name) params = nullptr;
  OPBRIDGE_LITERT_ACCELERATOR_FUNCTIONS(OPBRIDGE_LITERT_MEMBER)
#undef OPBRIDGE_LITERT_MEMBER
};

// Finds the functions in `library` (a path or soname of a libLiteRt already
// loaded or loadable; opened RTLD_LOCAL so its symbols never preempt another
// TFLite runtime in the process), or, for NULL, among the symbols the process
// already has (a C program linked against libLiteRt.so). False with `error`
// naming the library and the first function missing.
bool LoadAcceleratorApi(const char* library, AcceleratorApi* api, std::string* error);

}  // namespace opbridge::litert_abi
