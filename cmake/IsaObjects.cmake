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
# be the AVX2 one, which a baseline CPU cannot run. So the AVX2 objects are
# linked into one relocatable object with their COMDAT groups dissolved
# (ld -r --force-group-allocation) and every symbol made local except the
# entry points, extern "C" opbridge_avx2_*: their copies are then private to
# them. The result is a static archive, so a selective build links it only
# when a chosen op calls an entry point.
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

# On x86-64: OPBRIDGE_AVX2_SOURCES built into the isolated archive, linked
# into each of the targets given (those that exist).
function(opbridge_link_avx2_archive)
  if(NOT OPBRIDGE_AVX2_SOURCES OR NOT CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    return()
  endif()
  add_library(opbridge_avx2_objects OBJECT ${OPBRIDGE_AVX2_SOURCES})
  _opbridge_common(opbridge_avx2_objects)
  # -fno-gnu-unique: a function-local static of an inline function (Eigen's
  # trig_reduce_huge table) is otherwise a GNU_UNIQUE symbol, which objcopy
  # leaves global; as a plain weak symbol it is made local like the rest.
  target_compile_options(opbridge_avx2_objects PRIVATE -mavx2 -mno-fma -fno-gnu-unique)
  set(_combined ${CMAKE_CURRENT_BINARY_DIR}/opbridge_avx2.o)
  set(_archive ${CMAKE_CURRENT_BINARY_DIR}/libopbridge_avx2.a)
  add_custom_command(
    OUTPUT ${_archive}
    COMMAND ${CMAKE_LINKER} -r --force-group-allocation -o ${_combined} $<TARGET_OBJECTS:opbridge_avx2_objects>
    COMMAND ${CMAKE_OBJCOPY} --wildcard --keep-global-symbol=opbridge_avx2_* ${_combined}
    COMMAND ${CMAKE_COMMAND} -DOBJECT=${_combined} -DNM=${CMAKE_NM} -DPREFIX=opbridge_avx2_
            -P ${OPBRIDGE_SOURCE_DIR}/cmake/CheckIsolated.cmake
    COMMAND ${CMAKE_COMMAND} -E rm -f ${_archive}
    COMMAND ${CMAKE_AR} qc ${_archive} ${_combined}
    DEPENDS $<TARGET_OBJECTS:opbridge_avx2_objects>
    COMMAND_EXPAND_LISTS
    COMMENT "Isolating the AVX2 objects (cmake/IsaObjects.cmake)")
  add_custom_target(opbridge_avx2_archive DEPENDS ${_archive})
  foreach(_target IN LISTS ARGN)
    if(TARGET ${_target})
      add_dependencies(${_target} opbridge_avx2_archive)
      target_link_libraries(${_target} PRIVATE ${_archive})
    endif()
  endforeach()
endfunction()
