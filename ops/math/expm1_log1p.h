// Shared by Expm1, Log1p and their Opbridge> substitutes: the scalar functions,
// element by element.
//
// TF's CPU kernel evaluates Eigen's packet expm1/log1p (a formula on exp/log
// of 1 + x, up to 2 ulp off) on whole packets and the C library's expm1/log1p
// (within 1 ulp) on the leftover elements, so an element's value depends on its
// position. Here every real element gets the C library's function (through
// Eigen::numext: half and bfloat16 via float): position- and thread-independent,
// within 2 ulp of TF's (measured by the parity tests); float32 with AVX2 and
// FMA gets the correctly rounded value instead (FloatAvx2Fma), at TF's speed.
#pragma once

#include "avx2_dispatch.h"
#include "elementwise.h"
#include "expm1_double_avx2.h"
#include "expm1_log1p_avx2.h"
#include "log1p_double_avx2.h"

namespace opbridge {
namespace math {

// y = f(x) over an Eigen array: the C library's function per element for real
// types; complex evaluates Eigen's functor as TF does (its complex64 log1p
// takes the packet path, which the scalar complex formula does not match).
template <typename Array>
auto Expm1Of(const Array& x) {
  using T = typename Array::Scalar;
  if constexpr (Eigen::NumTraits<T>::IsComplex) {
    return x.expm1().eval();
  } else {
    return x.unaryExpr([](const T& v) { return static_cast<T>(Eigen::numext::expm1(v)); });
  }
}

template <typename Array>
auto Log1pOf(const Array& x) {
  using T = typename Array::Scalar;
  if constexpr (Eigen::NumTraits<T>::IsComplex) {
    return x.log1p().eval();
  } else {
    return x.unaryExpr([](const T& v) { return static_cast<T>(Eigen::numext::log1p(v)); });
  }
}

// float32 on CPUs with AVX2 and FMA: expm1_log1p_avx2.h's double-precision
// evaluation (correctly rounded but within ~1e-14 of a boundary, ~10x the C
// library's speed). Returns false, having done nothing, for other dtypes and
// CPUs.
template <bool kExpm1>
bool FloatAvx2Fma(KernelContext& ctx) {
#if defined(__x86_64__)
  const ConstTensor& x = ctx.input(0);
  if (x.dtype() != DType::kFloat32 || !UseAvx2Fma()) return false;
  const float* in = x.data<float>();
  float* out = ctx.output(0).data<float>();
  ctx.ParallelFor(x.num_elements(), 2, [&](int64_t begin, int64_t end) {
    expm1_log1p_avx2::Apply<kExpm1>(in + begin, out + begin, end - begin);
  });
  return true;
#else
  return false;
#endif
}

// float64 on CPUs with AVX2 and FMA: expm1_double_avx2.h and
// log1p_double_avx2.h (within 0.85 ulp, as the C library, at 6-10x its speed).
// Returns false, having done nothing, for other dtypes and CPUs.
template <bool kExpm1>
bool DoubleAvx2Fma(KernelContext& ctx) {
#if defined(__x86_64__)
  const ConstTensor& x = ctx.input(0);
  if (x.dtype() != DType::kFloat64 || !UseAvx2Fma()) return false;
  const double* in = x.data<double>();
  double* out = ctx.output(0).data<double>();
  ctx.ParallelFor(x.num_elements(), 3, [&](int64_t begin, int64_t end) {
    if constexpr (kExpm1) {
      expm1_double_avx2::Apply(in + begin, out + begin, end - begin);
    } else {
      log1p_double_avx2::Apply(in + begin, out + begin, end - begin);
    }
  });
  return true;
#else
  return false;
#endif
}

}  // namespace math
}  // namespace opbridge
