# RE2 for the regex ops (ops/*/*regex*.cc): built from source, statically,
# into both op libraries (docs/design.md, "Libraries linked"). Debian's libre2.a
# is not position-independent, so it cannot go into a shared library; the
# source comes from Debian's archive through apt (cmake/fetch_re2.sh) into
# .cache/, once per checkout, and is reused by every build tree (normal and
# sanitized).
#
# Three guards keep ours apart from the RE2 inside libtensorflow_framework
# (another version, which the TF op library links): the namespace is renamed
# (re2 -> opbridge_re2, also in the ops that include re2.h) so no reference of
# ours can bind to TF's symbols whatever the link order; the objects are hidden;
# and the libraries' version scripts export nothing of it.
include_guard(GLOBAL)

set(OPBRIDGE_RE2_DIR "${OPBRIDGE_SOURCE_DIR}/.cache/re2-20220601" CACHE PATH
    "RE2 2022-06-01 source with generated Unicode tables (fetched by cmake/fetch_re2.sh when absent)")
if(NOT EXISTS "${OPBRIDGE_RE2_DIR}/.complete")
  message(STATUS "opbridge: fetching RE2's source into ${OPBRIDGE_RE2_DIR}")
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env "PYTHON=${Python_EXECUTABLE}"
            sh "${OPBRIDGE_SOURCE_DIR}/cmake/fetch_re2.sh" "${OPBRIDGE_RE2_DIR}"
    RESULT_VARIABLE _re2_rc
    OUTPUT_VARIABLE _re2_out
    ERROR_VARIABLE _re2_out)
  if(NOT _re2_rc EQUAL 0)
    message(FATAL_ERROR "cmake/fetch_re2.sh failed (it needs apt-get, dpkg-deb, perl and python3):\n${_re2_out}")
  endif()
endif()

# Only what RE2's matching needs: not FilteredRE2/prefilters, RE2::Set, the
# PCRE shim, tests or benchmarks.
set(_re2_names
  util/rune util/strutil
  re2/bitstate re2/compile re2/dfa re2/nfa re2/onepass re2/parse re2/perl_groups
  re2/prog re2/re2 re2/regexp re2/simplify re2/stringpiece re2/tostring
  re2/unicode_casefold re2/unicode_groups)
set(_re2_sources)
foreach(_n IN LISTS _re2_names)
  list(APPEND _re2_sources "${OPBRIDGE_RE2_DIR}/${_n}.cc")
endforeach()

add_library(opbridge_re2 STATIC ${_re2_sources})
target_include_directories(opbridge_re2 SYSTEM PUBLIC "${OPBRIDGE_RE2_DIR}")
target_compile_definitions(opbridge_re2 PUBLIC re2=opbridge_re2)
target_compile_features(opbridge_re2 PRIVATE cxx_std_17)
# Third-party code: its own warnings are not ours to fix. -O3: at -O2 the
# DFA's search loop (DFA::InlinedSearchLoop, nearly all of a regex op's
# time) ran RegexFullMatch `.*\d.*` at 1.2-1.3x TF's time on an Intel Xeon,
# 0.7x at -O3 (+86 KB stripped, 2026-12-03; docs/design.md).
target_compile_options(opbridge_re2 PRIVATE -w -O3)
target_link_libraries(opbridge_re2 PRIVATE Threads::Threads)
set_target_properties(opbridge_re2 PROPERTIES
  POSITION_INDEPENDENT_CODE ON
  CXX_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON)
