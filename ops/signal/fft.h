// Discrete Fourier transforms for the signal ops (IRFFT, IRFFT2D, IRFFT3D).
//
// Plan: a complex DFT of any length n, computed in double precision whatever
// the tensor's type (float inputs then carry less rounding than TF's float
// kernel, so parity is bounded by TF's own error).
//   - n whose prime factors are all <= kMaxDirectRadix: Stockham autosort
//     passes, radix 4 and 2 specialised, 3, 5 and 7 unrolled, other factors
//     by a direct p-point DFT; twiddles precomputed per pass;
//   - otherwise Bluestein's chirp-z algorithm over a power-of-two plan.
// Data are split arrays (real parts, imaginary parts): every load and store
// is a plain double, which keeps the CPU's store forwarding working
// (interleaved std::complex code mixed 8- and 16-byte accesses and ran
// several times slower), and the inner loops are contiguous.
// Twiddles are exp(-2*pi*i*k/n) from std::cos/std::sin of each k (no
// recurrences), exact to a double's rounding.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace opbridge {
namespace fft {

using Complex = std::complex<double>;

// Padding (in doubles) between the arrays carved out of one buffer: arrays
// 2^k bytes apart alias in the L1 cache (4K aliasing) and run much slower.
constexpr size_t kGap = 8;

// Per-thread buffers a plan works in.
struct Workspace {
  std::vector<double> passes;     // Stockham ping-pong arrays
  std::vector<double> bluestein;  // Bluestein's convolution arrays
};

class Plan {
 public:
  static constexpr int64_t kMaxDirectRadix = 64;

  explicit Plan(int64_t n) : n_(n) {
    if (n_ <= 1) return;
    std::vector<int64_t> factors;
    int64_t rest = n_;
    for (const int64_t p : {int64_t{4}, int64_t{2}, int64_t{3}, int64_t{5}}) {
      for (; rest % p == 0; rest /= p) factors.push_back(p);
    }
    for (int64_t p = 7; p * p <= rest; p += 2) {
      for (; rest % p == 0; rest /= p) factors.push_back(p);
    }
    if (rest > 1) factors.push_back(rest);
    if (*std::max_element(factors.begin(), factors.end()) > kMaxDirectRadix) {
      InitBluestein();
      return;
    }
    // Pass s transforms length `len` (n_ divided by the factors before it) with radix p.
    int64_t len = n_;
    for (const int64_t p : factors) {
      Pass pass;
      pass.radix = p;
      pass.m = len / p;
      pass.tw_re.resize(static_cast<size_t>((p - 1) * pass.m));
      pass.tw_im.resize(pass.tw_re.size());
      for (int64_t r = 1; r < p; ++r) {
        for (int64_t k = 0; k < pass.m; ++k) {
          const Complex w = Root(r * k, len);
          pass.tw_re[static_cast<size_t>((r - 1) * pass.m + k)] = w.real();
          pass.tw_im[static_cast<size_t>((r - 1) * pass.m + k)] = w.imag();
        }
      }
      if (p != 2 && p != 4) {
        for (int64_t k = 0; k < p; ++k) {
          const Complex w = Root(k, p);
          pass.root_re.push_back(w.real());
          pass.root_im.push_back(w.imag());
        }
      }
      passes_.push_back(std::move(pass));
      len /= p;
    }
  }

  int64_t size() const { return n_; }

  // In place on split arrays of n values: X[k] = sum_j x[j] exp(-+2*pi*i*j*k/n)
  // (minus: forward, plus: inverse; no scaling). Give each thread its own workspace.
  void Transform(double* re, double* im, bool inverse, Workspace* ws) const {
    if (n_ <= 1) return;
    // An inverse DFT is the conjugate of the forward DFT of the conjugate.
    if (inverse) Negate(im);
    if (bluestein_) {
      Bluestein(re, im, ws);
    } else {
      Stockham(re, im, ws);
    }
    if (inverse) Negate(im);
  }

