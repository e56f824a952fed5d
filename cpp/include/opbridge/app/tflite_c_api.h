/* The C interface of an opbridge TFLite kernel library.
 *
 * Each kernel library (opbridge's own, libopbridge_tflite.so, and each one
 * built with opbridge_add_op_library) exports these functions under its own
 * prefix, so several libraries can live in one process. Nothing here needs
 * TensorFlow or TFLite headers. */
#ifndef OPBRIDGE_TFLITE_C_API_H_
#define OPBRIDGE_TFLITE_C_API_H_

#include <stddef.h>

#include "opbridge/app/value_sink.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct OpbridgeTfLiteOp {
  const char* name;          /* custom op name, as in the model's custom_code */
  const void* registration;  /* a TfLiteRegistration*, padded for newer runtimes */
} OpbridgeTfLiteOp;

/* prefix_tflite_ops: sets *ops to the table, returns its length.
 * prefix_register_ops: a custom-op registerer (custom_op_registerers=["prefix_register_ops"]):
 *   adds every op to the tflite::MutableOpResolver* it is given; failures go to stderr.
 * prefix_register_ops_checked: the same, returning 0 on success, else see prefix_last_error.
 * prefix_last_error: this thread's last error message.
 *
 * These write structured values into a caller's sink (opbridge/app/value_sink.h)
 * and return 0; or return nonzero having written no value, the reason given to
 * the sink's error callback and kept in prefix_last_error (which alone reports
 * a NULL sink or callback):
 * prefix_catalog: {"ops": [{"name", "origin", "defined_by", "replaces", "tflite_version",
 *   "tflite", "doc", "inputs", "outputs", "attrs"}, ...], "errors": [registration errors]};
 *   inputs/outputs are [{"name", "type", "number"?}], attrs [{"name", "type", "allowed",
 *   "default" (its declaration text, or null), "text"}].
 * prefix_decode_options: an op's custom options decoded as its kernel would: a map from
 *   attr name to value (type attrs by name, e.g. "float"; lists as lists). Fails for an
 *   unknown op ("no op named X") or bad options ("Op: why").
 * prefix_decode_flexbuffer: any flexbuffer (maps, vectors as lists, blobs as bytes).
 * prefix_abi_probe_record: what the ABI probe kernel last read in this thread, as a map.
 * prefix_litert_register: registers the library's ops with LiteRT's CompiledModel API: an
 *   accelerator named after the prefix in a LiteRtEnvironment (a pointer from
 *   LiteRtCreateEnvironment of the libLiteRt named by litert_library, or of the one the
 *   process is linked with when NULL); compiled models created in that environment with
 *   the CPU accelerator then run the library's custom ops. 0, or see prefix_last_error.
 *
 * Each library also exports TFLite's external-delegate entry points,
 * tflite_plugin_create_delegate / tflite_plugin_destroy_delegate: a delegate
 * that runs the library's ops, for runtimes and tools that take no op
 * resolver (load the library by path, e.g. with tf.lite.experimental.load_delegate). */
/* Two levels so that a macro argument (a prefix given by -D) is expanded before pasting. */
#define OPBRIDGE_DECLARE_TFLITE_LIBRARY(prefix) OPBRIDGE_DECLARE_TFLITE_LIBRARY_IMPL(prefix)
#define OPBRIDGE_DECLARE_TFLITE_LIBRARY_IMPL(prefix)                                              \
  int prefix##_tflite_ops(const OpbridgeTfLiteOp** ops);                                          \
  void prefix##_register_ops(void* resolver);                                                     \
  int prefix##_register_ops_checked(void* resolver);                                              \
  const char* prefix##_last_error(void);                                                          \
  int prefix##_catalog(const OpbridgeValueSink* sink);                                            \
  int prefix##_decode_options(const char* op, const void* data, size_t size,                      \
                              const OpbridgeValueSink* sink);                                     \
  int prefix##_decode_flexbuffer(const void* data, size_t size, const OpbridgeValueSink* sink);   \
  int prefix##_abi_probe_record(const OpbridgeValueSink* sink);                                   \
  int prefix##_litert_register(void* environment, const char* litert_library);

OPBRIDGE_DECLARE_TFLITE_LIBRARY(opbridge)

#ifdef __cplusplus
}
#endif

#endif /* OPBRIDGE_TFLITE_C_API_H_ */
