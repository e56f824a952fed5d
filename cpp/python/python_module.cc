// The Python face of a kernel library: a thin pybind11 layer over its C
// interface (opbridge/app/tflite_c_api.h), so Python never needs TensorFlow to
// list, register or inspect the TFLite kernels. Structured results come
// through the C interface's value sink and are built as Python objects here.
#include <dlfcn.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "opbridge/op.h"
#include "opbridge/app/tflite_c_api.h"

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

// Builds the Python object a library call writes into its value sink: maps
// become dicts, lists lists, strings str, blobs bytes, numbers int/float/bool.
// The callbacks run inside the library's C frames, which must not unwind: the
// first error is kept and raised after the call, later callbacks do nothing.
class PyValueBuilder {
 public:
  PyValueBuilder() {
    sink_.context = this;
    sink_.null_value = [](void* c) { On(c, [](PyValueBuilder& b) { b.Add(py::none()); }); };
    sink_.bool_value = [](void* c, int v) { On(c, [v](PyValueBuilder& b) { b.Add(py::bool_(v != 0)); }); };
    sink_.int_value = [](void* c, int64_t v) { On(c, [v](PyValueBuilder& b) { b.Add(py::int_(v)); }); };
    sink_.uint_value = [](void* c, uint64_t v) { On(c, [v](PyValueBuilder& b) { b.Add(py::int_(v)); }); };
    sink_.double_value = [](void* c, double v) { On(c, [v](PyValueBuilder& b) { b.Add(py::float_(v)); }); };
    sink_.string_value = [](void* c, const char* data, size_t size) {
      On(c, [=](PyValueBuilder& b) { b.Add(Str(data, size)); });
    };
    sink_.bytes_value = [](void* c, const void* data, size_t size) {
      On(c, [=](PyValueBuilder& b) { b.Add(py::bytes(static_cast<const char*>(data), size)); });
    };
    sink_.begin_list = [](void* c) { On(c, [](PyValueBuilder& b) { b.open_.push_back({py::list(), {}}); }); };
    sink_.end_list = [](void* c) { On(c, [](PyValueBuilder& b) { b.Close(false); }); };
    sink_.begin_map = [](void* c) { On(c, [](PyValueBuilder& b) { b.open_.push_back({py::dict(), {}}); }); };
    sink_.key = [](void* c, const char* data, size_t size) {
      On(c, [=](PyValueBuilder& b) {
        if (b.open_.empty() || !PyDict_Check(b.open_.back().container.ptr())) Malformed("a key outside a map");
        b.open_.back().key = Str(data, size);
      });
    };
    sink_.end_map = [](void* c) { On(c, [](PyValueBuilder& b) { b.Close(true); }); };
    sink_.error = [](void* c, const char* message, size_t size) {
      On(c, [=](PyValueBuilder& b) { b.failure_ = Str(message, size); });
    };
  }
  PyValueBuilder(const PyValueBuilder&) = delete;
  PyValueBuilder& operator=(const PyValueBuilder&) = delete;

  const OpbridgeValueSink* sink() const { return &sink_; }

  // The value written by a call that returned `status`. Raises the first
  // error met while building it, or the call's failure as a ValueError.
  py::object Take(int status) {
    if (error_) std::rethrow_exception(error_);
    if (status != 0) {
      if (!failure_) Malformed("a failure without a reason");
      PyErr_SetObject(PyExc_ValueError, failure_.ptr());
      throw py::error_already_set();
    }
    if (!open_.empty() || !root_) Malformed("an incomplete value");
    return std::move(root_);
  }

 private:
  struct Open {
    py::object container;  // a list or a dict
    py::object key;        // a dict's key awaiting its value
  };

  template <typename F>
  static void On(void* context, F f) {
    auto* self = static_cast<PyValueBuilder*>(context);
    if (self->error_) return;
    try {
      f(*self);
    } catch (...) {
      self->error_ = std::current_exception();
    }
  }

  [[noreturn]] static void Malformed(const char* what) {
    throw std::runtime_error(std::string("the kernel library wrote ") + what);
  }

  // UTF-8; bytes that are not (only a damaged flexbuffer holds them, and
  // messages quoting it) become backslash escapes rather than an error.
  static py::str Str(const char* data, size_t size) {
    PyObject* s = PyUnicode_DecodeUTF8(data, static_cast<Py_ssize_t>(size), "backslashreplace");
    if (s == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::str>(s);
  }

  void Add(py::object value) {
    if (open_.empty()) {
      if (root_) Malformed("two values");
      root_ = std::move(value);
      return;
    }
    Open& top = open_.back();
    if (PyDict_Check(top.container.ptr())) {
      if (!top.key) Malformed("a map value without a key");
      if (PyDict_SetItem(top.container.ptr(), top.key.ptr(), value.ptr()) != 0) throw py::error_already_set();
      top.key = py::object();
    } else if (PyList_Append(top.container.ptr(), value.ptr()) != 0) {
      throw py::error_already_set();
    }
  }

  void Close(bool map) {
    if (open_.empty() || PyDict_Check(open_.back().container.ptr()) != map) Malformed("an unmatched end");
    py::object done = std::move(open_.back().container);
    open_.pop_back();
    Add(std::move(done));
  }

  OpbridgeValueSink sink_{};
  std::vector<Open> open_;
  py::object root_;
  py::object failure_;  // the call's reason for failing
  std::exception_ptr error_;
};

// Runs one C call that writes into a sink. Its failure is a ValueError with
// the library's message, as Python callers expect.
template <typename Call>
py::object Collect(Call call) {
  PyValueBuilder builder;
  const int status = call(builder.sink());
  return builder.Take(status);
}

}  // namespace

PYBIND11_MODULE(OPBRIDGE_PY_MODULE, m) {
  m.doc() = "TFLite kernels of an opbridge op library";
  m.attr("c_prefix") = OPBRIDGE_STRINGIFY(OPBRIDGE_EXPORT_PREFIX);
  m.def(
      "catalog", [] { return Collect([](const OpbridgeValueSink* sink) { return OPBRIDGE_C_NAME(_catalog)(sink); }); },
      "The library's ops: {'ops': [...], 'errors': [...]}.");
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
        return Collect([&](const OpbridgeValueSink* sink) {
          return OPBRIDGE_C_NAME(_decode_options)(op.c_str(), bytes.data(), bytes.size(), sink);
        });
      },
      py::arg("op"), py::arg("data"),
      "Custom options decoded as the op's kernel would: attr name -> value (ValueError if bad).");
  m.def(
      "decode_flexbuffer",
      [](py::bytes data) {
        const std::string bytes = data;
        return Collect([&](const OpbridgeValueSink* sink) {
          return OPBRIDGE_C_NAME(_decode_flexbuffer)(bytes.data(), bytes.size(), sink);
        });
      },
      py::arg("data"), "Any flexbuffer decoded by opbridge's bounded reader (ValueError if malformed).");
  m.def(
      "abi_probe_record",
      [] {
        return Collect([](const OpbridgeValueSink* sink) { return OPBRIDGE_C_NAME(_abi_probe_record)(sink); });
      },
      "What the ABI probe kernel last read in this thread, as a dict.");
}
