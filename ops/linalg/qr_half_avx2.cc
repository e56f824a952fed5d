// Qr on half, built for AVX2 without FMA (cmake/IsaObjects.cmake): the
// packet width and roundings of TF's x86-64 wheel (qr_factor.h says why).
#include "qr_factor.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "qr_half_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

void opbridge_avx2_qr_half(const Eigen::half* a, int64_t count, int64_t m, int64_t n, bool full, Eigen::half* q,
                           Eigen::half* r) {
  const int64_t k = std::min(m, n);
  const int64_t q_size = m * (full ? m : k), r_size = (full ? m : k) * n;
  opbridge::linalg::QrWorkspace<Eigen::half> w(m, n, full);
  for (int64_t b = 0; b < count; ++b) {
    opbridge::linalg::FactorQr(w, a + b * m * n, m, n, full, q + b * q_size, r + b * r_size);
  }
}
