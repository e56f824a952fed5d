// The op catalog: every op registered in this library (name, origin, doc,
// inputs, outputs, attrs) plus any registration errors, written as structured
// values for tools (`opbridge ops`, coverage checks) that must not depend on
// the C++ types.
#pragma once

namespace opbridge {

class ValueWriter;

// {"ops": [{"name", "origin", "defined_by", "replaces", "tflite_version",
//           "tflite", "doc", "inputs", "outputs", "attrs"}, ...],
//  "errors": [message, ...]}
void WriteCatalog(ValueWriter& out);

}  // namespace opbridge
