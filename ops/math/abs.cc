// Abs: TF's absolute value (tf.math.abs) for the dtypes TFLite's builtin ABS
// cannot take. The converter gives int16, int32 and float to ABS and emits
// CUSTOM "Abs" {T} for int8, int64, half, bfloat16 and double (DeBERTaV3's
// relative position buckets take it on int64). The kernel takes every dtype
// TF's CPU kernel does.
//
// Integers, as TF's kernel (Eigen's abs): the most negative value has no
// positive counterpart and stays as it is (abs(INT64_MIN) == INT64_MIN);
// computed unsigned here, so that wrap is defined behaviour.
// Floats: TF's abs clears the sign bit (fabs, Eigen::half's and bfloat16's
// bit mask): NaNs keep their payload, subnormals stay (a logical operation,
// which flushing does not touch). So does this kernel, on the bits.
#include <type_traits>

#include "elementwise.h"
#include "int64_sign_avx2.h"

namespace opbridge {
namespace {

// Clears the top bit of every element, viewed as the unsigned integer Bits.
template <typename Bits>
Status ClearSignBits(KernelContext& ctx) {
  const auto* in = ctx.input(0).data<Bits>();
  auto* out = ctx.output(0).data<Bits>();
  constexpr Bits kMagnitude = static_cast<Bits>(static_cast<Bits>(~Bits{0}) >> 1);  // ~ promotes uint16
  ctx.ParallelFor(ctx.input(0).num_elements(), 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = static_cast<Bits>(in[i] & kMagnitude);
  });
  return Status::Ok();
}

Status AbsKernel(KernelContext& ctx) {
  switch (ctx.input(0).dtype()) {
    case DType::kFloat16:
    case DType::kBFloat16: return ClearSignBits<uint16_t>(ctx);
    case DType::kFloat32: return ClearSignBits<uint32_t>(ctx);
    case DType::kFloat64: return ClearSignBits<uint64_t>(ctx);
    default: break;
  }
#if defined(__x86_64__)  // int64 on AVX2: 4-lane compares (int64_sign_avx2.h)
  if (math::ApplyInt64Avx2(ctx, math::AbsInt64Avx2)) return Status::Ok();
#endif
  return math::UnaryElementwise<int8_t, int16_t, int32_t, int64_t>(ctx, 1, [](const auto& x) {
    using T = typename std::decay_t<decltype(x)>::Scalar;
    using U = std::make_unsigned_t<T>;
    // Branch-free (all ones for negative v: flip and add one), so the loop vectorizes.
    return x.unaryExpr([](T v) {
      const U negative = static_cast<U>(U{0} - static_cast<U>(v < 0));
      return static_cast<T>(static_cast<U>((static_cast<U>(v) ^ negative) - negative));
    });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Abs")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Absolute value; the most negative integer wraps to itself as in TF "
                              "(tf.math.abs).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(AbsKernel));

}  // namespace
}  // namespace opbridge
