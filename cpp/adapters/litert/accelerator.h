// opbridge's kernels in LiteRT's CompiledModel API, as an accelerator.
//
// LiteRT 2.3.0's CompiledModel applies every accelerator registered in its
// environment, in order, as a TFLite delegate (litert/runtime/compiled_model.cc):
// XNNPACK (registered by the environment itself) claims the builtins it can,
// then this one claims the custom nodes whose ops this library implements and
// runs them through the same delegate as the Interpreter's delegate route
// (tflite_runtime/delegate.h). So a compiled model runs every op exactly as
// the Interpreter does: value-dependent output shapes, string tensors,
// resources and per-node state included, which LiteRtCustomOpKernel's
// callbacks cannot express (docs/design.md "CompiledModel (LiteRT C API)").
#pragma once

#include <string>

namespace opbridge {

// Registers this library's accelerator (named `name`, e.g. its C prefix) in
// `environment` (a LiteRtEnvironment of the libLiteRt at `library`; NULL: the
// process's own). Empty on success, else why not.
std::string RegisterLiteRtAccelerator(void* environment, const char* library, const char* name);

}  // namespace opbridge