 private:
  struct Pass {
    int64_t radix = 0;
    int64_t m = 0;                     // the pass's length divided by its radix
    std::vector<double> tw_re, tw_im;  // W_len^(r*k): [r-1][k], r < radix, k < m
    std::vector<double> root_re, root_im;  // W_radix^k (direct radices only)
  };

  // exp(-2*pi*i*k/n), k reduced first so that large k stay accurate.
  static Complex Root(int64_t k, int64_t n) {
    k %= n;
    if (k < 0) k += n;
    const double angle = -2.0 * M_PI * static_cast<double>(k) / static_cast<double>(n);
    return Complex(std::cos(angle), std::sin(angle));
  }

  void Negate(double* v) const {
    for (int64_t i = 0; i < n_; ++i) v[i] = -v[i];
  }

  // Self-sorting decimation in frequency: a pass of radix p over a length
  // len = p*m sub-transform repeated with stride s reads x[q + s*(k + j*m)],
  // j < p, and writes y[q + s*(p*k + r)] = W_len^(r*k) * sum_j x_j W_p^(j*r).
  void Stockham(double* re, double* im, Workspace* ws) const {
    const size_t n = static_cast<size_t>(n_);
    ws->passes.resize(2 * n + kGap);
    double* xr = re;
    double* xi = im;
    double* yr = ws->passes.data();
    double* yi = yr + n + kGap;
    int64_t s = 1;
    for (const Pass& pass : passes_) {
      switch (pass.radix) {
        case 2: Radix2(pass, s, xr, xi, yr, yi); break;
        case 4: Radix4(pass, s, xr, xi, yr, yi); break;
        case 3: RadixFixed<3>(pass, s, xr, xi, yr, yi); break;
        case 5: RadixFixed<5>(pass, s, xr, xi, yr, yi); break;
        case 7: RadixFixed<7>(pass, s, xr, xi, yr, yi); break;
        default: RadixP(pass, s, xr, xi, yr, yi); break;
      }
      std::swap(xr, yr);
      std::swap(xi, yi);
      s *= pass.radix;
    }
    if (xr != re) {
      std::copy(xr, xr + n, re);
      std::copy(xi, xi + n, im);
    }
  }

  static void Radix2(const Pass& pass, int64_t s, const double* xr, const double* xi, double* yr, double* yi) {
    const int64_t m = pass.m;
    for (int64_t k = 0; k < m; ++k) {
      const double wr = pass.tw_re[static_cast<size_t>(k)], wi = pass.tw_im[static_cast<size_t>(k)];
      const int64_t in0 = s * k, in1 = s * (k + m), out0 = s * 2 * k, out1 = out0 + s;
      for (int64_t q = 0; q < s; ++q) {
        const double ar = xr[in0 + q], ai = xi[in0 + q], br = xr[in1 + q], bi = xi[in1 + q];
        const double dr = ar - br, di = ai - bi;
        yr[out0 + q] = ar + br;
        yi[out0 + q] = ai + bi;
        yr[out1 + q] = dr * wr - di * wi;
        yi[out1 + q] = dr * wi + di * wr;
      }
    }
  }

