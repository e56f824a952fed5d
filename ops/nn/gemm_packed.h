// The operands of the hand-written x86 matrix products (gemm_float_avx2.h,
// gemm_double_avx2.h, gemm_avx512.h).
//
// The right-hand side, PackedPanels: B repacked once
// into panels of `Panel` columns, each [K][Panel] contiguous (the last
// zero-padded), so that the inner loop reads it sequentially. A panel row is
// one 512-bit vector (16 floats, 8 doubles) and starts 64-byte aligned, so
// that no load of it spans two cache lines.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace opbridge::nn {

template <typename T, int64_t Panel>
class PackedPanels {
 public:
  // B is [k, n], rows ldb apart.
  PackedPanels(const T* b, int64_t ldb, int64_t k, int64_t n) : k_(k), n_(n) {
    const int64_t panels = (n + Panel - 1) / Panel;
    storage_.assign(static_cast<size_t>(panels * k * Panel + kAlign), T(0));
    const auto address = reinterpret_cast<uintptr_t>(storage_.data());
    data_ = storage_.data() + (kAlign - static_cast<int64_t>(address / sizeof(T)) % kAlign) % kAlign;
    for (int64_t p = 0; p < panels; ++p) {
      const int64_t first = p * Panel, width = n - first < Panel ? n - first : Panel;
      T* dst = data_ + p * k * Panel;
      for (int64_t r = 0; r < k; ++r) {
        std::memcpy(dst + r * Panel, b + r * ldb + first, static_cast<size_t>(width) * sizeof(T));
      }
    }
  }
  // Moved, not copied: data_ points into storage_'s buffer, which a move keeps.
  PackedPanels(PackedPanels&&) noexcept = default;
  PackedPanels& operator=(PackedPanels&&) noexcept = default;
  PackedPanels(const PackedPanels&) = delete;
  PackedPanels& operator=(const PackedPanels&) = delete;

  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  // Values between one panel's start and the next's.
  int64_t panel_stride() const { return k_ * Panel; }
  const T* panel(int64_t p) const { return data_ + p * k_ * Panel; }

 private:
  static constexpr int64_t kAlign = 64 / static_cast<int64_t>(sizeof(T));
  int64_t k_, n_;
  std::vector<T> storage_;
  T* data_ = nullptr;
};

// Where a block reads its left-hand side, A [rows, k] (GemmLhs).
enum class LhsMode {
  kMatrix,   // A(r, i) = a[r * lda + i]: a row-major matrix
  kColumns,  // A(r, i) = columns[i][first + r]: one pointer per column of A,
             // e.g. one pixel's channels (the filter gradients: no transposed
             // copy of the pixels)
  kPatches,  // A(r, t * segment + j) = patches[(first + r) * segments + t][j]:
             // each row in segments, e.g. a pixel's window as one pointer per
             // tap to `segment` channels (the convolutions: no patch copy)
};

template <typename T>
struct GemmLhs {
  const T* a = nullptr;
  int64_t lda = 0;
  const T* const* columns = nullptr;
  int64_t first = 0;  // kColumns, kPatches: the block's first row
  const T* const* patches = nullptr;
  int64_t segments = 0, segment = 0;

  // The same left-hand side from row i on (a block's rows).
  template <LhsMode kMode>
  GemmLhs FromRow(int64_t i) const {
    GemmLhs rows = *this;
    if constexpr (kMode == LhsMode::kMatrix) {
      rows.a += i * lda;
    } else {
      rows.first += i;
    }
    return rows;
  }
};

}  // namespace opbridge::nn
