// An allocator for std::vector that starts every buffer on a 64-byte cache
// line: for data read in line-sized groups (the lookup tables' hash slots) or
// in 64-byte vectors (the FFT passes' AVX-512 code), where a misaligned start
// makes every access straddle two lines.
#pragma once

#include <cstddef>
#include <new>

namespace opbridge::math {

template <typename T>
struct LineAlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  LineAlignedAllocator() = default;
  template <typename U>
  LineAlignedAllocator(const LineAlignedAllocator<U>&) {}  // NOLINT: allocators convert implicitly
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, size_t) { ::operator delete(p, kAlign); }
  template <typename U>
  bool operator==(const LineAlignedAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const LineAlignedAllocator<U>&) const {
    return false;
  }
};

}  // namespace opbridge::math
