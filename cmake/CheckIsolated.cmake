# cmake -DOBJECT=<file> -DNM=<nm> -DPREFIX=<prefix> -P CheckIsolated.cmake
# Fails unless every global symbol <file> defines starts with <prefix>: the
# check behind cmake/IsaObjects.cmake's isolation (an AVX2 copy of a shared
# inline function left global could replace the baseline one library-wide).
execute_process(COMMAND ${NM} -g --defined-only ${OBJECT} OUTPUT_VARIABLE _symbols RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${OBJECT}")
endif()
string(REPLACE "\n" ";" _lines "${_symbols}")
set(_count 0)
foreach(_line IN LISTS _lines)
  if(_line STREQUAL "")
    continue()
  endif()
  string(REGEX REPLACE "^.* " "" _name "${_line}")
  if(NOT _name MATCHES "^${PREFIX}")
    message(FATAL_ERROR "${OBJECT}: global symbol ${_name} is not an entry point (${PREFIX}*); "
                        "it must be local (cmake/IsaObjects.cmake)")
  endif()
  math(EXPR _count "${_count} + 1")
endforeach()
if(_count EQUAL 0)
  message(FATAL_ERROR "${OBJECT} defines no ${PREFIX}* entry point")
endif()
