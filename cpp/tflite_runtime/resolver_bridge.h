// Registering kernels into a runtime's tflite::MutableOpResolver without its headers.
//
// The stock Python runtimes hand a custom-op registerer a MutableOpResolver*,
// but export no C++ symbols. Their shared libraries are not stripped, though:
// the .symtab still names MutableOpResolver::AddCustom. We find the library
// that holds the resolver's vtable (dladdr), look the symbol up in that file's
// ELF symbol table, add the load base and call it (docs/design.md, "TFLite side").
#pragma once

#include <vector>

#include "adapters/tflite/kernel_adapter.h"

namespace opbridge {

// Adds every op of `ops` to the resolver at `resolver`.
Status AddOpsToResolver(void* resolver, const std::vector<TfLiteOpEntry>& ops);

}  // namespace opbridge
