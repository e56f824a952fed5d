// Helpers shared by the image ops that mirror TF kernels (ops/image/*.cc):
// dtype dispatch including TF's 16-bit floats, reading the small int32 "size"
// inputs, output shapes that depend on those inputs, and TF's windowed output
// size rule (GetWindowedOutputSize) for patches and pooling.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "opbridge/op.h"

namespace opbridge::image {

// Dispatch that also knows half (Eigen::half) and bfloat16 (Eigen::bfloat16),
// the types TF's kernels compute with; opbridge's Dispatch names only C++
// arithmetic types. Eigen's 16-bit floats round every operation, as in TF.
template <typename... Ts, typename Fn>
Status DispatchWith16BitFloats(DType dtype, bool allow_half, bool allow_bfloat16, Fn&& fn) {
  Status result = Status::Ok();
  if ((allow_half && DispatchTo<DType::kFloat16, Eigen::half>(dtype, fn, &result)) ||
      (allow_bfloat16 && DispatchTo<DType::kBFloat16, Eigen::bfloat16>(dtype, fn, &result))) {
    return result;
  }
  return Dispatch<Ts...>(dtype, fn);
}

// The real number types of TF's resize kernels (TF_CALL_REAL_NUMBER_TYPES
// minus the 32/64-bit unsigned ones the ops do not declare), half and
// bfloat16 included.
template <typename Fn>
Status DispatchResizeTypes(DType dtype, Fn&& fn) {
  return DispatchWith16BitFloats<float, double, int8_t, uint8_t, int16_t, uint16_t, int32_t, int64_t>(
      dtype, true, true, fn);
}

template <typename T>
inline float ToFloat(T v) {
  return static_cast<float>(v);
}

// float -> T as C++'s static_cast does on x86-64 for the values TF's kernels
// produce; integer targets go through int64 so that out-of-range values are
// not undefined behaviour here (they wrap as the hardware conversion does).
template <typename T>
inline T FromFloat(float v) {
  if constexpr (std::is_integral_v<T>) {
    if (!(v > -9.2e18f && v < 9.2e18f)) return static_cast<T>(std::numeric_limits<int64_t>::min());
    return static_cast<T>(static_cast<int64_t>(v));
  } else {
    return static_cast<T>(v);
  }
}

// Reads a 1-D int32 input of exactly two elements (size, crop_size,
// output_shape); `what` names it in errors as TF does.
inline Status ReadIntPair(const ConstTensor& t, const char* what, int64_t* first, int64_t* second) {
  OPBRIDGE_REQUIRE(t.rank() == 1, what, " must be 1-dimensional (input '", t.name(), "' has shape ",
                   t.shape().ToString(), ")");
  OPBRIDGE_REQUIRE(t.num_elements() == 2, what, " must have two elements (input '", t.name(), "' has shape ",
                   t.shape().ToString(), ")");
  *first = t.data<int32_t>()[0];
  *second = t.data<int32_t>()[1];
  return Status::Ok();
}

// The same input's two values when known at shape-rule time (a constant), as
// kUnknownDim otherwise. Shape errors are reported here already.
inline Status KnownIntPair(const ShapeContext& ctx, int input, const char* what, int64_t* first, int64_t* second) {
  *first = *second = kUnknownDim;
  const Shape& shape = ctx.input(input);
  if (shape.rank_known()) {
    OPBRIDGE_REQUIRE(shape.rank() == 1, what, " must be 1-dimensional (input '", ctx.input_name(input),
                     "' has shape ", shape.ToString(), ")");
    OPBRIDGE_REQUIRE(shape.dim(0) == kUnknownDim || shape.dim(0) == 2, what, " must have two elements (input '",
                     ctx.input_name(input), "' has shape ", shape.ToString(), ")");
  }
  if (const ConstTensor* value = ctx.input_value(input)) {
    return ReadIntPair(*value, what, first, second);
  }
  return Status::Ok();
}

// Output `i` of a kernel whose shape rule may have marked it dynamic (its
// shape came from a non-constant input): allocates it with `shape` then;
// otherwise checks that prepare allocated exactly `shape`.
inline Status OutputWithShape(KernelContext& ctx, int i, const Shape& shape, Tensor* out) {
  if (!ctx.output(i).shape().rank_known()) {
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(i, shape));
  }
  *out = ctx.output(i);
  OPBRIDGE_REQUIRE(out->shape().dims() == shape.dims(), "output '", out->name(), "' was prepared as ",
                   out->shape().ToString(), " but the inputs give ", shape.ToString());
  return Status::Ok();
}

// Four floats (ints) as one SSE register, through GCC/Clang vector
// extensions: lane-wise IEEE arithmetic, so a lane gets exactly the scalar
// result; comparisons give -1/0 masks and `mask ? a : b` selects per lane
// without branches.
typedef float Float4 __attribute__((vector_size(16)));
typedef int32_t Int4 __attribute__((vector_size(16)));

