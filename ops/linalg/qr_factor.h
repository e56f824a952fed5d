// One matrix of Qr (qr.cc), shared by the baseline build and the AVX2 build
// of half (qr_half_avx2.cc): Eigen's HouseholderQR on a row-major map, then
// Q (full, or thin: the reflections applied to an [m, k] identity) and R.
#pragma once

#include <Eigen/Core>
#include <Eigen/QR>
#include <algorithm>
#include <cstdint>

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

}  // namespace opbridge::linalg

#if defined(__x86_64__)
extern "C" {
// The AVX2 (no FMA) build of FactorQr<Eigen::half> over `count` consecutive
// matrices: TF's x86-64 wheel runs Eigen's half packets (8 lanes, AVX), whose
// products add in float and round once; the baseline build has no half
// packets and rounds every step. Same bits as TF's (measured).
void opbridge_avx2_qr_half(const Eigen::half* a, int64_t count, int64_t m, int64_t n, bool full, Eigen::half* q,
                           Eigen::half* r);
}
#endif
