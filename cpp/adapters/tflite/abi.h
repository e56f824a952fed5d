// TFLite's C ABI, declared by opbridge.
//
// No pip package ships TFLite's headers, and the runtimes we plug into were
// built elsewhere, so we declare the structs ourselves from the facts in the
// public tensorflow/lite/core/c/common.h (fields are only ever appended there;
// "semi-ABI stable"). The static_asserts pin the x86-64/aarch64 LP64 layout we
// rely on; python/opbridge/_abi_check.py verifies it against each running
// interpreter before any opbridge kernel is trusted.
//
// Everything lives in a namespace so that a C++ app that also includes TFLite's
// own headers does not see clashing definitions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace opbridge::tflite_abi {

enum TfLiteStatus : int {
  kTfLiteOk = 0,
  kTfLiteError = 1,
};

// The runtime's tensor type enum (not the schema's TensorType, which numbers differently).
enum TfLiteType : int {
  kTfLiteNoType = 0,
  kTfLiteFloat32 = 1,
  kTfLiteInt32 = 2,
  kTfLiteUInt8 = 3,
  kTfLiteInt64 = 4,
  kTfLiteString = 5,
  kTfLiteBool = 6,
  kTfLiteInt16 = 7,
  kTfLiteComplex64 = 8,
  kTfLiteInt8 = 9,
  kTfLiteFloat16 = 10,
  kTfLiteFloat64 = 11,
  kTfLiteComplex128 = 12,
  kTfLiteUInt64 = 13,
  kTfLiteResource = 14,
  kTfLiteVariant = 15,
  kTfLiteUInt32 = 16,
  kTfLiteUInt16 = 17,
  kTfLiteInt4 = 18,
  kTfLiteBFloat16 = 19,
};

enum TfLiteAllocationType : int {
  kTfLiteMemNone = 0,
  kTfLiteMmapRo = 1,
  kTfLiteArenaRw = 2,
  kTfLiteArenaRwPersistent = 3,
  kTfLiteDynamic = 4,
  kTfLitePersistentRo = 5,
  kTfLiteCustom = 6,
  kTfLiteVariantObject = 7,
};

enum : int { kTfLiteOptionalTensor = -1 };

// TfLiteExternalContextType's entry the interpreter fills itself (its own
// ExternalCpuBackendContext, unless the application sets another).
enum : int { kTfLiteCpuBackendContext = 3 };

// A size followed by `size` ints. The runtime frees arrays handed to
// ResizeTensor with free(), so they must come from malloc.
struct TfLiteIntArray {
  int size;
  int data[];
};

struct TfLiteQuantizationParams {
  float scale;
  int32_t zero_point;
};

struct TfLiteQuantization {
  int type;
  void* params;
};

struct TfLiteDelegate;
struct TfLiteContext;
struct TfLiteRegistration;

struct TfLiteTensor {
  TfLiteType type;
#ifdef OPBRIDGE_TEST_ABI_SKEW
  // Test only: a field no runtime has, so the tests can build a kernel library
  // whose layout is wrong and prove that the ABI self-test refuses it.
  int64_t opbridge_test_skew;
#endif
  void* data;
  TfLiteIntArray* dims;
  TfLiteQuantizationParams params;
  TfLiteAllocationType allocation_type;
  size_t bytes;
  const void* allocation;
  const char* name;
  TfLiteDelegate* delegate;
  int buffer_handle;
  bool data_is_stale;
  bool is_variable;
  TfLiteQuantization quantization;
  void* sparsity;
  const TfLiteIntArray* dims_signature;
};

struct TfLiteNode {
  TfLiteIntArray* inputs;
  TfLiteIntArray* outputs;
  TfLiteIntArray* intermediates;
  TfLiteIntArray* temporaries;
  void* user_data;
  void* builtin_data;
  const void* custom_initial_data;
  int custom_initial_data_size;
  TfLiteDelegate* delegate;
  bool might_have_side_effect;
};

