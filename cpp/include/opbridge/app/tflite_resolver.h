// Header-only helper for C++ apps that link their own TFLite: add every op of
// an opbridge kernel library to the app's resolver.
//
//   #include "tensorflow/lite/kernels/register.h"
//   #include "opbridge/app/tflite_resolver.h"
//   tflite::ops::builtin::BuiltinOpResolver resolver;
//   opbridge::AddOps(&resolver);                        // opbridge's ops
//   opbridge::AddOps(&resolver, &my_pkg_tflite_ops);    // a package built with opbridge
//
// Link libopbridge_tflite.so (or the package's kernel library).
#pragma once

#include "opbridge/app/tflite_c_api.h"
#include "tensorflow/lite/mutable_op_resolver.h"

namespace opbridge {

inline void AddOps(tflite::MutableOpResolver* resolver,
                   int (*list_ops)(const OpbridgeTfLiteOp**) = &opbridge_tflite_ops) {
  const OpbridgeTfLiteOp* ops = nullptr;
  const int count = list_ops(&ops);
  for (int i = 0; i < count; ++i) {
    const auto* registration = static_cast<const TfLiteRegistration*>(ops[i].registration);
    // Custom ops resolve by (name, version): register the version the kernel declares.
    resolver->AddCustom(ops[i].name, registration, registration->version);
  }
}

}  // namespace opbridge
