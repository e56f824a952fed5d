// The ABI probe: a tiny TFLite kernel that records what it reads through our
// struct declarations (tensor count, types, dims, bytes, names, data
// addresses, options) so Python can compare it with what the interpreter
// reports about the same model. A runtime whose layout differs from abi.h is
// refused before any real kernel touches its tensors.
#pragma once

#include <string>

#include "abi.h"

namespace opbridge {

constexpr char kAbiProbeOpName[] = "OpbridgeAbiProbe";

const tflite_abi::TfLiteRegistration* AbiProbeRegistration();
// JSON of what the probe last read in this thread ("{}" if it never ran).
std::string AbiProbeRecordJson();

}  // namespace opbridge
