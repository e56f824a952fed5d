// From a custom op's options (the flexbuffer map the converter writes, keyed by
// TF attr name) to the op's AttrMap, with defaults for absent attrs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "opbridge/op.h"

namespace opbridge {

// TFLite's schema TensorType numbering, used by the converter for type attrs
// (float32=0, int32=2, float64=10); kInvalid for numbers it does not know.
DType DTypeFromSchemaType(int64_t schema_type);

Status DecodeAttrs(const OpSpec& spec, const uint8_t* options, size_t size, AttrMap* out);

// Fills `out` with every declared attr: `lookup` reads it from the node's
// options (found = false when absent); absent ones take their default, or
// are left for the tensors to bind (type, list(type), input list lengths);
// `source` names the options in the error for one missing otherwise.
using AttrLookup = std::function<Status(const AttrSpec& attr, bool* found, AttrValue* value)>;
Status FillAttrs(const OpSpec& spec, const char* source, const AttrLookup& lookup, AttrMap* out);

}  // namespace opbridge