  static void Radix4(const Pass& pass, int64_t s, const double* xr, const double* xi, double* yr, double* yi) {
    const int64_t m = pass.m;
    const double* w1r = pass.tw_re.data();
    const double* w1i = pass.tw_im.data();
    const double* w2r = w1r + m;
    const double* w2i = w1i + m;
    const double* w3r = w2r + m;
    const double* w3i = w2i + m;
    for (int64_t k = 0; k < m; ++k) {
      const int64_t i0 = s * k, i1 = s * (k + m), i2 = s * (k + 2 * m), i3 = s * (k + 3 * m);
      const int64_t o0 = s * 4 * k, o1 = o0 + s, o2 = o1 + s, o3 = o2 + s;
      for (int64_t q = 0; q < s; ++q) {
        const double t0r = xr[i0 + q] + xr[i2 + q], t0i = xi[i0 + q] + xi[i2 + q];
        const double t1r = xr[i0 + q] - xr[i2 + q], t1i = xi[i0 + q] - xi[i2 + q];
        const double t2r = xr[i1 + q] + xr[i3 + q], t2i = xi[i1 + q] + xi[i3 + q];
        const double t3r = xr[i1 + q] - xr[i3 + q], t3i = xi[i1 + q] - xi[i3 + q];
        // X1 = t1 - i*t3, X3 = t1 + i*t3 (W_4 = -i).
        const double a1r = t1r + t3i, a1i = t1i - t3r;
        const double a2r = t0r - t2r, a2i = t0i - t2i;
        const double a3r = t1r - t3i, a3i = t1i + t3r;
        yr[o0 + q] = t0r + t2r;
        yi[o0 + q] = t0i + t2i;
        yr[o1 + q] = a1r * w1r[k] - a1i * w1i[k];
        yi[o1 + q] = a1r * w1i[k] + a1i * w1r[k];
        yr[o2 + q] = a2r * w2r[k] - a2i * w2i[k];
        yi[o2 + q] = a2r * w2i[k] + a2i * w2r[k];
        yr[o3 + q] = a3r * w3r[k] - a3i * w3i[k];
        yi[o3 + q] = a3r * w3i[k] + a3i * w3r[k];
      }
    }
  }

  // A direct P-point DFT with P known at compile time: the loops unroll and
  // the root indices (j * r) mod P become constants.
  template <int P>
  static void RadixFixed(const Pass& pass, int64_t s, const double* xr, const double* xi, double* yr, double* yi) {
    const int64_t m = pass.m;
    double wr[P], wi[P];
    for (int j = 0; j < P; ++j) {
      wr[j] = pass.root_re[static_cast<size_t>(j)];
      wi[j] = pass.root_im[static_cast<size_t>(j)];
    }
    for (int64_t k = 0; k < m; ++k) {
      for (int64_t q = 0; q < s; ++q) {
        double ar[P], ai[P];
        for (int j = 0; j < P; ++j) {
          ar[j] = xr[s * (k + j * m) + q];
          ai[j] = xi[s * (k + j * m) + q];
        }
        for (int r = 0; r < P; ++r) {
          double sr = ar[0], si = ai[0];
          for (int j = 1; j < P; ++j) {
            const int index = (j * r) % P;
            sr += ar[j] * wr[index] - ai[j] * wi[index];
            si += ar[j] * wi[index] + ai[j] * wr[index];
          }
          const int64_t out = s * (P * k + r) + q;
          if (r == 0) {
            yr[out] = sr;
            yi[out] = si;
          } else {
            const double tr = pass.tw_re[static_cast<size_t>((r - 1) * m + k)];
            const double ti = pass.tw_im[static_cast<size_t>((r - 1) * m + k)];
            yr[out] = sr * tr - si * ti;
            yi[out] = sr * ti + si * tr;
          }
        }
      }
    }
  }

  static void RadixP(const Pass& pass, int64_t s, const double* xr, const double* xi, double* yr, double* yi) {
    const int64_t m = pass.m, p = pass.radix;
    double ar[kMaxDirectRadix], ai[kMaxDirectRadix];
    for (int64_t k = 0; k < m; ++k) {
      for (int64_t q = 0; q < s; ++q) {
        for (int64_t j = 0; j < p; ++j) {
          ar[j] = xr[s * (k + j * m) + q];
          ai[j] = xi[s * (k + j * m) + q];
        }
        for (int64_t r = 0; r < p; ++r) {
          double sr = ar[0], si = ai[0];
          int64_t index = 0;  // (j * r) mod p
          for (int64_t j = 1; j < p; ++j) {
            index += r;
            if (index >= p) index -= p;
            const double wr = pass.root_re[static_cast<size_t>(index)];
            const double wi = pass.root_im[static_cast<size_t>(index)];
            sr += ar[j] * wr - ai[j] * wi;
            si += ar[j] * wi + ai[j] * wr;
          }
          const int64_t out = s * (p * k + r) + q;
          if (r == 0) {
            yr[out] = sr;
            yi[out] = si;
          } else {
            const double wr = pass.tw_re[static_cast<size_t>((r - 1) * m + k)];
            const double wi = pass.tw_im[static_cast<size_t>((r - 1) * m + k)];
            yr[out] = sr * wr - si * wi;
            yi[out] = sr * wi + si * wr;
          }
        }
      }
    }
  }

