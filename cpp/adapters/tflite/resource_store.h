// The TFLite side of opbridge/resource.h: one ResourceStore per interpreter.
//
// A custom kernel cannot reach the interpreter's own resource map (C++
// internals of the runtime), so opbridge keeps its own. All subgraphs of an
// interpreter (the main one, CALL_ONCE's init subgraph, WHILE bodies) must
// see the same store, since the converter splits a table's creation and
// import (init subgraph) from its lookups (main subgraph), joined only by the
// table's shared_name. The key is the interpreter's external CPU backend
// context, which TfLiteContext::GetExternalContext returns from every
// subgraph of one interpreter and which each interpreter creates for itself
// (docs/design.md, "Resources and lookup tables", has the measurements and
// why not AcquireSubgraphContext).
#pragma once

#include <memory>

#include "adapters/tflite/abi.h"
#include "opbridge/resource.h"

namespace opbridge {

// The store of the interpreter `context` belongs to, created on first use.
// Each node that uses resources keeps the pointer it got; the store is freed
// with the last of them, so a later interpreter at the same address starts
// empty.
Status AcquireResourceStore(tflite_abi::TfLiteContext* context, std::shared_ptr<ResourceStore>* out);

}  // namespace opbridge
