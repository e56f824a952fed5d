# Asks the installed TensorFlow for what a custom-op library needs (docs/design.md,
# "TensorFlow op library"): its include dir (which also carries Eigen, absl and
# protobuf headers), its library dir and version. Sets TF_INCLUDE_DIR,
# TF_LIBRARY, TF_VERSION and the imported target opbridge::tensorflow_framework.
if(NOT Python_EXECUTABLE)
  find_package(Python COMPONENTS Interpreter REQUIRED)
endif()
execute_process(
  COMMAND "${Python_EXECUTABLE}" -c
    "import os, tensorflow as tf; print(tf.sysconfig.get_include()); print(tf.sysconfig.get_lib()); print(tf.__version__)"
  OUTPUT_VARIABLE _tf_out
  ERROR_VARIABLE _tf_err
  RESULT_VARIABLE _tf_rc
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _tf_rc EQUAL 0)
  message(FATAL_ERROR "opbridge builds against an installed TensorFlow, and `${Python_EXECUTABLE} -c 'import tensorflow'` failed:\n${_tf_err}\n"
                      "Install tensorflow (or tensorflow-cpu) into the build environment and build with --no-build-isolation.")
endif()
string(REPLACE "\n" ";" _tf_lines "${_tf_out}")
list(LENGTH _tf_lines _tf_n)
math(EXPR _tf_last "${_tf_n} - 1")
list(GET _tf_lines ${_tf_last} TF_VERSION)
math(EXPR _tf_lib_i "${_tf_n} - 2")
list(GET _tf_lines ${_tf_lib_i} _tf_lib_dir)
math(EXPR _tf_inc_i "${_tf_n} - 3")
list(GET _tf_lines ${_tf_inc_i} TF_INCLUDE_DIR)
set(TF_LIBRARY "${_tf_lib_dir}/libtensorflow_framework.so.2")
if(NOT EXISTS "${TF_LIBRARY}")
  message(FATAL_ERROR "TensorFlow ${TF_VERSION} has no ${TF_LIBRARY}")
endif()
if(NOT TARGET opbridge::tensorflow_framework)
  add_library(opbridge::tensorflow_framework SHARED IMPORTED)
  set_target_properties(opbridge::tensorflow_framework PROPERTIES
    IMPORTED_LOCATION "${TF_LIBRARY}"
    IMPORTED_NO_SONAME FALSE
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${TF_INCLUDE_DIR}"
    INTERFACE_INCLUDE_DIRECTORIES "${TF_INCLUDE_DIR}")
endif()
message(STATUS "opbridge: TensorFlow ${TF_VERSION} at ${TF_INCLUDE_DIR}")