// A cast between vector types of one size keeps the bits (GCC's vector
// extension), without the pointer punning -Wstrict-aliasing warns about.
inline Float4 Abs(Float4 x) {
  const Int4 bits = (Int4)x & 0x7fffffff;
  return (Float4)bits;
}

// The max-pooling-with-position step: where px[c] is strictly larger than the
// running maximum dst[c] (never for NaN, as TF's `<`), take it and remember
// window position k in best[c]. float goes four channels at a time without
// branches: GCC compiles the plain loop (even written as selections) to a
// compare, a branch and a conditional store per channel, which random data
// mispredicts half the time (MaxPoolingWithArgmax2D ran at 0.89x TF's time).
// Shared by MaxPoolWithArgmax, MediaPipe's MaxPoolingWithArgmax2D and
// FractionalMaxPoolGrad.
template <typename T>
void TakeLarger(const T* px, int32_t k, int64_t depth, T* __restrict dst, int32_t* __restrict best) {
  int64_t c = 0;
  if constexpr (std::is_same_v<T, float>) {
    const Int4 at = {k, k, k, k};
    for (; c + 4 <= depth; c += 4) {
      Float4 d, v;
      Int4 b;
      std::memcpy(&d, dst + c, sizeof d);
      std::memcpy(&v, px + c, sizeof v);
      std::memcpy(&b, best + c, sizeof b);
      const Int4 larger = d < v;
      d = larger ? v : d;
      b = larger ? at : b;
      std::memcpy(dst + c, &d, sizeof d);
      std::memcpy(best + c, &b, sizeof b);
    }
  }
  for (; c < depth; ++c) {
    if (dst[c] < px[c]) {
      dst[c] = px[c];
      best[c] = k;
    }
  }
}

// Four interleaved RGB pixels (12 floats) as three vectors and back.
inline void Load3x4(const float* p, Float4* a, Float4* b, Float4* c) {
  *a = Float4{p[0], p[3], p[6], p[9]};
  *b = Float4{p[1], p[4], p[7], p[10]};
  *c = Float4{p[2], p[5], p[8], p[11]};
}
inline void Store3x4(Float4 a, Float4 b, Float4 c, float* p) {
  for (int i = 0; i < 4; ++i) {
    p[3 * i] = a[i];
    p[3 * i + 1] = b[i];
    p[3 * i + 2] = c[i];
  }
}

// Runs fn(in, out) on groups of four RGB pixels (12 floats), the last partial
// group through a zero-padded copy, over ctx's threads.
template <typename Fn>
void ForPixelQuads(KernelContext& ctx, const float* in, float* out, int64_t pixels, int64_t cost, Fn fn) {
  const int64_t quads = (pixels + 3) / 4;
  ctx.ParallelFor(quads, cost, [&](int64_t begin, int64_t end) {
    for (int64_t q = begin; q < end; ++q) {
      const int64_t n = std::min<int64_t>(4, pixels - 4 * q);
      if (n == 4) {
        fn(in + 12 * q, out + 12 * q);
        continue;
      }
      float a[12] = {0}, b[12];
      std::copy(in + 12 * q, in + 12 * q + 3 * n, a);
      fn(a, b);
      std::copy(b, b + 3 * n, out + 12 * q);
    }
  });
}

// The `padding: {'SAME', 'VALID'}` attr, as a params field.
enum class Padding { kValid, kSame };

// TF's GetWindowedOutputSize (dilation 1): output size and the padding before
// the first element. VALID can give 0 outputs; a negative size is an error.
inline Status WindowedOutputSize(int64_t in, int64_t window, int64_t stride, Padding padding, const char* what,
                                 int64_t* out, int64_t* pad_before) {
  OPBRIDGE_REQUIRE(stride > 0, "Stride must be > 0, but got ", stride);
  if (padding == Padding::kValid) {
    *out = (in - window + stride) / stride;
    *pad_before = 0;
  } else {
    *out = (in + stride - 1) / stride;
    const int64_t needed = std::max<int64_t>(0, (*out - 1) * stride + window - in);
    *pad_before = needed / 2;
  }
  OPBRIDGE_REQUIRE(*out >= 0, "Computed output size would be negative: ", *out, " [input_size: ", in,
                   ", effective_filter_size: ", window, ", stride: ", stride, "] (", what, ")");
  return Status::Ok();
}

// Copies a list(int) attr that TF requires to have 4 entries (ksizes,
// strides, ...); `name` names it in the error.
inline Status Attr4(const std::vector<int64_t>& values, const char* name, int64_t out[4]) {
  OPBRIDGE_REQUIRE(values.size() == 4, "attr '", name, "' must have 4 elements, got ", values.size());
  for (int i = 0; i < 4; ++i) out[i] = values[static_cast<size_t>(i)];
  return Status::Ok();
}

}  // namespace opbridge::image
