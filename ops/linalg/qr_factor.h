// One matrix of Qr (qr.cc), shared by the baseline build and the AVX2 build
// (qr_avx2.cc): Eigen's HouseholderQR on a row-major map, then Q (full, or
// thin: the reflections applied to an [m, k] identity) and R.
#pragma once

#include <Eigen/Core>
#include <Eigen/QR>
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "avx2_entries.h"
#include "linalg_common.h"

namespace opbridge::linalg {

// The decomposition's workspace for a run of [m, n] matrices, reused across them.
template <typename T>
struct QrWorkspace {
  QrWorkspace(int64_t m, int64_t n, bool full)
      : qr(m, n),
        // Thin Q: TF applies the reflections to a materialized [m, k] identity.
        // A product with an Identity() expression takes another Eigen path,
        // which does not spread a NaN input through Q as TF's does.
        identity(full ? RowMatrix<T>() : RowMatrix<T>::Identity(m, std::min(m, n))) {}
  Eigen::HouseholderQR<RowMatrix<T>> qr;
  const RowMatrix<T> identity;
};

// Q ([m, m] if full, else [m, k]) and R ([m, n] or [k, n]) of the [m, n] matrix a.
template <typename T>
void FactorQr(QrWorkspace<T>& w, const T* a, int64_t m, int64_t n, bool full, T* q_data, T* r_data) {
  const int64_t k = std::min(m, n);
  MatrixMap<T> q(q_data, m, full ? m : k);
  MatrixMap<T> r(r_data, full ? m : k, n);
  if (k == 0) {
    // No reflections: Q is the identity (empty unless full with m > 0), R is empty.
    q.setIdentity();
    return;
  }
  w.qr.compute(ConstMatrixMap<T>(a, m, n));
  if (full) {
    q = w.qr.householderQ();
    r = w.qr.matrixQR().template triangularView<Eigen::Upper>();
  } else {
    q = w.qr.householderQ() * w.identity;
    r = w.qr.matrixQR().block(0, 0, k, n).template triangularView<Eigen::Upper>();
  }
}

// FactorQr over `count` consecutive [m, n] matrices, one workspace for all.
template <typename T>
void FactorQrs(const T* a, int64_t count, int64_t m, int64_t n, bool full, T* q, T* r) {
  const int64_t k = std::min(m, n);
  const int64_t q_size = m * (full ? m : k), r_size = (full ? m : k) * n;
  QrWorkspace<T> w(m, n, full);
  for (int64_t b = 0; b < count; ++b) FactorQr(w, a + b * m * n, m, n, full, q + b * q_size, r + b * r_size);
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
// The AVX2 (no FMA) builds of FactorQr over `count` consecutive matrices
// (qr_avx2.cc). half: TF's x86-64 wheel runs Eigen's half packets (8 lanes,
// AVX), whose products add in float and round once; the baseline build has
// no half packets and rounds every step: same bits as TF's (measured). The
// other types: TF's packet width (avx2_entries.h says why).
#define OPBRIDGE_QR_AVX2_TYPES(X) \
  OPBRIDGE_LINALG_AVX2_TYPES(X)   \
  X(Eigen::half, float, half)
#define OPBRIDGE_DECLARE_QR_AVX2(T, Real, suffix)                                                       \
  void opbridge_avx2_qr_##suffix(const T* a, int64_t count, int64_t m, int64_t n, bool full, T* q, T* r);
extern "C" {
OPBRIDGE_QR_AVX2_TYPES(OPBRIDGE_DECLARE_QR_AVX2)
}
#undef OPBRIDGE_DECLARE_QR_AVX2
#endif

namespace opbridge::linalg {

// FactorQr over `count` consecutive [m, n] matrices, on the AVX2 build where
// the CPU has it.
template <typename T>
void RunFactorQrs(const T* a, int64_t count, int64_t m, int64_t n, bool full, T* q, T* r) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
#define OPBRIDGE_CALL_QR_AVX2(U, Real, suffix) \
  if constexpr (std::is_same_v<T, U>) return opbridge_avx2_qr_##suffix(a, count, m, n, full, q, r);
    OPBRIDGE_QR_AVX2_TYPES(OPBRIDGE_CALL_QR_AVX2)
#undef OPBRIDGE_CALL_QR_AVX2
  }
#endif
  FactorQrs<T>(a, count, m, n, full, q, r);
}

}  // namespace opbridge::linalg
