// Pow: TF's x ^ y (tf.math.pow) in float64, half, bfloat16 and the integers TF takes
// (int8, int16, int64; int32 too): the converter leaves CUSTOM "Pow" {T} for those
// TFLite's builtins lack (measured by tools/census_float64.py). Integers: repeated
// squaring, wrapping (IntPowRun below); a negative exponent is TF's error. Floats:
// std::pow, which Eigen's scalar_pow_op calls per element; TF's vectorized path
// (generic_pow) may differ in the last bit (the tests allow 1e-15 relative).
// Complex64 and complex128 (the converter leaves them custom too): Eigen has no
// complex packet pow, so TF calls std::pow per element, which is glibc's
// cpowf / cpow (libstdc++'s __builtin_cpow) in TF's wheel and here: TF's bits.
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <type_traits>

#include "packet_tail.h"
#include "complex_scalar_ops.h"
#include "cwise.h"
#include "elementwise.h"

namespace opbridge {
namespace {

// TF's graph optimizer (grappler's ConvertPowStage) rewrites Pow by a
// constant exponent that is 2, 3, 1, 0.5, 0, -0.5 or -1 into Square,
// Mul(x, Square(x)) (on CPU), Identity, Sqrt, ones, Rsqrt or Reciprocal, so
// a tf.function or SavedModel computes those, not pow: x ** 3 is two
// roundings there, std::pow one, and sqrt(-0.0) is -0.0 where pow gives +0.0.
// The converter keeps the Pow node, so the kernel makes the same rewrite for
// a one-element exponent that does not broadcast x. Elementwise products
// instead of pow: Pow f64 [1024,256] by 3.0 took 7x TF's time.
// float64 only: TF's graph computes half and bfloat16 Pow by these
// constants otherwise (measured: x ** -0.5 in half is not Rsqrt's bits there).
bool PowByConstant(const ConstTensor& x, double e, const Tensor& z, const KernelContext& ctx) {
  const double* in = x.data<double>();
  double* out = z.data<double>();
  const auto run = [&](auto f) {
    ctx.ParallelFor(x.num_elements(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = f(in[i]);
    });
    return true;
  };
  if (e == 2) return run([](double v) { return v * v; });
  if (e == 3) return run([](double v) { return v * (v * v); });
  if (e == 1) return run([](double v) { return v; });
  const auto run_eigen = [&](auto expr) {  // Sqrt's and Rsqrt's own kernels' path (vectorized)
    ctx.ParallelFor(
        x.num_elements(), 1,
        [&](int64_t begin, int64_t end) { math::ApplyRange(in + begin, out + begin, end - begin, expr); },
        /*grain=*/64);
    return true;
  };
  if (e == 0.5) return run_eigen([](const auto& v) { return v.sqrt(); });
  if (e == 0) return run([](double) { return 1.0; });
  if (e == -0.5) return run_eigen([](const auto& v) { return v.rsqrt(); });
  if (e == -1) return run([](double v) { return 1.0 / v; });
  return false;
}

// The same grappler rewrites for a complex exponent of imaginary part 0
// (grappler compares the exponent as complex128 with 2, 3, 1, 0.5, -0.5, -1;
// measured: a tf.function's complex x ** 2 is Square's bits, not cpowf's).
// Its rewrite of 0 (ones) needs x's shape fully known and then leaves no Pow
// node; a Pow by 0 that reaches the model is cpow's (NaN for x = 0: measured). Square, x * Square(x) and Reciprocal as TF's packets compute them
// (Eigen's packet product, pdiv_complex) and its scalar tail (the C library's
// product, Smith division: packet_tail.h); Sqrt and Rsqrt by Eigen's complex
// functors in 64-element chunks, as the Sqrt and Rsqrt kernels.
template <typename C>
bool ComplexPowByConstant(const ConstTensor& x, C e, const Tensor& z, const KernelContext& ctx) {
  if (e.imag() != 0) return false;
  const double r = static_cast<double>(e.real());
  const C* in = x.data<C>();
  C* out = z.data<C>();
  const int64_t n = x.num_elements();
  const int64_t tail = n - n % math::TfPacket<C>();
  const auto by_position = [&](auto packet, auto scalar) {
    ctx.ParallelFor(n, 2, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = i < tail ? packet(in[i]) : scalar(in[i]);
    });
    return true;
  };
  const auto eigen = [&](auto expr) {
    ctx.ParallelFor(
        n, 2, [&](int64_t begin, int64_t end) { math::ApplyRange(in + begin, out + begin, end - begin, expr); },
        /*grain=*/64);
    return true;
  };
  if (r == 2) return by_position([](C v) { return math::PacketMul(v, v); }, [](C v) { return v * v; });
  if (r == 3) {
    return by_position([](C v) { return math::PacketMul(v, math::PacketMul(v, v)); },
                       [](C v) { return v * (v * v); });
  }
  if (r == 1) return by_position([](C v) { return v; }, [](C v) { return v; });
  if (r == 0.5) return eigen(math::packet_exprs::Sqrt{});
  if (r == -0.5) return eigen([](const auto& v) { return v.rsqrt(); });
  if (r == -1) {
    return by_position([](C v) { return math::PacketDivide(C(1), v); }, [](C v) { return math::ScalarDivide(C(1), v); });
  }
  return false;
}

// Integer powers of a run (exponents checked >= 0) by repeated squaring,
// TF's Eigen ipow (a product per set bit of the exponent), in blocks of 64
// elements: the block squares and multiplies as many times as its largest
// exponent has bits, each step a loop over the block that the compiler
// vectorizes. A loop per element ended after a different number of
// squarings each time (a mispredicted branch per element with varying
// exponents: 1.2-2.2x TF's time) and stayed scalar even for one exponent
// (x ** 3 in int64: 1.31x). The products wrap in an unsigned type of at
// least 32 bits; their low bits are those of T's wrapping products, so the
// values are the same.
struct IntPowRun {
  template <typename T>
  void operator()(const T* x, int64_t step_x, const T* e, int64_t step_e, T* out, int64_t n) const {
    using U = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;
    using UE = std::make_unsigned_t<T>;
    constexpr int64_t kBlock = 64;
    constexpr int kBits = 8 * static_cast<int>(sizeof(T));
    if (step_e == 0 && static_cast<UE>(e[0]) <= 3) {  // x ** 2 and x ** 3 (common in models): one pass
      const auto each = [&](auto f) {
        for (int64_t j = 0; j < n; ++j) out[j] = static_cast<T>(f(static_cast<U>(x[j * step_x])));
      };
      switch (static_cast<UE>(e[0])) {
        case 0: return each([](U) { return U{1}; });
        case 1: return each([](U v) { return v; });
        case 2: return each([](U v) { return v * v; });
        default: return each([](U v) { return v * v * v; });
      }
    }
    U result[kBlock], base[kBlock];
    for (int64_t i = 0; i < n; i += kBlock) {
      const int64_t m = std::min(kBlock, n - i);
      UE widest = step_e == 0 ? static_cast<UE>(e[0]) : UE{0};
      for (int64_t j = 0; j < m; ++j) {
        result[j] = 1;
        base[j] = static_cast<U>(x[(i + j) * step_x]);
      }
      if (step_e != 0) {
        for (int64_t j = 0; j < m; ++j) widest |= static_cast<UE>(e[i + j]);
      }
      for (int bit = 0; bit < kBits && (widest >> bit) != 0; ++bit) {
        if (bit > 0) {  // base = x ** (2 ** bit), squared only while bits remain
          for (int64_t j = 0; j < m; ++j) base[j] *= base[j];
        }
        if (step_e == 0) {  // one exponent: multiply where its bit is set
          if ((widest >> bit) & 1u) {
            for (int64_t j = 0; j < m; ++j) result[j] *= base[j];
          }
        } else {  // result * (bit ? base : 1), branch-free
          for (int64_t j = 0; j < m; ++j) {
            const U take = static_cast<U>((static_cast<UE>(e[i + j]) >> bit) & 1u);
            result[j] *= (base[j] & (U{0} - take)) | (U{1} - take);
          }
        }
      }
      for (int64_t j = 0; j < m; ++j) out[i + j] = static_cast<T>(result[j]);
    }
  }
};

Status Kernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  const ConstTensor& y = ctx.input(1);
  const Tensor& z = ctx.output(0);
  if (IsBuilt(DType::kFloat64) && x.dtype() == DType::kFloat64 && y.dtype() == DType::kFloat64 &&
      y.num_elements() == 1 && z.shape().dims() == x.shape().dims() &&
      PowByConstant(x, y.data<double>()[0], z, ctx)) {
    return Status::Ok();
  }
  if (y.num_elements() == 1 && z.shape().dims() == x.shape().dims()) {
    if (IsBuilt(DType::kComplex64) && x.dtype() == DType::kComplex64 &&
        ComplexPowByConstant(x, y.data<std::complex<float>>()[0], z, ctx)) {
      return Status::Ok();
    }
    if (IsBuilt(DType::kComplex128) && x.dtype() == DType::kComplex128 &&
        ComplexPowByConstant(x, y.data<std::complex<double>>()[0], z, ctx)) {
      return Status::Ok();
    }
  }
  if (x.dtype() == DType::kComplex64 || x.dtype() == DType::kComplex128) {
    return math::BinaryMap<std::complex<float>, std::complex<double>>(ctx, 40,
                                                                     [](auto a, auto b) { return std::pow(a, b); });
  }
  if (math::IsIntegerDType(y.dtype()) && z.num_elements() > 0) {
    // TF refuses a negative exponent (its Eigen pow asserts y >= 0).
    const Status exponents = math::DispatchElement<int8_t, int16_t, int32_t, int64_t>(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* e = y.data<T>();
      for (int64_t i = 0; i < y.num_elements(); ++i) {
        OPBRIDGE_REQUIRE(e[i] >= T(0), "Integers to negative integer powers are not allowed (input '", y.name(),
                         "', element ", i, " is ", static_cast<int64_t>(e[i]), ")");
      }
      return Status::Ok();
    });
    OPBRIDGE_RETURN_IF_ERROR(exponents);
  }
  if (math::IsIntegerDType(x.dtype())) {
    return math::BinaryBroadcastRuns<int8_t, int16_t, int32_t, int64_t>(ctx, 10, IntPowRun{});
  }
  const auto fn = [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, double>) {
      return std::pow(x, y);
    } else {
      return T(std::pow(static_cast<float>(x), static_cast<float>(y)));
    }
  };
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 10, fn);
}

OPBRIDGE_REGISTER_OP(OpSpec("Pow")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x ^ y with broadcasting (tf.math.pow).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double, int8, int16, int32, int64, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
