# Selective build (docs/size.md): -DOPBRIDGE_OPS="Erfinv;MatrixInverse;..." keeps
# only the op files that register those ops, as TFLite's selective build does
# for its own kernels; empty (the default) builds every op.
#
# Op names are found where the ops declare them, OPBRIDGE_REGISTER_OP(OpSpec("Name"),
# scanned at configure time, so the list cannot drift from the sources. A name
# may be given as a model's custom code: "Flex<Op>" (a Select-TF node) selects
# <Op>; prefixed names ("TFText>...", "Opbridge>...") are given whole. A file
# that registers several ops brings all of them.
#
# Op files that register no op (shared helpers such as the Unicode tables) go
# into a static archive instead of the object library: the linker takes a
# helper only when a chosen op calls into it.
include_guard(GLOBAL)

# Fills <out_ops> with "name=file" pairs for every op registered in <sources>,
# and <out_helpers> with the sources that register none.
function(opbridge_scan_registered_ops out_ops out_helpers)
  set(_pairs)
  set(_helpers)
  foreach(_src IN LISTS ARGN)
    file(STRINGS "${_src}" _lines REGEX "OPBRIDGE_REGISTER_OP\\(OpSpec\\(\"[^\"]+\"")
    if(NOT _lines)
      list(APPEND _helpers "${_src}")
      continue()
    endif()
    foreach(_line IN LISTS _lines)
      string(REGEX MATCH "OpSpec\\(\"([^\"]+)\"" _m "${_line}")
      list(APPEND _pairs "${CMAKE_MATCH_1}=${_src}")
    endforeach()
  endforeach()
  set(${out_ops} "${_pairs}" PARENT_SCOPE)
  set(${out_helpers} "${_helpers}" PARENT_SCOPE)
endfunction()

# Sets <out_sources> to the op files defining <ops> (a list of names),
# <out_helpers> to the helper files and <out_count> to the number of ops the
# chosen files register; stops the configure naming every unknown op.
function(opbridge_select_op_sources out_sources out_helpers out_count ops)
  opbridge_scan_registered_ops(_pairs _helpers ${ARGN})
  set(_names)
  set(_files)
  foreach(_pair IN LISTS _pairs)
    # Op names are C++ string literals without '=', so the first '=' splits.
    string(FIND "${_pair}" "=" _eq)
    string(SUBSTRING "${_pair}" 0 ${_eq} _name)
    math(EXPR _eq "${_eq} + 1")
    string(SUBSTRING "${_pair}" ${_eq} -1 _file)
    list(APPEND _names "${_name}")
    list(APPEND _files "${_file}")
  endforeach()
  set(_chosen)
  set(_unknown)
  foreach(_op IN LISTS ops)
    string(STRIP "${_op}" _op)
    if(_op STREQUAL "")
      continue()
    endif()
    list(FIND _names "${_op}" _at)
    if(_at EQUAL -1 AND _op MATCHES "^Flex(.+)$")
      list(FIND _names "${CMAKE_MATCH_1}" _at)
    endif()
    if(_at EQUAL -1)
      list(APPEND _unknown "${_op}")
    else()
      list(GET _files ${_at} _file)
      list(APPEND _chosen "${_file}")
    endif()
  endforeach()
  if(_unknown)
    string(REPLACE ";" ", " _unknown "${_unknown}")
    message(FATAL_ERROR "OPBRIDGE_OPS: no op file registers ${_unknown} "
                        "(names as in OPBRIDGE_REGISTER_OP(OpSpec(\"Name\")), or Flex<Name>)")
  endif()
  if(NOT _chosen)
    message(FATAL_ERROR "OPBRIDGE_OPS is set but names no op")
  endif()
  list(REMOVE_DUPLICATES _chosen)
  set(_count 0)
  foreach(_file IN LISTS _files)
    if(_file IN_LIST _chosen)
      math(EXPR _count "${_count} + 1")
    endif()
  endforeach()
  set(${out_count} ${_count} PARENT_SCOPE)
  set(${out_sources} "${_chosen}" PARENT_SCOPE)
  set(${out_helpers} "${_helpers}" PARENT_SCOPE)
endfunction()

