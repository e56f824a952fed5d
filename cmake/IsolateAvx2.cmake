# cmake -DOBJECTS="a.o,b.o,..." [-DREUSED="x.isolated.o,..."] -DOUT_DIR=<dir> -DARCHIVE=<lib.a> -DLD=<ld> -DOBJCOPY=<objcopy>
#       -DNM=<nm> -DAR=<ar> -DCHECK=<CheckIsolated.cmake> -P IsolateAvx2.cmake
# Isolates each AVX2 object on its own (cmake/IsaObjects.cmake says how) and
# archives them, one member per source file: a selective build then links only
# the members whose entry points its ops call (one combined object brought all
# of them, Bessel, Lu and the matrix functions, to a model that used one).
string(REPLACE "," ";" _objects "${OBJECTS}")
file(MAKE_DIRECTORY ${OUT_DIR})
file(REMOVE ${ARCHIVE})
set(_members)
foreach(_object IN LISTS _objects)
  get_filename_component(_name ${_object} NAME_WE)
  set(_isolated ${OUT_DIR}/${_name}.isolated.o)
  execute_process(COMMAND ${LD} -r --force-group-allocation -o ${_isolated} ${_object} RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${LD} -r failed on ${_object}")
  endif()
  execute_process(COMMAND ${OBJCOPY} --wildcard --keep-global-symbol=opbridge_avx2_* ${_isolated} RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${OBJCOPY} failed on ${_isolated}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -DOBJECT=${_isolated} -DNM=${NM} -DPREFIX=opbridge_avx2_ -P ${CHECK}
                  RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${_isolated} is not isolated")
  endif()
  list(APPEND _members ${_isolated})
endforeach()
# Members isolated by another build (the sanitized build takes the normal
# build's Eigen ones: CMakeLists.txt, OPBRIDGE_REUSE_OBJECTS).
if(REUSED)
  string(REPLACE "," ";" _reused "${REUSED}")
  list(APPEND _members ${_reused})
endif()
execute_process(COMMAND ${AR} qc ${ARCHIVE} ${_members} RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "${AR} failed on ${ARCHIVE}")
endif()
