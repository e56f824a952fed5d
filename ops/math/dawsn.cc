// Dawsn: TF's Dawson integral F(x) = exp(-x^2) * integral_0^x exp(t^2) dt,
// elementwise (tf.math.special.dawsn). TFLite has no kernel: the converter
// emits CUSTOM "Dawsn" with options {T}.
//
// TF's kernel (kernels/special_math) evaluates Cephes' rational approximations
// one element at a time (its functor has no packet path), with Eigen's
// polynomial helper and no fused multiply-adds (TF's x86 wheel has no FMA).
// The same approximations in the same order give TF's bits (dawson.h).
// TF's CPU kernel takes float and double (half and bfloat16 are not
// registered; the converter may still emit them, and they are refused).
#include <type_traits>

#include "avx2_dispatch.h"
#include "dawson.h"
#include "elementwise.h"

#if defined(__x86_64__)
// dawson::DawsonPackets built for AVX2 without FMA (dawsn_avx2.cc).
extern "C" void opbridge_avx2_f32_dawsn(const float* in, float* out, int64_t n);
extern "C" void opbridge_avx2_f64_dawsn(const double* in, double* out, int64_t n);
#endif

namespace opbridge {
namespace {

// In packets on x86-64 (the same bits as TF's one element at a time:
// dawson.h); one element at a time elsewhere, where Eigen's packet multiply-add
// is fused. Per element it ran at 0.89x TF's time.
template <typename T>
void Apply(const T* in, T* out, int64_t n) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
    if constexpr (std::is_same_v<T, float>) {
      opbridge_avx2_f32_dawsn(in, out, n);
    } else {
      opbridge_avx2_f64_dawsn(in, out, n);
    }
    return;
  }
  math::dawson::DawsonPackets(in, out, n);
#else
  for (int64_t i = 0; i < n; ++i) out[i] = math::dawson::Dawson(in[i]);
#endif
}

Status DawsnKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  return math::DispatchElement<float, double>(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    ctx.ParallelFor(x.num_elements(), 5,
                    [&](int64_t begin, int64_t end) { Apply(in + begin, out + begin, end - begin); });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Dawsn")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Dawson's integral, elementwise (tf.math.special.dawsn).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(DawsnKernel));

}  // namespace
}  // namespace opbridge