struct TfLiteContext {
  size_t tensors_size;
  TfLiteStatus (*GetExecutionPlan)(TfLiteContext* context, TfLiteIntArray** execution_plan);
  // The tensor array. context->GetTensor exists too but is NULL in the full runtime.
  TfLiteTensor* tensors;
  void* impl_;
  TfLiteStatus (*ResizeTensor)(TfLiteContext*, TfLiteTensor* tensor, TfLiteIntArray* new_size);
  void (*ReportError)(TfLiteContext*, const char* msg, ...);
  TfLiteStatus (*AddTensors)(TfLiteContext*, int tensors_to_add, int* first_new_tensor_index);
  TfLiteStatus (*GetNodeAndRegistration)(TfLiteContext*, int node_index, TfLiteNode** node,
                                         TfLiteRegistration** registration);
  // Declared as void* because TfLiteRegistration is not complete here; cast to ReplaceNodeSubsetsFn.
  void* ReplaceNodeSubsetsWithDelegateKernels;
  int recommended_num_threads;
  // Later fields, declared up to ReleaseSubgraphContext; the ones typed
  // void* are placeholders of the right size that opbridge never calls.
  // Every subgraph of an interpreter returns the interpreter's own external
  // contexts (opbridge's per-interpreter resource store keys on one).
  void* (*GetExternalContext)(TfLiteContext* context, int type);
  void* SetExternalContext;
  bool allow_fp32_relax_to_fp16;
  void* profiler;
  void* AllocatePersistentBuffer;
  void* AllocateBufferForEval;
  void* RequestScratchBufferInArena;
  void* GetScratchBuffer;
  void* ResizeTensorExplicit;
  void* PreviewDelegatePartitioning;
  void* GetTensor;
  void* GetEvalTensor;
  void* GetModelMetadata;
  // Only for delegates: from a kernel's prepare or invoke both runtimes
  // refuse it ("The function is forbidden if not calling in delegate").
  TfLiteStatus (*AcquireSubgraphContext)(TfLiteContext* context, int subgraph_index, TfLiteContext** acquired);
  TfLiteStatus (*ReleaseSubgraphContext)(TfLiteContext* context, int subgraph_index);
  // Later fields are not used by opbridge.
};

struct TfLiteRegistration {
  void* (*init)(TfLiteContext* context, const char* buffer, size_t length);
  void (*free)(TfLiteContext* context, void* buffer);
  TfLiteStatus (*prepare)(TfLiteContext* context, TfLiteNode* node);
  TfLiteStatus (*invoke)(TfLiteContext* context, TfLiteNode* node);
  const char* (*profiling_string)(const TfLiteContext* context, const TfLiteNode* node);
  int32_t builtin_code;
  const char* custom_name;
  int version;
  void* registration_external;  // must stay NULL: non-NULL reroutes every callback
  void* async_kernel;
  uint64_t inplace_operator;
};

enum : int64_t {
  kTfLiteDelegateFlagsNone = 0,
  kTfLiteDelegateFlagsAllowDynamicTensors = 1,
};

typedef int TfLiteBufferHandle;

struct TfLiteDelegate {
  void* data_;
  TfLiteStatus (*Prepare)(TfLiteContext* context, TfLiteDelegate* delegate);
  TfLiteStatus (*CopyFromBufferHandle)(TfLiteContext*, TfLiteDelegate*, TfLiteBufferHandle, TfLiteTensor*);
  TfLiteStatus (*CopyToBufferHandle)(TfLiteContext*, TfLiteDelegate*, TfLiteBufferHandle, TfLiteTensor*);
  void (*FreeBufferHandle)(TfLiteContext*, TfLiteDelegate*, TfLiteBufferHandle*);
  int64_t flags;
  void* opaque_delegate_builder;  // must stay NULL: non-NULL takes precedence over Prepare
};

// What a delegate kernel's init receives as its buffer.
struct TfLiteDelegateParams {
  TfLiteDelegate* delegate;
  TfLiteIntArray* nodes_to_replace;
  TfLiteIntArray* input_tensors;
  TfLiteIntArray* output_tensors;
};

// ReplaceNodeSubsetsWithDelegateKernels takes a TfLiteRegistration by value,
// so there sizeof must equal the runtime's exactly (88 in TF 2.21 and
// ai-edge-litert 2.3, whose headers end with inplace_operator).
using ReplaceNodeSubsetsFn = TfLiteStatus (*)(TfLiteContext*, TfLiteRegistration registration,
                                              const TfLiteIntArray* nodes_to_replace, TfLiteDelegate* delegate);

