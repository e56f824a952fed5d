// Shared by the data-moving array ops (Slice, Tile, BroadcastTo, ReverseV2,
// ConcatV2, Pack, Select, PadV2, ...) in every dtype the converter leaves them
// custom for: their element dispatch, reading an int32 or int64 index
// tensor's values, the row-major strides of a shape, and when their output is
// their input.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace array {

// An element of Size bytes, moved whole: the data-moving ops copy elements,
// never compute with them, so one instantiation per size serves every dtype
// (double, complex64 and complex128 share 8 and 16). Byte arrays, so that
// no alignment is assumed of the runtime's buffers.
template <size_t Size>
struct Element {
  unsigned char bytes[Size];
};

// What a data-moving kernel reads and writes for one dtype. For strings both
// are std::string_views: the output's are the adapter's views
// (opbridge/tensor.h), so `out[o] = in[i]` stores a view of the input's
// bytes and the adapter copies each string once, into its runtime's tensor.
template <typename I, typename O>
struct Elements {
  using In = I;
  using Out = O;
};

// fn(Elements<In, Out>{}) for every dtype these ops declare (TF's "T: type"):
// strings, and fixed-size dtypes by their size. The converter leaves them
// custom for half, bfloat16, int16 and the unsigned types as well as for
// float64, complex and string (measured), so every size is here.
template <typename Fn>
Status ForElements(DType dtype, Fn&& fn) {
  if (dtype == DType::kString) return fn(Elements<std::string_view, std::string_view>{});
  switch (DTypeSize(dtype)) {
    case 1: return fn(Elements<Element<1>, Element<1>>{});
    case 2: return fn(Elements<Element<2>, Element<2>>{});
    case 4: return fn(Elements<Element<4>, Element<4>>{});
    case 8: return fn(Elements<Element<8>, Element<8>>{});
    case 16: return fn(Elements<Element<16>, Element<16>>{});
    default: return Errorf("unsupported dtype ", DTypeName(dtype));
  }
}

// fn(begin, end) over [0, total) on the kernel's threads, or all on this one
// when Out is a string view. Storing views is cheap, and the adapter then
// reads every view on the calling thread to copy the bytes: views written by
// a second thread only had to cross back (ConcatV2 str [4096,16] x2: 1.40 ms
// at 2 threads against 1.19 at 1; PadV2 and SelectV2 on strings alike), as
// GatherV2's string path had found.
template <typename Out, typename Fn>
void ParallelForElements(const KernelContext& ctx, int64_t total, int64_t cost_per_unit, const Fn& fn) {
  if constexpr (std::is_same_v<Out, std::string_view>) {
    fn(int64_t{0}, total);
  } else {
    ctx.ParallelFor(total, cost_per_unit, fn);
  }
}

// dst[0, n) = value, for the byte elements (Element<Size>) or string views.
// A plain loop stores one element per step and reloads `value` after each
// store (the byte arrays alias everything): OneHot's rows of off_value ran at
// 8 bytes a cycle. A value of one repeated byte (0.0, 0, false: the usual
// fill) is a memset; other values are written 64 bytes at a time from a
// pattern (every element size divides 64), which the compiler keeps in
// vector registers.
template <typename E>
void FillElements(E* dst, int64_t n, const E& value) {
  if constexpr (std::is_same_v<E, std::string_view>) {
    std::fill(dst, dst + n, value);
  } else {
    constexpr size_t kSize = sizeof(E);
    static_assert(64 % kSize == 0, "element sizes divide 64");
    unsigned char bytes[kSize];
    std::memcpy(bytes, &value, kSize);
    bool one_byte = true;
    for (size_t i = 1; i < kSize; ++i) one_byte = one_byte && bytes[i] == bytes[0];
    auto* out = reinterpret_cast<unsigned char*>(dst);
    const size_t total = static_cast<size_t>(n) * kSize;
    if (one_byte) {
      if (total > 0) std::memset(out, bytes[0], total);
      return;
    }
    unsigned char pattern[64];
    for (size_t i = 0; i < 64; ++i) pattern[i] = bytes[i % kSize];
    size_t i = 0;
    for (; i + 64 <= total; i += 64) std::memcpy(out + i, pattern, 64);
    if (i < total) std::memcpy(out + i, pattern, total - i);  // whole elements: total and i are multiples of kSize
  }
}

// dst[0, n) = src[0, n): one memcpy for the byte elements (a loop of them is
// turned into memmove calls anyway), assignments for string views.
template <typename E>
void CopyElements(E* dst, const E* src, int64_t n) {
  if constexpr (std::is_same_v<E, std::string_view>) {
    std::copy(src, src + n, dst);
  } else if (n == 1) {
    *dst = *src;
  } else if (n > 0) {
    std::memcpy(static_cast<void*>(dst), src, static_cast<size_t>(n) * sizeof(E));
  }
}

