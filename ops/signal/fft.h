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
// several times slower).
// Lanes: a transform runs on L sequences at once, element e of lane l at
// index e * L + l, so that every arithmetic step is an L-wide loop the
// compiler vectorizes (batched transforms have rows to spare).
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
// Sequences transformed together by the batched paths.
constexpr int kLanes = 4;

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

  // In place on L lanes of split arrays (n * L values each, lane-minor):
  // X[k] = sum_j x[j] exp(-+2*pi*i*j*k/n) (minus: forward, plus: inverse; no
  // scaling). Give each thread its own workspace.
  template <int L>
  void Transform(double* re, double* im, bool inverse, Workspace* ws) const {
    if (n_ <= 1) return;
    // An inverse DFT is the conjugate of the forward DFT of the conjugate.
    if (inverse) Negate<L>(im);
    if (bluestein_) {
      Bluestein<L>(re, im, ws);
    } else {
      Stockham<L>(re, im, ws);
    }
    if (inverse) Negate<L>(im);
  }

 private:
  struct Pass {
    int64_t radix = 0;
    int64_t m = 0;                         // the pass's length divided by its radix
    std::vector<double> tw_re, tw_im;      // W_len^(r*k): [r-1][k], r < radix, k < m
    std::vector<double> root_re, root_im;  // W_radix^k (direct radices only)
  };

  // exp(-2*pi*i*k/n), k reduced first so that large k stay accurate.
  static Complex Root(int64_t k, int64_t n) {
    k %= n;
    if (k < 0) k += n;
    const double angle = -2.0 * M_PI * static_cast<double>(k) / static_cast<double>(n);
    return Complex(std::cos(angle), std::sin(angle));
  }

  template <int L>
  void Negate(double* v) const {
    for (int64_t i = 0; i < n_ * L; ++i) v[i] = -v[i];
  }

  // Self-sorting decimation in frequency: a pass of radix p over a length
  // len = p*m sub-transform repeated with stride s reads x[q + s*(k + j*m)],
  // j < p, and writes y[q + s*(p*k + r)] = W_len^(r*k) * sum_j x_j W_p^(j*r).
  template <int L>
  void Stockham(double* re, double* im, Workspace* ws) const {
    const size_t n = static_cast<size_t>(n_) * L;
    ws->passes.resize(2 * n + kGap);
    double* xr = re;
    double* xi = im;
    double* yr = ws->passes.data();
    double* yi = yr + n + kGap;
    int64_t s = 1;
    for (const Pass& pass : passes_) {
      switch (pass.radix) {
        case 2: Radix2<L>(pass, s, xr, xi, yr, yi); break;
        case 4: Radix4<L>(pass, s, xr, xi, yr, yi); break;
        case 3: RadixFixed<L, 3>(pass, s, xr, xi, yr, yi); break;
        case 5: RadixFixed<L, 5>(pass, s, xr, xi, yr, yi); break;
        case 7: RadixFixed<L, 7>(pass, s, xr, xi, yr, yi); break;
        default: RadixP<L>(pass, s, xr, xi, yr, yi); break;
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

  // In the passes, a "row" is s * L consecutive values: the q < s repeats
  // times the L lanes, all with the same twiddle.
  template <int L>
  static void Radix2(const Pass& pass, int64_t s, const double* xr, const double* xi, double* yr, double* yi) {
    const int64_t m = pass.m, row = s * L;
    for (int64_t k = 0; k < m; ++k) {
      const double wr = pass.tw_re[static_cast<size_t>(k)], wi = pass.tw_im[static_cast<size_t>(k)];
      const int64_t in0 = row * k, in1 = row * (k + m), out0 = row * 2 * k, out1 = out0 + row;
      for (int64_t q = 0; q < row; ++q) {
        const double ar = xr[in0 + q], ai = xi[in0 + q], br = xr[in1 + q], bi = xi[in1 + q];
        const double dr = ar - br, di = ai - bi;
        yr[out0 + q] = ar + br;
        yi[out0 + q] = ai + bi;
        yr[out1 + q] = dr * wr - di * wi;
        yi[out1 + q] = dr * wi + di * wr;
      }
    }
  }

  template <int L>
  static void Radix4(const Pass& pass, int64_t s, const double* xr, const double* xi, double* yr, double* yi) {
    const int64_t m = pass.m, row = s * L;
    const double* w1r = pass.tw_re.data();
    const double* w1i = pass.tw_im.data();
    const double* w2r = w1r + m;
    const double* w2i = w1i + m;
    const double* w3r = w2r + m;
    const double* w3i = w2i + m;
    for (int64_t k = 0; k < m; ++k) {
      const int64_t i0 = row * k, i1 = row * (k + m), i2 = row * (k + 2 * m), i3 = row * (k + 3 * m);
      const int64_t o0 = row * 4 * k, o1 = o0 + row, o2 = o1 + row, o3 = o2 + row;
      const double c1r = w1r[k], c1i = w1i[k], c2r = w2r[k], c2i = w2i[k], c3r = w3r[k], c3i = w3i[k];
      for (int64_t q = 0; q < row; ++q) {
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
        yr[o1 + q] = a1r * c1r - a1i * c1i;
        yi[o1 + q] = a1r * c1i + a1i * c1r;
        yr[o2 + q] = a2r * c2r - a2i * c2i;
        yi[o2 + q] = a2r * c2i + a2i * c2r;
        yr[o3 + q] = a3r * c3r - a3i * c3i;
        yi[o3 + q] = a3r * c3i + a3i * c3r;
      }
    }
  }

  // A direct P-point DFT with P known at compile time: the loops unroll and
  // the root indices (j * r) mod P become constants.
  template <int L, int P>
  static void RadixFixed(const Pass& pass, int64_t s, const double* xr, const double* xi, double* yr,
                         double* yi) {
    const int64_t m = pass.m, row = s * L;
    double wr[P], wi[P];
    for (int j = 0; j < P; ++j) {
      wr[j] = pass.root_re[static_cast<size_t>(j)];
      wi[j] = pass.root_im[static_cast<size_t>(j)];
    }
    for (int64_t k = 0; k < m; ++k) {
      double tr[P], ti[P];
      tr[0] = 1.0;
      ti[0] = 0.0;
      for (int r = 1; r < P; ++r) {
        tr[r] = pass.tw_re[static_cast<size_t>((r - 1) * m + k)];
        ti[r] = pass.tw_im[static_cast<size_t>((r - 1) * m + k)];
      }
      for (int64_t q = 0; q < row; ++q) {
        double ar[P], ai[P];
        for (int j = 0; j < P; ++j) {
          ar[j] = xr[row * (k + j * m) + q];
          ai[j] = xi[row * (k + j * m) + q];
        }
        for (int r = 0; r < P; ++r) {
          double sr = ar[0], si = ai[0];
          for (int j = 1; j < P; ++j) {
            const int index = (j * r) % P;
            sr += ar[j] * wr[index] - ai[j] * wi[index];
            si += ar[j] * wi[index] + ai[j] * wr[index];
          }
          const int64_t out = row * (P * k + r) + q;
          if (r == 0) {
            yr[out] = sr;
            yi[out] = si;
          } else {
            yr[out] = sr * tr[r] - si * ti[r];
            yi[out] = sr * ti[r] + si * tr[r];
          }
        }
      }
    }
  }

  template <int L>
  static void RadixP(const Pass& pass, int64_t s, const double* xr, const double* xi, double* yr, double* yi) {
    const int64_t m = pass.m, p = pass.radix, row = s * L;
    double ar[kMaxDirectRadix], ai[kMaxDirectRadix];
    for (int64_t k = 0; k < m; ++k) {
      for (int64_t q = 0; q < row; ++q) {
        for (int64_t j = 0; j < p; ++j) {
          ar[j] = xr[row * (k + j * m) + q];
          ai[j] = xi[row * (k + j * m) + q];
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
          const int64_t out = row * (p * k + r) + q;
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
    conv_->Transform<1>(kernel_re_.data(), kernel_im_.data(), false, &ws);
    for (int64_t k = 0; k < m; ++k) {
      kernel_re_[static_cast<size_t>(k)] /= static_cast<double>(m);
      kernel_im_[static_cast<size_t>(k)] /= static_cast<double>(m);
    }
  }

  template <int L>
  void Bluestein(double* re, double* im, Workspace* ws) const {
    const int64_t m = conv_->size();
    ws->bluestein.assign(2 * static_cast<size_t>(m) * L + kGap, 0.0);
    double* ar = ws->bluestein.data();
    double* ai = ar + m * L + kGap;
    for (int64_t j = 0; j < n_; ++j) {
      const double cr = chirp_re_[static_cast<size_t>(j)], ci = chirp_im_[static_cast<size_t>(j)];
      for (int l = 0; l < L; ++l) {
        const double xr = re[j * L + l], xi = im[j * L + l];
        ar[j * L + l] = xr * cr - xi * ci;
        ai[j * L + l] = xr * ci + xi * cr;
      }
    }
    // The power-of-two plan uses only ws->passes.
    conv_->Transform<L>(ar, ai, false, ws);
    for (int64_t k = 0; k < m; ++k) {
      const double kr = kernel_re_[static_cast<size_t>(k)], ki = kernel_im_[static_cast<size_t>(k)];
      for (int l = 0; l < L; ++l) {
        const double xr = ar[k * L + l], xi = ai[k * L + l];
        ar[k * L + l] = xr * kr - xi * ki;
        ai[k * L + l] = xr * ki + xi * kr;
      }
    }
    conv_->Transform<L>(ar, ai, true, ws);
    for (int64_t k = 0; k < n_; ++k) {
      const double cr = chirp_re_[static_cast<size_t>(k)], ci = chirp_im_[static_cast<size_t>(k)];
      for (int l = 0; l < L; ++l) {
        const double xr = ar[k * L + l], xi = ai[k * L + l];
        re[k * L + l] = xr * cr - xi * ci;
        im[k * L + l] = xr * ci + xi * cr;
      }
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
  std::vector<double> split;  // the complex sequences the plan transforms, split
  Workspace inner;
};

// Inverse real DFT of length n from the n/2 + 1 Hermitian half (unscaled):
// out[t] = sum_k Z[k] exp(2*pi*i*k*t/n), Z the Hermitian extension of the
// half. Like TF's kernel (pocketfft's c2r) it ignores the imaginary parts of
// the DC bin and, for even n, of the Nyquist bin.
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

  // L sequences at once: lane l reads its n/2 + 1 values from half +
  // l * half_stride and writes n reals to out + l * out_stride, multiplied
  // by `scale`. Give each thread its own workspace.
  template <int L, typename Out>
  void Transform(const In* half, int64_t half_stride, Out* out, int64_t out_stride, double scale,
                 RealWorkspace* ws) const {
    if (n_ == 0) return;
    if (n_ == 1) {
      for (int l = 0; l < L; ++l) out[l * out_stride] = static_cast<Out>(half[l * half_stride].real() * scale);
      return;
    }
    if (n_ % 2 == 0) {
      // Even n = 2m: x[2t] + i*x[2t+1] = IDFT_m(E + iO)[t] with
      // E[k] = Z[k] + Z[k+m], O[k] = (Z[k] - Z[k+m]) * exp(2*pi*i*k/n),
      // and Z[k+m] = conj(half[m-k]) for 0 < k < m, Z[m] = half[m].
      const int64_t m = n_ / 2;
      ws->split.resize(2 * static_cast<size_t>(m) * L + kGap);
      double* cr = ws->split.data();
      double* ci = cr + m * L + kGap;
      for (int64_t k = 0; k < m; ++k) {
        const double wr = rot_re_[static_cast<size_t>(k)], wi = rot_im_[static_cast<size_t>(k)];
        for (int l = 0; l < L; ++l) {
          const In* h = half + l * half_stride;
          const double lo_r = h[k].real();
          const double lo_i = k == 0 ? 0.0 : static_cast<double>(h[k].imag());
          const double hi_r = h[m - k].real();
          const double hi_i = k == 0 ? 0.0 : -static_cast<double>(h[m - k].imag());
          const double dr = lo_r - hi_r, di = lo_i - hi_i;
          const double odd_r = dr * wr - di * wi, odd_i = dr * wi + di * wr;
          cr[k * L + l] = lo_r + hi_r - odd_i;
          ci[k * L + l] = lo_i + hi_i + odd_r;
        }
      }
      plan_.template Transform<L>(cr, ci, true, &ws->inner);
      for (int l = 0; l < L; ++l) {
        Out* o = out + l * out_stride;
        for (int64_t t = 0; t < m; ++t) {
          o[2 * t] = static_cast<Out>(cr[t * L + l] * scale);
          o[2 * t + 1] = static_cast<Out>(ci[t * L + l] * scale);
        }
      }
      return;
    }
    // Odd n: the full Hermitian spectrum through a complex inverse DFT.
    ws->split.resize(2 * static_cast<size_t>(n_) * L + kGap);
    double* zr = ws->split.data();
    double* zi = zr + n_ * L + kGap;
    for (int l = 0; l < L; ++l) {
      const In* h = half + l * half_stride;
      zr[l] = h[0].real();
      zi[l] = 0.0;
      for (int64_t k = 1; k <= n_ / 2; ++k) {
        zr[k * L + l] = zr[(n_ - k) * L + l] = h[k].real();
        zi[k * L + l] = h[k].imag();
        zi[(n_ - k) * L + l] = -static_cast<double>(h[k].imag());
      }
    }
    plan_.template Transform<L>(zr, zi, true, &ws->inner);
    for (int l = 0; l < L; ++l) {
      Out* o = out + l * out_stride;
      for (int64_t t = 0; t < n_; ++t) o[t] = static_cast<Out>(zr[t * L + l] * scale);
    }
  }

 private:
  int64_t n_;
  Plan plan_;
  std::vector<double> rot_re_, rot_im_;
};

}  // namespace fft
}  // namespace opbridge
