// Erfc: TF's complementary error function, elementwise (tf.math.erfc; Keras'
// exact gelu differentiates into it). TFLite has no kernel: the converter
// emits CUSTOM "Erfc" {T}.
//
// TF evaluates Eigen's erfc, whose packet and scalar versions are the same
// rational approximation except for exp(-x^2): Eigen's packet exp in packets,
// the C library's exp on the scalar path. TF's AVX build takes the packet
// path for whole packets of 8 floats or 4 doubles and the scalar path for the
// last n % 8 (n % 4) elements, so the kernel does the same by position.
// half and bfloat16 have no Eigen packet erfc: every element is the scalar
// float erfc, rounded.
//
// One more difference for float packets: with fast math (Eigen's default)
// AVX computes 1/x^2 as the rcpps estimate refined by one Newton step, where
// SSE2 divides. FloatErfcPacket is Eigen's float erfc approximation with that
// reciprocal, so each lane equals TF's (the estimate instruction gives the
// same lanes in its SSE and AVX forms).
#include <unsupported/Eigen/SpecialFunctions>

#include <type_traits>

#include "../math/half_arrays.h"
#include "../nn/binary_grad.h"

// x86-64 only (SSE's rcpps): elsewhere (aarch64) every packet is Eigen's perfc,
// as TF's own build for that CPU evaluates it (docs/aarch64.md).
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace opbridge {
namespace {

#if defined(__x86_64__)
using Eigen::internal::Packet4f;

// Eigen's packet templates take __m128 (Packet4f) as a template argument,
// whose alignment attribute GCC says it ignores there; Eigen's own headers
// are system headers and silence it, this file does it here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"

Packet4f AvxReciprocal(const Packet4f& a) {
  return Eigen::internal::generic_reciprocal_newton_step<Packet4f, 1>::run(a, _mm_rcp_ps(a));
}

// Eigen's generic_fast_erfc<float> (SpecialFunctionsImpl.h): 1 + x * S(x^2)
// for |x| <= 1, else exp(-x^2) * P(1/x^2) / (x * Q(1/x^2)) (+2 for x < 0),
// x clamped to [-11, 11]; coefficients from Eigen.
Packet4f FloatErfcPacket(const Packet4f& x_in) {
  using namespace Eigen::internal;  // NOLINT: Eigen's packet functions
  using P = Packet4f;
  constexpr float kAlpha[] = {5.61802298761904239654541015625e-04f, -4.91381669417023658752441406250e-03f,
                              2.67075151205062866210937500000e-02f, -1.12800106406211853027343750000e-01f,
                              3.76122951507568359375000000000e-01f, -1.12837910652160644531250000000e+00f};
  constexpr float kGamma[] = {1.0208116471767425537109375e-01f, 4.2920666933059692382812500e-01f,
                              3.2379078865051269531250000e-01f, 5.3971976041793823242187500e-02f};
  constexpr float kDelta[] = {1.7251677811145782470703125e-02f, 3.9137163758277893066406250e-01f,
                              1.0000000000000000000000000e+00f, 6.2173241376876831054687500e-01f,
                              9.5662862062454223632812500e-02f};
  const P x = pmin(pmax(x_in, pset1<P>(-11.0f)), pset1<P>(11.0f));
  const P x2 = pmul(x, x);
  const P one = pset1<P>(1.0f);
  const P small = pmadd(x, ppolevl<P, 5>::run(x2, kAlpha), one);
  const P large_mask = pcmp_lt(one, x2);
  if (!predux_any(large_mask)) return small;
  const P x2_lo = twoprod_low(x, x, x2);
  const P exp2_hi = pexp(pnegate(x2));
  const P z = pnmadd(exp2_hi, x2_lo, exp2_hi);
  const P q2 = AvxReciprocal(x2);
  const P num = ppolevl<P, 3>::run(q2, kGamma);
  const P denom = pmul(x, ppolevl<P, 4>::run(q2, kDelta));
  const P r = pdiv(num, denom);
  const P two_if_negative = pselect(pcmp_lt(x, pzero(x)), pset1<P>(2.0f), pzero(x));
  return pselect(large_mask, pmadd(z, r, two_if_negative), small);
}

template <typename P>
P PacketErfc(const P& x) {
  if constexpr (std::is_same_v<P, Packet4f>) {
    return FloatErfcPacket(x);
  } else {
    return Eigen::internal::perfc(x);
  }
}

#pragma GCC diagnostic pop
#else
template <typename P>
P PacketErfc(const P& x) {
  return Eigen::internal::perfc(x);
}
#endif  // __x86_64__

template <typename T>
Status FloatErfc(KernelContext& ctx) {
  using P = typename Eigen::internal::packet_traits<T>::type;
  constexpr int64_t kLanes = Eigen::internal::packet_traits<T>::size;
  const T* in = ctx.input(0).data<T>();
  T* out = ctx.output(0).data<T>();
  const int64_t n = ctx.input(0).num_elements();
  const int64_t packet_end = n - n % nn::kTfPacketSize<T>;
  ctx.ParallelFor(
      n, 10,
      [&](int64_t begin, int64_t end) {
        int64_t i = begin;
        for (; i < end && i < packet_end; i += kLanes) {
          Eigen::internal::pstoreu(out + i, PacketErfc(Eigen::internal::ploadu<P>(in + i)));
        }
        for (; i < end; ++i) out[i] = Eigen::numext::erfc(in[i]);
      },
      /*grain=*/nn::kTfPacketSize<T>);
  return Status::Ok();
}

template <typename T>
Status Erfc16(KernelContext& ctx) {
  const T* in = ctx.input(0).data<T>();
  T* out = ctx.output(0).data<T>();
  // Widened and rounded by the block (half_arrays.h); each value's erfc is
  // the scalar float one, as TF's.
  ctx.ParallelFor(ctx.input(0).num_elements(), 10, [&](int64_t begin, int64_t end) {
    math::MapWidened(in + begin, out + begin, end - begin, [](float x) { return Eigen::numext::erfc(x); });
  });
  return Status::Ok();
}

Status ErfcKernel(KernelContext& ctx) {
  switch (ctx.input(0).dtype()) {
    case DType::kFloat32: return FloatErfc<float>(ctx);
    case DType::kFloat64: return FloatErfc<double>(ctx);
    case DType::kFloat16: return Erfc16<Eigen::half>(ctx);
    case DType::kBFloat16: return Erfc16<Eigen::bfloat16>(ctx);
    default: return Errorf("no kernel for dtype ", DTypeName(ctx.input(0).dtype()));
  }
}

OPBRIDGE_REGISTER_OP(OpSpec("Erfc")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Complementary error function, elementwise (tf.math.erfc).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {bfloat16, half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(ErfcKernel));

}  // namespace
}  // namespace opbridge
