// Shared by MatMul and BatchMatMulV2 for the dtypes the converter leaves
// custom (float64, complex64, complex128, half, bfloat16, and the integers int16
// (BatchMatMulV2 only), int32 and int64), and float32: C = op(A) * op(B) per
// matrix, op the identity, the transpose or (complex) the adjoint.
// Each op(A) row and op(B) are copied to row-major order once, then every
// C[i, j] sums k in order in T's precision (TF's Eigen contraction sums in
// blocks: results agree to rounding, which the tests bound).
#pragma once

#include <algorithm>
#include <complex>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "../math/half_arrays.h"
#include "../nn/gemm_float_avx2.h"
#include "matmul_tiles.h"
#include "opbridge/op.h"

namespace opbridge {
namespace matmul {

template <typename T>
T Conj(T v) {
  return v;
}
template <typename R>
std::complex<R> Conj(std::complex<R> v) {
  return std::complex<R>(v.real(), -v.imag());
}

// acc += a * b, complex products written out (std::complex's operator* calls
// the C library's checked multiply, much slower, for the same finite values).
template <typename T>
void MulAdd(T a, T b, T* acc) {
  *acc += a * b;
}
// Integers wrap around as TF's Eigen contraction does in practice (keras-hub's
// GPT-2 cache key multiplies int64 fingerprint bytes by 256^k): computed in
// uint64, whose arithmetic is modular, so UBSan sees no signed overflow.
inline void MulAdd(int64_t a, int64_t b, int64_t* acc) {
  *acc = static_cast<int64_t>(static_cast<uint64_t>(*acc) + static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
inline void MulAdd(int32_t a, int32_t b, int32_t* acc) {
  *acc = static_cast<int32_t>(static_cast<uint32_t>(*acc) + static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}
inline void MulAdd(int16_t a, int16_t b, int16_t* acc) {
  // uint16 operands would promote to int, which can overflow: widen first.
  *acc = static_cast<int16_t>(static_cast<uint32_t>(*acc) + static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}
template <typename R>
void MulAdd(std::complex<R> a, std::complex<R> b, std::complex<R>* acc) {
  *acc = std::complex<R>(acc->real() + (a.real() * b.real() - a.imag() * b.imag()),
                         acc->imag() + (a.real() * b.imag() + a.imag() * b.real()));
}

// `t`'s elements as T*: the tensor's own buffer, or an aligned copy in `copy`
// when it is not aligned for T (a model's constant buffers are only 4-byte
// aligned: GPT-2's constant int64 powers of 256, float64 weights).
template <typename T>
const T* AlignedData(const ConstTensor& t, std::vector<T>* copy) {
  const T* p = t.data<T>();
  if (reinterpret_cast<uintptr_t>(p) % alignof(T) == 0) return p;
  copy->resize(static_cast<size_t>(t.num_elements()));
  if (!copy->empty()) std::memcpy(copy->data(), p, copy->size() * sizeof(T));
  return copy->data();
}

// half and bfloat16: TF's Eigen contraction multiplies and adds them in float
// and rounds each element of C once (measured: equal to the float product
// rounded, for k up to 512). The kernels widen the inputs to float, multiply
// in float (WidenedProducts below) and round C. float32 (a model that keeps
// MatMul custom; the converter makes FULLY_CONNECTED or BATCH_MATMUL of it)
// takes the same float product, copied in and out: TF's float32 product is
// oneDNN's blocked sgemm, whose order of additions is its own, so the two
// agree to float rounding, not bit for bit.
template <typename T>
constexpr bool kWidened =
    std::is_same_v<T, Eigen::half> || std::is_same_v<T, Eigen::bfloat16> || std::is_same_v<T, float>;

// Register tiles of the product for float64 and complex (matmul_tiles.h): C's
// elements are independent sums, so computing kRows rows by a vector of
// columns at once reuses each op(B) row from registers instead of re-reading
// it per row of C, and changes no element's arithmetic.
template <typename T>
constexpr bool kTiled = std::is_same_v<T, double> || std::is_same_v<T, std::complex<float>> ||
                        std::is_same_v<T, std::complex<double>>;

// One matrix product. a: rows x cols as stored (row-major, [k, m] when
// transpose_a), likewise b; c: m x n row-major. `pack` is op(B) as k x n.
// Every C[i, j] is 0 + the products over p in order, each added once
// (complex: real parts a.re*b.re - a.im*b.im, imaginary a.re*b.im + a.im*b.re).
template <typename T>
void Product(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool transpose_a, bool conj_a,
             bool transpose_b, bool conj_b, std::vector<T>* pack) {
  if constexpr (kTiled<T>) {
    TiledProduct(a, b, c, m, n, k, transpose_a, conj_a, transpose_b, conj_b, pack);
    return;
  }
  pack->resize(static_cast<size_t>(k * n));
  for (int64_t p = 0; p < k; ++p) {
    for (int64_t j = 0; j < n; ++j) {
      const T v = transpose_b ? b[j * k + p] : b[p * n + j];
      (*pack)[static_cast<size_t>(p * n + j)] = conj_b ? Conj(v) : v;
    }
  }
  if constexpr (std::is_integral_v<T>) {
    if (n <= 4) {
      // A few columns (a matrix-vector product: GPT-2's cache key): each C
      // element summed in a register, not in its stored row once per product
      // (a store-to-load chain, 5 cycles a product). Integers wrap modulo
      // 2^bits, where any order gives the same value.
      using Wide = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          Wide sum = 0;
          for (int64_t p = 0; p < k; ++p) {
            const auto v = static_cast<Wide>(transpose_a ? a[p * m + i] : a[i * k + p]);
            sum += static_cast<Wide>(v * static_cast<Wide>((*pack)[static_cast<size_t>(p * n + j)]));
          }
          c[i * n + j] = static_cast<T>(sum);
        }
      }
      return;
    }
  }
  for (int64_t i = 0; i < m; ++i) {
    T* row = c + i * n;
    for (int64_t j = 0; j < n; ++j) row[j] = T(0);
    for (int64_t p = 0; p < k; ++p) {
      T v = transpose_a ? a[p * m + i] : a[i * k + p];
      if (conj_a) v = Conj(v);
      const T* brow = pack->data() + p * n;
      for (int64_t j = 0; j < n; ++j) MulAdd(v, brow[j], row + j);
    }
  }
}

// op(B) of one matrix, widened to float, row-major [k, n]; packed for the
// AVX2+FMA product too where the CPU has it.
struct WidenedB {
  std::vector<float> rows;
  std::vector<nn::gemm_avx2::PackedB> packed;  // empty, or one
};

template <typename T>
WidenedB WidenB(const T* b, int64_t k, int64_t n, bool transpose_b) {
  WidenedB out;
  out.rows.resize(static_cast<size_t>(k * n));
  if (!transpose_b) {
    math::Widen(b, out.rows.data(), k * n);
  } else {
    // Widened as stored (by the block), then transposed in float: a strided
    // conversion is one element at a time.
    std::vector<float> stored(static_cast<size_t>(k * n));
    math::Widen(b, stored.data(), k * n);
    for (int64_t p = 0; p < k; ++p) {
      for (int64_t j = 0; j < n; ++j) out.rows[static_cast<size_t>(p * n + j)] = stored[static_cast<size_t>(j * k + p)];
    }
  }
  if (nn::gemm_avx2::Use()) out.packed.emplace_back(out.rows.data(), n, k, n);
  return out;
}

// Rows of C per work item of WidenedProducts: a multiple of the AVX2 GEMM's 6.
constexpr int64_t kWidenedRows = 48;

// C = op(A) op(B) for `batches` products of half or bfloat16 matrices, in
// float: a_at(b) and b_at(b) give batch b's A (as stored, [k, m] when
// transpose_a) and its index into `bs` (each distinct op(B) widened once).
// Work items are (batch, block of rows), so one large product uses every
// thread. Each C element is a float sum over k (FMA chains on AVX2 CPUs, in
// order otherwise), rounded to T once.
template <typename T, typename AAt, typename BAt>
void WidenedProducts(KernelContext& ctx, const std::vector<WidenedB>& bs, AAt a_at, BAt b_at, T* c,
                     int64_t batches, int64_t m, int64_t n, int64_t k, bool transpose_a) {
  const int64_t blocks = (m + kWidenedRows - 1) / kWidenedRows;
  ctx.ParallelFor(batches * blocks, kWidenedRows * n * k * 2 + 1, [&](int64_t begin, int64_t end) {
    std::vector<float> a_rows(static_cast<size_t>(kWidenedRows * k)), c_rows(static_cast<size_t>(kWidenedRows * n));
    std::vector<float> a_column(transpose_a ? static_cast<size_t>(kWidenedRows) : 0);
    for (int64_t item = begin; item < end; ++item) {
      const int64_t batch = item / blocks, r0 = (item % blocks) * kWidenedRows;
      const int64_t rows = std::min(kWidenedRows, m - r0);
      const T* a = a_at(batch);
      const WidenedB& b = bs[static_cast<size_t>(b_at(batch))];
      if (transpose_a) {
        // A is [k, m]: each of its k rows gives this block's `rows` values,
        // contiguous, widened by the block and scattered in float.
        for (int64_t p = 0; p < k; ++p) {
          math::Widen(a + p * m + r0, a_column.data(), rows);
          for (int64_t i = 0; i < rows; ++i) a_rows[static_cast<size_t>(i * k + p)] = a_column[static_cast<size_t>(i)];
        }
      } else {
        math::Widen(a + r0 * k, a_rows.data(), rows * k);
      }
      if (!b.packed.empty()) {
        nn::gemm_avx2::Multiply(a_rows.data(), k, rows, b.packed[0], c_rows.data(), n);
      } else {
        for (int64_t i = 0; i < rows; ++i) {
          float* row = c_rows.data() + i * n;
          std::fill(row, row + n, 0.0f);
          for (int64_t p = 0; p < k; ++p) {
            const float v = a_rows[static_cast<size_t>(i * k + p)];
            const float* brow = b.rows.data() + p * n;
            for (int64_t j = 0; j < n; ++j) row[j] += v * brow[j];
          }
        }
      }
      math::Narrow(c_rows.data(), c + (batch * m + r0) * n, rows * n);
    }
  });
}

}  // namespace matmul
}  // namespace opbridge
