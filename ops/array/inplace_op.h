// Shared by InplaceUpdate, InplaceAdd and InplaceSub (tf.raw_ops, the
// tf.compat.v1 inplace ops): y = x with rows i[j] of its first dimension set
// to, increased by or decreased by v[j], in the order of i. As TF's CPU kernel
// (core/kernels/inplace_ops.cc): i is int32 and wraps modulo x's first
// dimension (((i % n) + n) % n, never an error), a repeated row takes every
// update in turn, an empty x or v leaves x as it is, and the shape checks are
// TF's, in its order and words. TF aliases y to x; here y is a copy.
#pragma once

#include <algorithm>
#include <complex>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "../math/element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace array {

enum class InplaceKind { kUpdate, kAdd, kSub };

// A shape as TF's TensorShape::DebugString prints it in these errors: "[2,3]".
inline std::string InplaceDims(const Shape& s) {
  std::string out = "[";
  for (int d = 0; d < s.rank(); ++d) out += (d ? "," : "") + std::to_string(s.dim(d));
  return out + "]";
}

inline Status CheckInplace(const Shape& x, const Shape& i, const Shape& v) {
  OPBRIDGE_REQUIRE(i.rank() == 1, "i must be a vector. ", InplaceDims(i));
  OPBRIDGE_REQUIRE(x.rank() == v.rank(), "x and v shape doesn't match (ranks differ): ", InplaceDims(x), " vs. ",
                   InplaceDims(v));
  for (int d = 1; d < x.rank(); ++d) {
    OPBRIDGE_REQUIRE(x.dim(d) == v.dim(d), "x and v shape doesn't match at index ", d, " : ", InplaceDims(x),
                     " vs. ", InplaceDims(v));
  }
  // TF reads v's dim 0 even of a scalar (undefined there; it fails with this
  // text): a scalar x and v has no rows to address, so it is always an error.
  OPBRIDGE_REQUIRE(v.rank() >= 1 && i.dim(0) == v.dim(0), "i and x shape doesn't match at index 0: ", InplaceDims(i), " vs. ",
                   InplaceDims(v));
  return Status::Ok();
}

// a + b or a - b as TF's Eigen kernel gives them: integers wrap (computed
// unsigned, where signed overflow would be undefined), half and bfloat16
// round the float result once (Eigen's operators do the same).
template <typename T, InplaceKind kKind>
inline T InplaceCombine(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    const U r = kKind == InplaceKind::kAdd ? static_cast<U>(static_cast<U>(a) + static_cast<U>(b))
                                           : static_cast<U>(static_cast<U>(a) - static_cast<U>(b));
    return static_cast<T>(r);
  } else {
    return kKind == InplaceKind::kAdd ? a + b : a - b;
  }
}

template <InplaceKind kKind>
Status InplaceKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  const ConstTensor& i = ctx.input(1);
  const ConstTensor& v = ctx.input(2);
  OPBRIDGE_RETURN_IF_ERROR(CheckInplace(x.shape(), i.shape(), v.shape()));
  OPBRIDGE_REQUIRE(v.dtype() == x.dtype(), "v has dtype ", DTypeName(v.dtype()), " but x has ",
                   DTypeName(x.dtype()));
  const DType dtype = x.dtype();
  const bool any = x.num_elements() > 0 && v.num_elements() > 0;
  // TF's dtype check runs only when there is work (an empty bool InplaceAdd passes).
  if (any && kKind != InplaceKind::kUpdate &&
      (dtype == DType::kBool || dtype == DType::kString)) {
    return Errorf("Unsupported data type: ", DTypeName(dtype));
  }
  const int64_t rows = x.dim(0);
  const int64_t row = rows ? x.num_elements() / rows : 0;
  const int32_t* index = i.data<int32_t>();
  const int64_t n = i.dim(0);
  auto target = [&](int64_t j) {
    const int64_t k = static_cast<int64_t>(index[j]);
    return ((k % rows) + rows) % rows;
  };
  if (dtype == DType::kString) {
    const std::string_view* in = x.data<std::string_view>();
    const std::string_view* u = v.data<std::string_view>();
    std::string_view* out = ctx.output(0).data<std::string_view>();
    std::copy(in, in + x.num_elements(), out);
    if (any) {
      for (int64_t j = 0; j < n; ++j) std::copy(u + j * row, u + (j + 1) * row, out + target(j) * row);
    }
    return Status::Ok();
  }
  const size_t bytes = static_cast<size_t>(DTypeSize(dtype));
  OPBRIDGE_REQUIRE(bytes > 0, "x has unsupported dtype ", DTypeName(dtype));
  char* out = ctx.output(0).data<char>();
  if (x.num_elements()) std::memcpy(out, x.data<char>(), static_cast<size_t>(x.num_elements()) * bytes);
  if (!any) return Status::Ok();
  if constexpr (kKind == InplaceKind::kUpdate) {
    // Rows only move: bytes suffice for every fixed-size dtype.
    const char* u = v.data<char>();
    const size_t row_bytes = static_cast<size_t>(row) * bytes;
    for (int64_t j = 0; j < n; ++j) {
      std::memcpy(out + static_cast<size_t>(target(j)) * row_bytes, u + static_cast<size_t>(j) * row_bytes,
                  row_bytes);
    }
    return Status::Ok();
  } else {
    return math::DispatchElement<Eigen::half, Eigen::bfloat16, float, double, int8_t, int16_t, int32_t, int64_t,
                                 uint8_t, uint16_t, uint32_t, uint64_t, std::complex<float>,
                                 std::complex<double>>(dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* y = reinterpret_cast<T*>(out);
      const T* u = v.data<T>();
      // Rows in i's order: a repeated row takes each update in turn.
      for (int64_t j = 0; j < n; ++j) {
        T* dst = y + target(j) * row;
        const T* src = u + j * row;
        for (int64_t e = 0; e < row; ++e) dst[e] = InplaceCombine<T, kKind>(dst[e], src[e]);
      }
      return Status::Ok();
    });
  }
}

}  // namespace array
}  // namespace opbridge
