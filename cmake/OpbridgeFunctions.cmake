# opbridge_add_op_library(<name> SOURCES <op files...> [PREFIX <c_prefix>] [PY_MODULE <module>]
#                         [DESTINATION <dir>])
#
# Builds one set of op sources into:
#   lib<name>_tf.so      TensorFlow op library (tf.load_op_library); links libtensorflow_framework
#   lib<name>_tflite.so  TFLite kernel library; C interface <prefix>_*; no TensorFlow dependency
#   <module>             pybind11 module over the kernel library (when PY_MODULE is given)
# The op files are compiled once, into an object library shared by both.
#
# Expects OPBRIDGE_SOURCE_DIR (the framework sources) and TF_INCLUDE_DIR to be set.
include_guard(GLOBAL)

set(OPBRIDGE_CORE_SOURCES
  ${OPBRIDGE_SOURCE_DIR}/cpp/core/attr_spec.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/core/catalog.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/core/dtype.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/core/binding.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/core/op_spec.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/core/params.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/core/shape.cc)
# The TFLite kernel adapter (OpSpec -> TfLiteRegistration) and the runtime
# plumbing around it (ABI checks, resolver bridge, delegate, C interface), and
# the LiteRT CompiledModel adapter (the delegate as a LiteRT accelerator).
set(OPBRIDGE_TFLITE_SOURCES
  ${OPBRIDGE_SOURCE_DIR}/cpp/adapters/litert/accelerator.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/adapters/litert/litert_abi.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/adapters/tflite/attr_decoding.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/adapters/tflite/flexbuffer.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/adapters/tflite/kernel_adapter.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/adapters/tflite/resource_store.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/adapters/tflite/select_tf_options.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/adapters/tflite/string_tensor.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/adapters/tflite/thread_pool.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/tflite_runtime/abi_probe.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/tflite_runtime/delegate.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/tflite_runtime/exports.cc
  ${OPBRIDGE_SOURCE_DIR}/cpp/tflite_runtime/resolver_bridge.cc)
