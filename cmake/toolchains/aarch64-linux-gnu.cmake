# Cross build for 64-bit ARM Linux (Raspberry Pi 4/5, Jetson, ARM servers) on
# an x86-64 Debian machine: Debian's g++-aarch64-linux-gnu, the target Python's
# headers from the arm64 sysroot that tools/aarch64/setup.sh unpacks. See
# docs/aarch64.md; `make wheels` passes this file to scikit-build-core.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# The sysroot holds Debian's arm64 python3.11 (libpython3.11-dev). The
# compiler keeps its own libc and libstdc++ (the cross toolchain's, same
# Debian release); the sysroot's include dir comes after them (-idirafter),
# so only what the toolchain lacks comes from there: Debian's multiarch
# pyconfig.h includes <aarch64-linux-gnu/python3.11/pyconfig.h>.
get_filename_component(_opbridge_root "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(OPBRIDGE_AARCH64_SYSROOT "${_opbridge_root}/.cache/aarch64/sysroot" CACHE PATH
    "arm64 sysroot with Debian's python3.11 headers (tools/aarch64/setup.sh)")
# -ffp-contract=off: FMA is baseline on aarch64, and GCC contracts a * b + c
# into one fused instruction by default (-ffp-contract=fast), which the x86-64
# build (no FMA in its baseline) never does: the kernels' scalar arithmetic
# would round differently from x86-64's and TF's bits, and differently in a
# loop's vectorized body and its remainder, so with the thread count (Cross's
# a*b - c*d, measured: docs/aarch64.md). Eigen's packet math still fuses
# where it calls pmadd explicitly, as TF's own aarch64 build does.
set(CMAKE_CXX_FLAGS_INIT "-ffp-contract=off -idirafter ${OPBRIDGE_AARCH64_SYSROOT}/usr/include")
set(CMAKE_C_FLAGS_INIT "-ffp-contract=off -idirafter ${OPBRIDGE_AARCH64_SYSROOT}/usr/include")

# Programs (the host Python that scikit-build-core runs CMake with, ccache)
# are the build machine's; headers and libraries the target's.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu "${OPBRIDGE_AARCH64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