// Newer runtimes may have appended fields to TfLiteRegistration; AddCustom
// copies the runtime's own sizeof from our pointer, so every registration we
// hand out is followed by zeroed padding.
struct PaddedRegistration {
  TfLiteRegistration registration;
  unsigned char padding[256];
};

constexpr int kBuiltinOperatorCustom = 32;

// TfLiteInPlaceOp bits of TfLiteRegistration::inplace_operator: output 0
// may take input 0's buffer, and holds that input's data unchanged.
enum : uint64_t {
  kTfLiteInplaceOpDataUnmodified = 1,
  kTfLiteInplaceOpInput0Shared = 4,
};

static_assert(sizeof(void*) == 8, "opbridge's TFLite ABI declarations assume a 64-bit target");
#ifndef OPBRIDGE_TEST_ABI_SKEW
static_assert(sizeof(TfLiteIntArray) == 4, "TfLiteIntArray layout");
static_assert(sizeof(TfLiteTensor) == 112, "TfLiteTensor layout (docs/design.md: 112 bytes on x86-64)");
static_assert(offsetof(TfLiteTensor, data) == 8, "TfLiteTensor layout");
static_assert(offsetof(TfLiteTensor, dims) == 16, "TfLiteTensor layout");
static_assert(offsetof(TfLiteTensor, allocation_type) == 32, "TfLiteTensor layout");
static_assert(offsetof(TfLiteTensor, bytes) == 40, "TfLiteTensor layout");
static_assert(offsetof(TfLiteTensor, name) == 56, "TfLiteTensor layout");
static_assert(offsetof(TfLiteTensor, quantization) == 80, "TfLiteTensor layout");
static_assert(offsetof(TfLiteContext, recommended_num_threads) == 72, "TfLiteContext layout");
static_assert(offsetof(TfLiteContext, GetExternalContext) == 80, "TfLiteContext layout");
static_assert(offsetof(TfLiteContext, allow_fp32_relax_to_fp16) == 96, "TfLiteContext layout");
static_assert(offsetof(TfLiteContext, GetTensor) == 160, "TfLiteContext layout");
static_assert(offsetof(TfLiteContext, AcquireSubgraphContext) == 184, "TfLiteContext layout (common.h, LP64)");
static_assert(offsetof(TfLiteContext, ReleaseSubgraphContext) == 192, "TfLiteContext layout (common.h, LP64)");
#endif
static_assert(offsetof(TfLiteNode, user_data) == 32, "TfLiteNode layout");
static_assert(offsetof(TfLiteNode, custom_initial_data) == 48, "TfLiteNode layout");
static_assert(offsetof(TfLiteNode, custom_initial_data_size) == 56, "TfLiteNode layout");
static_assert(offsetof(TfLiteContext, tensors) == 16, "TfLiteContext layout");
static_assert(offsetof(TfLiteContext, ResizeTensor) == 32, "TfLiteContext layout");
static_assert(offsetof(TfLiteContext, ReportError) == 40, "TfLiteContext layout");
static_assert(offsetof(TfLiteContext, GetNodeAndRegistration) == 56, "TfLiteContext layout");
static_assert(offsetof(TfLiteContext, recommended_num_threads) == 72, "TfLiteContext layout");
static_assert(offsetof(TfLiteContext, GetExternalContext) == 80, "TfLiteContext layout");
static_assert(offsetof(TfLiteRegistration, builtin_code) == 40, "TfLiteRegistration layout");
static_assert(offsetof(TfLiteRegistration, custom_name) == 48, "TfLiteRegistration layout");
static_assert(offsetof(TfLiteRegistration, version) == 56, "TfLiteRegistration layout");
static_assert(offsetof(TfLiteRegistration, registration_external) == 64, "TfLiteRegistration layout");
static_assert(sizeof(TfLiteRegistration) == 88, "TfLiteRegistration layout");
static_assert(sizeof(TfLiteDelegate) == 56, "TfLiteDelegate layout");
static_assert(offsetof(TfLiteDelegate, flags) == 40, "TfLiteDelegate layout");
static_assert(sizeof(TfLiteDelegateParams) == 32, "TfLiteDelegateParams layout");

}  // namespace opbridge::tflite_abi