  // Bluestein: X[k] = c[k] * sum_j (x[j] c[j]) conj(c[k - j]), c[j] = exp(-pi*i*j^2/n),
  // the sum a circular convolution of power-of-two length >= 2n - 1.
  void InitBluestein() {
    bluestein_ = true;
    int64_t m = 1;
    while (m < 2 * n_ - 1) m *= 2;
    conv_ = std::make_unique<Plan>(m);
    chirp_re_.resize(static_cast<size_t>(n_));
    chirp_im_.resize(static_cast<size_t>(n_));
    for (int64_t j = 0; j < n_; ++j) {
      // j^2 mod 2n keeps the angle small and exact.
      const auto j2 = static_cast<int64_t>((static_cast<unsigned __int128>(j) * static_cast<unsigned __int128>(j)) %
                                           static_cast<unsigned __int128>(2 * n_));
      const Complex c = Root(j2, 2 * n_);
      chirp_re_[static_cast<size_t>(j)] = c.real();
      chirp_im_[static_cast<size_t>(j)] = c.imag();
    }
    // The kernel conj(c[j]) at j and m - j, transformed once and scaled by 1/m.
    kernel_re_.assign(static_cast<size_t>(m), 0.0);
    kernel_im_.assign(static_cast<size_t>(m), 0.0);
    for (int64_t j = 0; j < n_; ++j) {
      kernel_re_[static_cast<size_t>(j)] = chirp_re_[static_cast<size_t>(j)];
      kernel_im_[static_cast<size_t>(j)] = -chirp_im_[static_cast<size_t>(j)];
      if (j > 0) {
        kernel_re_[static_cast<size_t>(m - j)] = kernel_re_[static_cast<size_t>(j)];
        kernel_im_[static_cast<size_t>(m - j)] = kernel_im_[static_cast<size_t>(j)];
      }
    }
    Workspace ws;
    conv_->Transform(kernel_re_.data(), kernel_im_.data(), false, &ws);
    for (int64_t k = 0; k < m; ++k) {
      kernel_re_[static_cast<size_t>(k)] /= static_cast<double>(m);
      kernel_im_[static_cast<size_t>(k)] /= static_cast<double>(m);
    }
  }

  void Bluestein(double* re, double* im, Workspace* ws) const {
    const int64_t m = conv_->size();
    ws->bluestein.assign(2 * static_cast<size_t>(m) + kGap, 0.0);
    double* ar = ws->bluestein.data();
    double* ai = ar + m + kGap;
    for (int64_t j = 0; j < n_; ++j) {
      const double cr = chirp_re_[static_cast<size_t>(j)], ci = chirp_im_[static_cast<size_t>(j)];
      ar[j] = re[j] * cr - im[j] * ci;
      ai[j] = re[j] * ci + im[j] * cr;
    }
    // The power-of-two plan uses only ws->passes.
    conv_->Transform(ar, ai, false, ws);
    for (int64_t k = 0; k < m; ++k) {
      const double kr = kernel_re_[static_cast<size_t>(k)], ki = kernel_im_[static_cast<size_t>(k)];
      const double xr = ar[k], xi = ai[k];
      ar[k] = xr * kr - xi * ki;
      ai[k] = xr * ki + xi * kr;
    }
    conv_->Transform(ar, ai, true, ws);
    for (int64_t k = 0; k < n_; ++k) {
      const double cr = chirp_re_[static_cast<size_t>(k)], ci = chirp_im_[static_cast<size_t>(k)];
      re[k] = ar[k] * cr - ai[k] * ci;
      im[k] = ar[k] * ci + ai[k] * cr;
    }
  }