inline std::vector<int64_t> ReadIndices(const ConstTensor& t) {
  std::vector<int64_t> out(static_cast<size_t>(t.num_elements()));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = t.dtype() == DType::kInt64 ? t.data<int64_t>()[i] : t.data<int32_t>()[i];
  }
  return out;
}

// An output shape computed from input values (multiples, paddings, dims) must
// not overflow int64 in its element count or byte size: refused, as TF refuses
// shapes of more than 2^63 - 1 elements.
inline Status CheckOutputSize(const std::vector<int64_t>& dims) {
  int64_t n = sizeof(double);
  for (const int64_t d : dims) {
    OPBRIDGE_REQUIRE(d >= 0, "output dimension ", d, " must be >= 0");
    OPBRIDGE_REQUIRE(!__builtin_mul_overflow(n, d, &n), "output shape ", Shape(dims).ToString(), " is too large");
  }
  return Status::Ok();
}

// A shape as TF's TensorShape::DebugString prints it in error texts: "[2,3]",
// "[]" (Shape::ToString puts spaces: "[2, 3]").
inline std::string TfShapeText(const Shape& shape) {
  std::string out = "[";
  for (int i = 0; i < shape.rank(); ++i) out += (i ? "," : "") + std::to_string(shape.dim(i));
  return out + "]";
}

inline std::vector<int64_t> Strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  return strides;
}

// Output 0 of Slice, Tile, BroadcastTo, the pads, ConcatV2, Pack and Unpack is
// input 0's elements with copies added, some left out, or other inputs'
// elements beside them: with as many elements as input 0 it adds and drops
// nothing, so it is input 0's bytes in order (or empty). TF's kernels hand out
// the input itself there; the shape rule says so, and TFLite's planner may
// give both one buffer (OpSpec::MayForwardInput) instead of the kernel copying.
inline void ForwardInputIfSameSize(ShapeContext& ctx, const Shape& output) {
  const Shape& input = ctx.input(0);
  if (input.fully_known() && output.fully_known() && input.num_elements() == output.num_elements()) {
    ctx.set_forwards_input();
  }
}

// fn(o, in_offset) for each output element o in [begin, end), where the
// input offset of output coordinate c is sum over d of in_index(d, c[d]) *
// in_strides[d] (in_index maps an output coordinate to an input one). The
// outer dims' part of the offset is computed once per innermost row.
template <typename Map, typename Fn>
void ForEachOutput(const std::vector<int64_t>& out_dims, const std::vector<int64_t>& in_strides, int64_t begin,
                   int64_t end, Map in_index, Fn fn) {
  const size_t rank = out_dims.size();
  if (rank == 0) {
    for (int64_t o = begin; o < end; ++o) fn(o, int64_t{0});
    return;
  }
  const int64_t inner = out_dims[rank - 1];
  if (inner <= 0 || begin >= end) return;
  std::vector<int64_t> coord(rank, 0);
  int64_t rest = begin;
  for (size_t d = rank; d-- > 0;) {
    coord[d] = rest % out_dims[d];
    rest /= out_dims[d];
  }
  const int64_t inner_stride = in_strides[rank - 1];
  int64_t o = begin;
  while (o < end) {
    int64_t base = 0;
    for (size_t d = 0; d + 1 < rank; ++d) base += in_index(d, coord[d]) * in_strides[d];
    const int64_t stop = std::min(end, o + (inner - coord[rank - 1]));
    for (int64_t c = coord[rank - 1]; o < stop; ++o, ++c) fn(o, base + in_index(rank - 1, c) * inner_stride);
    coord[rank - 1] = 0;
    for (size_t d = rank - 1; d-- > 0;) {  // odometer over the outer dims
      if (++coord[d] < out_dims[d]) break;
      coord[d] = 0;
    }
  }
}

// fn(row, coord) for each row of `dims` (every dim but the last) in [begin,
// end), coord being the row's outer coordinates (rank - 1 of them).
template <typename Fn>
void ForEachRow(const std::vector<int64_t>& dims, int64_t begin, int64_t end, Fn fn) {
  const size_t outer = dims.empty() ? 0 : dims.size() - 1;
  std::vector<int64_t> coord(outer, 0);
  if (begin >= end) return;
  int64_t rest = begin;
  for (size_t d = outer; d-- > 0;) {
    coord[d] = rest % dims[d];
    rest /= dims[d];
  }
  for (int64_t row = begin; row < end; ++row) {
    fn(row, coord);
    for (size_t d = outer; d-- > 0;) {
      if (++coord[d] < dims[d]) break;
      coord[d] = 0;
    }
  }
}

}  // namespace array
}  // namespace opbridge