set(OPBRIDGE_TF_SOURCES ${OPBRIDGE_SOURCE_DIR}/cpp/adapters/tf/tf_adapter.cc)
set(OPBRIDGE_WARNINGS -Wall -Wextra -Wno-unused-parameter)
# ccache when the machine has it (never required): rebuilds of unchanged op
# files, e.g. a fresh clone after an earlier build, come from its cache.
find_program(OPBRIDGE_CCACHE ccache)
if(OPBRIDGE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${OPBRIDGE_CCACHE})
endif()
option(OPBRIDGE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer (make sanitize)" OFF)
# The TF op library links the target's libtensorflow_framework. A cross build
# (aarch64, cmake/toolchains/) has none: TensorFlow publishes no aarch64 wheel
# of the version built against (docs/aarch64.md), so it ships the TFLite half
# only, and opbridge's TF-side features say so (python/opbridge/_tf_library.py).
if(CMAKE_CROSSCOMPILING)
  set(_opbridge_tf_default OFF)
else()
  set(_opbridge_tf_default ON)
endif()
option(OPBRIDGE_TF_LIBRARY "Build the TensorFlow op library (lib<name>_tf.so)" ${_opbridge_tf_default})

# Identical code folding with gold (--icf=safe folds only functions whose
# address is never compared): the same instructions for every kernel, about
# 5% fewer bytes in the full library (docs/size.md). Off where the compiler
# cannot link with gold.
execute_process(COMMAND ${CMAKE_CXX_COMPILER} -fuse-ld=gold -Wl,--version
                RESULT_VARIABLE _opbridge_gold_rc OUTPUT_QUIET ERROR_QUIET)
if(_opbridge_gold_rc EQUAL 0 AND NOT OPBRIDGE_SANITIZE)
  set(OPBRIDGE_FOLD_LINK_OPTIONS -fuse-ld=gold -Wl,--gc-sections -Wl,--icf=safe)
else()
  set(OPBRIDGE_FOLD_LINK_OPTIONS "")
endif()

function(_opbridge_common target)
  target_compile_features(${target} PRIVATE cxx_std_17)
  target_compile_options(${target} PRIVATE ${OPBRIDGE_WARNINGS})
  # A function-local static of an inline function (Eigen's tables, a kernel
  # template's scratch) is a GNU_UNIQUE symbol by default, and gold does not make those local
  # through a version script (GNU ld does): two opbridge libraries in a process
  # would share them. As plain weak symbols the version script hides them.
  # Changes no instruction.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -fno-gnu-unique)
  endif()
  # A section per function, so that the folding link (gold --icf=safe) can
  # merge the byte-identical local copies each op file makes of Eigen's
  # products (GCC's .isra/.constprop clones of gebp_kernel, gemv, the
  # triangular solves): in one .text section per object nothing but the
  # COMDAT templates could fold (docs/size.md). No instruction changes.
  if(OPBRIDGE_FOLD_LINK_OPTIONS)
    target_compile_options(${target} PRIVATE -ffunction-sections -fdata-sections)
  endif()
  # TF's flags (docs/design.md); Eigen comes from TF's include dir, as a system include.
  target_compile_definitions(${target} PRIVATE _GLIBCXX_USE_CXX11_ABI=1 EIGEN_MAX_ALIGN_BYTES=64)
  # cpp/include: the authoring and app headers; cpp/: the framework's own
  # (internal) headers, included by path from there ("core/...", "adapters/...").
  target_include_directories(${target} PRIVATE ${OPBRIDGE_SOURCE_DIR}/cpp/include ${OPBRIDGE_SOURCE_DIR}/cpp)
  target_include_directories(${target} SYSTEM PRIVATE ${TF_INCLUDE_DIR})
  if(OPBRIDGE_SANITIZE)
    # UB aborts instead of printing and going on, so a test run cannot miss it.
    # The sanitized build is the largest part of CI's time (docs/ci.md), so:
    # UBSan without its null checks (a null dereference crashes, which the runs
    # report anyway), object-size (ASan checks every access against its
    # object) and vptr (the kernels do no polymorphic downcasts): 10-25% of
    # the compile time. ASan's checks as calls instead of inline code (the
    # same checks; -18%), and without use-after-scope poisoning of every
    # local (-15% more; kernels' locals live for the whole call, and their
    # ParallelFor bodies run before it returns).
    set(_san -fsanitize=address,undefined -fno-sanitize=null,object-size,vptr -fno-sanitize-recover=undefined
             -fno-omit-frame-pointer)
    set(_san_compile --param=asan-instrumentation-with-call-threshold=0 -fno-sanitize-address-use-after-scope)
    target_link_options(${target} PRIVATE ${_san})
    # TF's headers (absl) do not compile under GCC's UBSan; the TF adapter is
    # not what the sanitized run exercises (it runs without TensorFlow).
    if(NOT target MATCHES "_tf$")
      # -O1 and line tables only, after the build type's -O3: GCC compiles the
      # Eigen-heavy ops under the sanitizers about 4x faster (svd.cc: 248 s
      # against 1015 s at -O3 -g), which is most of CI's time. The level
      # changes float results only where code is built for FMA (GCC contracts
      # a*b+c from -O2 on): such files keep -O3 (see CMakeLists.txt). The
      # sanitized run checks every seed bit for bit against the normal build.
      target_compile_options(${target} PRIVATE ${_san} ${_san_compile} -O1 -g1)
    endif()
  endif()
  # Every library carries its own copy of the framework: hide it, so two
  # libraries loaded RTLD_GLOBAL never bind to each other's registry.
  set_target_properties(${target} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()

function(opbridge_add_op_library name)
  cmake_parse_arguments(ARG "" "PREFIX;PY_MODULE;DESTINATION" "SOURCES" ${ARGN})
  if(NOT ARG_PREFIX)
    set(ARG_PREFIX ${name})
  endif()
  if(NOT ARG_DESTINATION)
    set(ARG_DESTINATION ${name})
  endif()

  add_library(${name}_objects OBJECT ${ARG_SOURCES} ${OPBRIDGE_CORE_SOURCES})
  _opbridge_common(${name}_objects)

  add_library(${name}_tflite SHARED $<TARGET_OBJECTS:${name}_objects> ${OPBRIDGE_TFLITE_SOURCES})
  _opbridge_common(${name}_tflite)
  target_compile_definitions(${name}_tflite PRIVATE OPBRIDGE_EXPORT_PREFIX=${ARG_PREFIX})
  # Export the C interface only. Hidden visibility is not enough: template
  # instantiations such as std::vector<opbridge::DType> are still exported weak,
  # and two opbridge libraries of different versions would bind to each other's.
  # Nothing may stay unresolved: the library must load with only libc/libstdc++ around.
  set(_tflite_map ${CMAKE_CURRENT_BINARY_DIR}/${name}_tflite.map)
  file(WRITE ${_tflite_map}
       "{ global: ${ARG_PREFIX}_*; tflite_plugin_create_delegate; tflite_plugin_destroy_delegate; local: *; };\n")
  target_link_options(${name}_tflite PRIVATE -Wl,--no-undefined -Wl,--version-script=${_tflite_map}
                                            ${OPBRIDGE_FOLD_LINK_OPTIONS})
  set_target_properties(${name}_tflite PROPERTIES LINK_DEPENDS ${_tflite_map})
  target_link_libraries(${name}_tflite PRIVATE ${CMAKE_DL_LIBS} Threads::Threads)

  if(OPBRIDGE_TF_LIBRARY)
    add_library(${name}_tf SHARED $<TARGET_OBJECTS:${name}_objects> ${OPBRIDGE_TF_SOURCES})
    _opbridge_common(${name}_tf)
    # In target_link_libraries, not link options: gcc links --as-needed here (docs/design.md).
    target_link_libraries(${name}_tf PRIVATE opbridge::tensorflow_framework)
    # TF finds the ops through registration at load; the library exports nothing.
    set(_tf_map ${CMAKE_CURRENT_BINARY_DIR}/${name}_tf.map)
    file(WRITE ${_tf_map} "{ local: *; };\n")
    target_link_options(${name}_tf PRIVATE -Wl,--version-script=${_tf_map} ${OPBRIDGE_FOLD_LINK_OPTIONS})

    install(TARGETS ${name}_tf LIBRARY DESTINATION ${ARG_DESTINATION}/lib)
  endif()
  install(TARGETS ${name}_tflite LIBRARY DESTINATION ${ARG_DESTINATION}/lib)

  if(ARG_PY_MODULE)
    pybind11_add_module(${name}_py MODULE ${OPBRIDGE_SOURCE_DIR}/cpp/python/python_module.cc)
    _opbridge_common(${name}_py)
    set_target_properties(${name}_py PROPERTIES OUTPUT_NAME ${ARG_PY_MODULE} INSTALL_RPATH "$ORIGIN/lib")
    # The module also tells Python where the TF op library is and which
    # TensorFlow it was built against (checked before tf.load_op_library).
    target_compile_definitions(${name}_py PRIVATE OPBRIDGE_EXPORT_PREFIX=${ARG_PREFIX}
                                                   OPBRIDGE_PY_MODULE=${ARG_PY_MODULE}
                                                   OPBRIDGE_TF_LIBRARY="lib${name}_tf.so"
                                                   OPBRIDGE_TF_VERSION="${TF_VERSION}")
    target_link_libraries(${name}_py PRIVATE ${name}_tflite ${CMAKE_DL_LIBS})
    install(TARGETS ${name}_py LIBRARY DESTINATION ${ARG_DESTINATION})
  endif()
endfunction()
