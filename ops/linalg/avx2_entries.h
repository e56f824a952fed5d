// The element types of the linear-algebra ops whose Eigen decompositions have
// an isolated AVX2 build (cmake/IsaObjects.cmake, files *_avx2.cc): X(T, Real,
// suffix) once per type, to declare, define and call the extern "C" entry
// points opbridge_avx2_<name>_<suffix> without writing each four times.
//
// Why AVX2 builds: TF's x86-64 wheel runs Eigen on AVX packets (8 floats, 4
// doubles); the library's baseline build has SSE2's 4 / 2 lanes, and Eigen's
// blocked algorithms (LU, LLT, Householder, tridiagonalization) on matrices
// of 128 and more took 1.1-1.7x TF's time there (measured 2026-12-05).
#pragma once

#include <complex>

#define OPBRIDGE_LINALG_AVX2_TYPES(X)     \
  X(float, float, f32)                    \
  X(double, double, f64)                  \
  X(std::complex<float>, float, c64)      \
  X(std::complex<double>, double, c128)
