# Isolated ISA objects: op code compiled for a wider instruction set than the
# library's baseline x86-64, called only when the CPU has it (docs/design.md
# "Performance").
#
# Files named ops/<family>/*_avx2.cc are compiled with -mavx2 -mno-fma: Eigen's
# packet code then runs on 8-lane float / 4-lane double packets, the width of
# TF's x86-64 wheel (built for AVX). Not -mavx: AVX has no 256-bit integer
# instructions, and GCC compiles Eigen's split 256-bit integer ops (the
# exponent arithmetic of pexp, plog, psincos) lane by lane, slower than the
# SSE2 build (BesselY1 9.4 ms against 4.8). AVX2's float instructions are
# AVX's, and without FMA nothing is contracted: the same bits as TF's
# packets. Such a file instantiates Eigen and standard-library inline
# functions that other op files also instantiate, for SSE2. The linker keeps
# one copy of each such (COMDAT) function for the whole library, and it may
# be the AVX2 one, which a baseline CPU cannot run. So each AVX2 object is
# relinked as a relocatable object with its COMDAT groups dissolved
# (ld -r --force-group-allocation) and every symbol made local except the
# entry points, extern "C" opbridge_avx2_*: its copies are then private to it
# (two such objects may each hold a copy of one Eigen function). They form a
# static archive, one member per file, so a selective build links only the
# members whose entry points its ops call (cmake/IsolateAvx2.cmake).
include_guard(GLOBAL)

# Moves the *_avx2.cc files from <sources_var> to OPBRIDGE_AVX2_SOURCES: they are
# never baseline op files (nor a selective build's helpers).
function(opbridge_split_avx2_sources sources_var)
  set(_avx ${${sources_var}})
  list(FILTER _avx INCLUDE REGEX "_avx2\\.cc$")
  set(_rest ${${sources_var}})
  list(FILTER _rest EXCLUDE REGEX "_avx2\\.cc$")
  set(${sources_var} ${_rest} PARENT_SCOPE)
  set(OPBRIDGE_AVX2_SOURCES ${_avx} PARENT_SCOPE)
endfunction()

# Keeps in OPBRIDGE_AVX2_SOURCES only the files a selective build's op files
# (ARGN) can call. An AVX2 file includes the header that declares its entry
# points and the dispatcher the op file calls (cholesky_avx2.cc includes
# cholesky_batch.h); it is kept when one of the headers it includes is in the
# op files' include closure. Building every AVX2 file was 450-560 s of a
# selective build's ~550-640 s of compiling (svd_avx2.cc alone 116 s), for a
# model that calls one of them. A file left out wrongly cannot go unnoticed:
# the TFLite kernel library links with --no-undefined, so an entry point
# called and not built stops the link, naming it.
function(opbridge_keep_called_avx2_sources)
  set(_roots ${OPBRIDGE_SOURCE_DIR}/cpp/include ${OPBRIDGE_SOURCE_DIR}/cpp)
  set(_closure)
  set(_queue ${ARGN})
  while(_queue)
    list(POP_FRONT _queue _file)
    if(_file IN_LIST _closure)
      continue()
    endif()
    list(APPEND _closure ${_file})
    _opbridge_quoted_includes(_found ${_file} ${_roots})
    list(APPEND _queue ${_found})
  endwhile()
  set(_kept)
  foreach(_src IN LISTS OPBRIDGE_AVX2_SOURCES)
    _opbridge_quoted_includes(_own ${_src} ${_roots})
    foreach(_header IN LISTS _own)
      if(_header IN_LIST _closure)
        list(APPEND _kept ${_src})
        break()
      endif()
    endforeach()
  endforeach()
  set(OPBRIDGE_AVX2_SOURCES ${_kept} PARENT_SCOPE)
endfunction()

# <out>: the files that <file>'s #include "..." lines name, found beside it or
# under <roots> (as the compiler's -I would); names found nowhere (a system
# header written with quotes) are skipped.
function(_opbridge_quoted_includes out file)
  get_filename_component(_dir ${file} DIRECTORY)
  file(STRINGS ${file} _lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"[^\"]+\"")
  set(_found)
  foreach(_line IN LISTS _lines)
    string(REGEX MATCH "\"([^\"]+)\"" _m "${_line}")
    foreach(_root IN ITEMS ${_dir} ${ARGN})
      if(EXISTS ${_root}/${CMAKE_MATCH_1})
        get_filename_component(_path ${_root}/${CMAKE_MATCH_1} ABSOLUTE)
        list(APPEND _found ${_path})
        break()
      endif()
    endforeach()
  endforeach()
  set(${out} ${_found} PARENT_SCOPE)
endfunction()

# On x86-64: OPBRIDGE_AVX2_SOURCES built into the isolated archive, with the
# members OPBRIDGE_AVX2_REUSED names (isolated objects of another build tree),
# linked into each of the targets given (those that exist).
function(opbridge_link_avx2_archive)
  if((NOT OPBRIDGE_AVX2_SOURCES AND NOT OPBRIDGE_AVX2_REUSED)
     OR NOT CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    return()
  endif()
  set(_objects "")
  if(OPBRIDGE_AVX2_SOURCES)
    add_library(opbridge_avx2_objects OBJECT ${OPBRIDGE_AVX2_SOURCES})
    _opbridge_common(opbridge_avx2_objects)
    # -fno-gnu-unique: a function-local static of an inline function (Eigen's
    # trig_reduce_huge table) is otherwise a GNU_UNIQUE symbol, which objcopy
    # leaves global; as a plain weak symbol it is made local like the rest.
    # Function sections survive `ld -r`: a selective build's --gc-sections then
    # drops the entry points (and their Eigen code) that its ops do not call.
    target_compile_options(opbridge_avx2_objects PRIVATE -mavx2 -mno-fma -fno-gnu-unique -ffunction-sections
                                                         -fdata-sections)
    set(_objects $<TARGET_OBJECTS:opbridge_avx2_objects>)
  endif()
  set(_archive ${CMAKE_CURRENT_BINARY_DIR}/libopbridge_avx2.a)
  add_custom_command(
    OUTPUT ${_archive}
    COMMAND ${CMAKE_COMMAND} "-DOBJECTS=$<JOIN:${_objects},,>" "-DREUSED=$<JOIN:${OPBRIDGE_AVX2_REUSED},,>"
            -DOUT_DIR=${CMAKE_CURRENT_BINARY_DIR}/avx2_isolated -DARCHIVE=${_archive} -DLD=${CMAKE_LINKER}
            -DOBJCOPY=${CMAKE_OBJCOPY} -DNM=${CMAKE_NM} -DAR=${CMAKE_AR}
            -DCHECK=${OPBRIDGE_SOURCE_DIR}/cmake/CheckIsolated.cmake -P ${OPBRIDGE_SOURCE_DIR}/cmake/IsolateAvx2.cmake
    DEPENDS ${_objects} ${OPBRIDGE_AVX2_REUSED} ${OPBRIDGE_SOURCE_DIR}/cmake/IsolateAvx2.cmake
    VERBATIM
    COMMENT "Isolating the AVX2 objects, each on its own (cmake/IsolateAvx2.cmake)")
  add_custom_target(opbridge_avx2_archive DEPENDS ${_archive})
  foreach(_target IN LISTS ARGN)
    if(TARGET ${_target})
      add_dependencies(${_target} opbridge_avx2_archive)
      target_link_libraries(${_target} PRIVATE ${_archive})
    endif()
  endforeach()
endfunction()