  int64_t n_;
  std::vector<Pass> passes_;
  bool bluestein_ = false;
  std::unique_ptr<Plan> conv_;
  std::vector<double> chirp_re_, chirp_im_;
  std::vector<double> kernel_re_, kernel_im_;
};

// Per-thread buffers of a RealInversePlan.
struct RealWorkspace {
  std::vector<double> split;  // the complex sequence the plan transforms, split
  Workspace inner;
};

// Inverse real DFT of length n from the n/2 + 1 Hermitian half `half`
// (unscaled): out[t] = sum_k Z[k] exp(2*pi*i*k*t/n), Z the Hermitian
// extension of `half`. Like TF's kernel (pocketfft's c2r) it ignores the
// imaginary parts of the DC bin and, for even n, of the Nyquist bin.
template <typename In>  // std::complex<float> or std::complex<double>
class RealInversePlan {
 public:
  explicit RealInversePlan(int64_t n) : n_(n), plan_(n % 2 == 0 ? n / 2 : n) {
    if (n_ % 2 == 0) {
      const int64_t m = n_ / 2;
      for (int64_t k = 0; k < m; ++k) {
        const double angle = 2.0 * M_PI * static_cast<double>(k) / static_cast<double>(n_);
        rot_re_.push_back(std::cos(angle));
        rot_im_.push_back(std::sin(angle));
      }
    }
  }

  // `half` holds n/2 + 1 values; `out` n reals. Give each thread its own workspace.
  void Transform(const In* half, double* out, RealWorkspace* ws) const {
    if (n_ == 0) return;
    if (n_ == 1) {
      out[0] = half[0].real();
      return;
    }
    if (n_ % 2 == 0) {
      // Even n = 2m: x[2t] + i*x[2t+1] = IDFT_m(E + iO)[t] with
      // E[k] = Z[k] + Z[k+m], O[k] = (Z[k] - Z[k+m]) * exp(2*pi*i*k/n),
      // and Z[k+m] = conj(half[m-k]) for 0 < k < m, Z[m] = half[m].
      const int64_t m = n_ / 2;
      ws->split.resize(2 * static_cast<size_t>(m) + kGap);
      double* cr = ws->split.data();
      double* ci = cr + m + kGap;
      for (int64_t k = 0; k < m; ++k) {
        const double lo_r = half[k].real();
        const double lo_i = k == 0 ? 0.0 : static_cast<double>(half[k].imag());
        const double hi_r = half[m - k].real();
        const double hi_i = k == 0 ? 0.0 : -static_cast<double>(half[m - k].imag());
        const double dr = lo_r - hi_r, di = lo_i - hi_i;
        const double wr = rot_re_[static_cast<size_t>(k)], wi = rot_im_[static_cast<size_t>(k)];
        const double odd_r = dr * wr - di * wi, odd_i = dr * wi + di * wr;
        cr[k] = lo_r + hi_r - odd_i;
        ci[k] = lo_i + hi_i + odd_r;
      }
      plan_.Transform(cr, ci, true, &ws->inner);
      for (int64_t t = 0; t < m; ++t) {
        out[2 * t] = cr[t];
        out[2 * t + 1] = ci[t];
      }
      return;
    }
    // Odd n: the full Hermitian spectrum through a complex inverse DFT.
    ws->split.resize(2 * static_cast<size_t>(n_) + kGap);
    double* zr = ws->split.data();
    double* zi = zr + n_ + kGap;
    zr[0] = half[0].real();
    zi[0] = 0.0;
    for (int64_t k = 1; k <= n_ / 2; ++k) {
      zr[k] = zr[n_ - k] = half[k].real();
      zi[k] = half[k].imag();
      zi[n_ - k] = -static_cast<double>(half[k].imag());
    }
    plan_.Transform(zr, zi, true, &ws->inner);
    std::copy(zr, zr + n_, out);
  }

 private:
  int64_t n_;
  Plan plan_;
  std::vector<double> rot_re_, rot_im_;
};

}  // namespace fft
}  // namespace opbridge
