// From OpSpec to TfLiteRegistration.
//
//   init    decodes the flexbuffer options into the node's AttrMap (errors are
//           kept and reported by prepare: init cannot fail cleanly);
//   prepare checks inputs/outputs against the declaration, runs the shape
//           rule and resizes outputs (or marks them dynamic);
//   invoke  wraps the tensors as views and runs the op's kernel.
// Every failure is reported through context->ReportError as "<Op>: <what>".
#pragma once

#include <string>
#include <vector>

#include "adapters/tflite/abi.h"
#include "opbridge/op.h"

namespace opbridge {

// One registration; its custom_name is the op's name, or "Flex<name>" for the
// Select TF ops node of a TF op (select_tf_options.h).
struct TfLiteOpEntry {
  const OpSpec* spec;
  const tflite_abi::TfLiteRegistration* registration;  // followed by padding
};

// The registrations of every op in this library that has a TFLite kernel
// (TF ops twice: as themselves and as Select TF ops), built once on first
// call (thread-safe).
const std::vector<TfLiteOpEntry>& TfLiteOpTable();

DType DTypeFromTfLiteType(int type);

}  // namespace opbridge
