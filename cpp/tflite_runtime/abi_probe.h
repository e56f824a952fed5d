// The ABI probe: a tiny TFLite kernel that records what it reads through our
// struct declarations (tensor count, types, dims, bytes, names, data
// addresses, options) so Python can compare it with what the interpreter
// reports about the same model. A runtime whose layout differs from abi.h is
// refused before any real kernel touches its tensors.
#pragma once

#include "adapters/tflite/abi.h"

namespace opbridge {

constexpr char kAbiProbeOpName[] = "OpbridgeAbiProbe";

class ValueWriter;

const tflite_abi::TfLiteRegistration* AbiProbeRegistration();
// What the probe last read in this thread, as one map ("prepared": false and
// defaults if it never ran).
void WriteAbiProbeRecord(ValueWriter& out);

}  // namespace opbridge
