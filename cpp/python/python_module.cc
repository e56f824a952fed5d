// The Python face of a kernel library: a thin pybind11 layer over its C
// interface (opbridge/tflite_c_api.h), so Python never needs TensorFlow to
// list, register or inspect the TFLite kernels.
#include <dlfcn.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "opbridge/op.h"
#include "opbridge/tflite_c_api.h"

#ifndef OPBRIDGE_EXPORT_PREFIX
#error "OPBRIDGE_EXPORT_PREFIX must name the kernel library's C prefix"
#endif
#ifndef OPBRIDGE_PY_MODULE
#error "OPBRIDGE_PY_MODULE must name this Python module"
#endif
#if !defined(OPBRIDGE_TF_LIBRARY) || !defined(OPBRIDGE_TF_VERSION)
#error "OPBRIDGE_TF_LIBRARY and OPBRIDGE_TF_VERSION come from opbridge_add_op_library"
#endif
#define OPBRIDGE_C_NAME(suffix) OPBRIDGE_CONCAT(OPBRIDGE_EXPORT_PREFIX, suffix)

extern "C" {
OPBRIDGE_DECLARE_TFLITE_LIBRARY(OPBRIDGE_EXPORT_PREFIX)
}

namespace py = pybind11;

namespace {

std::string LibraryPath() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&OPBRIDGE_C_NAME(_tflite_ops)), &info) == 0 || info.dli_fname == nullptr) {
    throw std::runtime_error("cannot locate the kernel library");
  }
  return info.dli_fname;
}

}  // namespace

PYBIND11_MODULE(OPBRIDGE_PY_MODULE, m) {
  m.doc() = "TFLite kernels of an opbridge op library";
  m.attr("c_prefix") = OPBRIDGE_STRINGIFY(OPBRIDGE_EXPORT_PREFIX);
  m.def("catalog_json", [] { return std::string(OPBRIDGE_C_NAME(_catalog_json)()); },
        "The library's ops as JSON.");
  m.def("library_path", &LibraryPath, "Path of the kernel shared library.");
  m.attr("tf_library") = OPBRIDGE_TF_LIBRARY;  // beside the kernel library
  m.attr("tf_version") = OPBRIDGE_TF_VERSION;  // the TensorFlow the TF op library was built against
  m.def(
      "register",
      [](uintptr_t resolver) {
        int status;
        {
          py::gil_scoped_release release;
          status = OPBRIDGE_C_NAME(_register_ops_checked)(reinterpret_cast<void*>(resolver));
        }
        if (status != 0) throw std::runtime_error(OPBRIDGE_C_NAME(_last_error)());
      },
      py::arg("resolver"),
      "Adds every kernel to the tflite::MutableOpResolver at this address (a custom_op_registerer).");
  m.def(
      "decode_options",
      [](const std::string& op, py::bytes data) {
        const std::string bytes = data;
        return std::string(OPBRIDGE_C_NAME(_decode_options_json)(op.c_str(), bytes.data(), bytes.size()));
      },
      py::arg("op"), py::arg("data"), "Decodes custom options as the op's kernel would; JSON.");
  m.def(
      "flexbuffer_json",
      [](py::bytes data) {
        const std::string bytes = data;
        return std::string(OPBRIDGE_C_NAME(_flexbuffer_json)(bytes.data(), bytes.size()));
      },
      py::arg("data"), "Any flexbuffer decoded by opbridge's bounded reader, as JSON.");
  m.def("abi_probe_record", [] { return std::string(OPBRIDGE_C_NAME(_abi_probe_record)()); },
        "What the ABI probe kernel last read in this thread, as JSON.");
}
