// The options of a Select TF ops node ("Flex<Op>", from the converter with
// SELECT_TF_OPS): a FlexBuffer vector [op name, serialized NodeDef]. opbridge
// runs such a node with the TF op's kernel when it has one, so a model
// converted for the Flex delegate runs without it. The NodeDef's attrs map to
// the op's AttrMap as the converter's own flexbuffer map would.
//
// The NodeDef comes from a model file: every varint, length and field is
// bounds-checked; a bad buffer is an error, never an out-of-bounds read.
#pragma once

#include <cstddef>
#include <cstdint>

#include "opbridge/op.h"

namespace opbridge {

// The prefix the converter gives Select TF ops' custom codes.
inline constexpr char kSelectTfPrefix[] = "Flex";

// Whether this library runs Select TF ops nodes: a selective build whose
// models have none defines OPBRIDGE_WITHOUT_SELECT_TF (CMake
// OPBRIDGE_SELECT_TF=OFF), and the decoder and the Flex<Op> registrations
// are left out (docs/size.md).
#ifdef OPBRIDGE_WITHOUT_SELECT_TF
inline constexpr bool kSelectTfBuilt = false;
#else
inline constexpr bool kSelectTfBuilt = true;
#endif

Status DecodeSelectTfAttrs(const OpSpec& spec, const uint8_t* options, size_t size, AttrMap* out);

}  // namespace opbridge