# The rest of a selective build of the op library <name> (opbridge_add_op_library):
# the helper archive, and size flags that cost no speed (docs/size.md): every
# function and datum in its own section so the linker drops what no chosen op
# reaches, and, with gold, identical functions folded (--icf=safe folds only
# functions whose address is never taken). Neither changes the instructions of a
# kernel: -O3 and the floating-point flags stay those of the full build.
function(opbridge_finish_selective_library name op_count)
  if(ARGN)
    add_library(${name}_op_helpers STATIC ${ARGN})
    _opbridge_common(${name}_op_helpers)
    target_compile_options(${name}_op_helpers PRIVATE -ffunction-sections -fdata-sections)
    foreach(_lib ${name}_tflite ${name}_tf)
      if(TARGET ${_lib})  # no _tf in a cross build (OPBRIDGE_TF_LIBRARY)
        target_link_libraries(${_lib} PRIVATE "$<LINK_ONLY:${name}_op_helpers>")
      endif()
    endforeach()
  endif()
  # The TFLite adapter's table of per-op init functions (kernel_adapter.cc),
  # sized for these ops: every op may be registered twice (Name and Flex<Name>),
  # once without Select TF ops nodes (OPBRIDGE_SELECT_TF).
  if(OPBRIDGE_SELECT_TF)
    math(EXPR _slots "2 * ${op_count}")
  else()
    set(_slots ${op_count})
  endif()
  target_compile_definitions(${name}_tflite PRIVATE OPBRIDGE_MAX_TFLITE_OPS=${_slots})
  # The kernel libraries fold with gold already (OPBRIDGE_FOLD_LINK_OPTIONS);
  # here the pybind module too, and --gc-sections with GNU ld when gold is absent.
  set(_link -Wl,--gc-sections ${OPBRIDGE_FOLD_LINK_OPTIONS})
  # The framework (attr parsing, option decoding, the adapter's plumbing) runs
  # at load and prepare, not per element: compiled for size here (it is most
  # of a small selective library: 418 KB of symbols at -O3, 154 KB at -Os, for
  # three elementwise ops). The op files keep -O3 and every other flag.
  set(_framework ${OPBRIDGE_CORE_SOURCES} ${OPBRIDGE_TFLITE_SOURCES} ${OPBRIDGE_TF_SOURCES})
  set_source_files_properties(${_framework} DIRECTORY ${CMAKE_SOURCE_DIR} PROPERTIES COMPILE_OPTIONS -Os)
  foreach(_t ${name}_objects ${name}_tflite ${name}_tf ${name}_py)
    if(TARGET ${_t})
      target_compile_options(${_t} PRIVATE -ffunction-sections -fdata-sections)
    endif()
  endforeach()
  foreach(_t ${name}_tflite ${name}_tf ${name}_py)
    if(TARGET ${_t})
      target_link_options(${_t} PRIVATE ${_link})
    endif()
  endforeach()
endfunction()

# Sets <out_mask> to the bit mask (1 << DType, opbridge/dtype.h's enum values)
# of the dtypes named in ARGN (TF's spellings: float, double, half, int32, ...);
# stops the configure naming every unknown one.
function(opbridge_dtype_mask out_mask)
  # In the order of opbridge::DType, from 1 (0 is kInvalid).
  set(_names float double half bfloat16 int8 int16 int32 int64 uint8 uint16 uint32 uint64 bool string
             complex64 complex128 resource)
  set(_mask 0)
  set(_unknown)
  foreach(_name IN LISTS ARGN)
    string(STRIP "${_name}" _name)
    if(_name STREQUAL "")
      continue()
    endif()
    list(FIND _names "${_name}" _at)
    if(_at EQUAL -1)
      list(APPEND _unknown "${_name}")
    else()
      math(EXPR _mask "${_mask} | (1 << (${_at} + 1))")
    endif()
  endforeach()
  if(_unknown)
    string(REPLACE ";" ", " _unknown "${_unknown}")
    list(JOIN _names ", " _known)
    message(FATAL_ERROR "OPBRIDGE_DTYPES: unknown dtype ${_unknown} (known: ${_known})")
  endif()
  if(_mask EQUAL 0)
    message(FATAL_ERROR "OPBRIDGE_DTYPES is set but names no dtype")
  endif()
  set(${out_mask} ${_mask} PARENT_SCOPE)
endfunction()
