// PopulationCount (tf.raw_ops.PopulationCount): the number of set bits of
// each integer, as uint8. TFLite has no builtin for it; the converter emits
// CUSTOM "PopulationCount" {T}. Signed values count their two's complement
// bits (-1 in int8 has 8), as TF's kernel does.
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../math/cpu_features.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

// Bits set in v by adding neighbouring fields (SWAR): the baseline x86-64
// build has no popcnt instruction and the builtin became a library call per
// element (2.6x TF's time at 1 thread; this is 2.0x): the fallback where the CPU has no popcnt.
inline uint8_t Popcount(uint64_t v) {
  v = v - ((v >> 1) & 0x5555555555555555u);
  v = (v & 0x3333333333333333u) + ((v >> 2) & 0x3333333333333333u);
  v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fu;
  return static_cast<uint8_t>((v * 0x0101010101010101u) >> 56);
}

// The per-element loop over one dtype; `count` is Popcount or the popcnt one.
template <typename U, typename Count>
void CountRange(const char* in, uint8_t* out, int64_t begin, int64_t end, Count count) {
  for (int64_t i = begin; i < end; ++i) {
    U v;
    std::memcpy(&v, in + i * static_cast<int64_t>(sizeof(U)), sizeof(U));
    out[i] = count(static_cast<uint64_t>(v));
  }
}

#if defined(__x86_64__)
// The popcnt instruction, on CPUs that have it (every AVX2 CPU): 2.0x TF's
// time with the SWAR count, which TF's build replaces by popcnt.
template <typename U>
__attribute__((target("popcnt"))) void CountRangePopcnt(const char* in, uint8_t* out, int64_t begin,
                                                         int64_t end) {
  CountRange<U>(in, out, begin, end,
                [](uint64_t v) __attribute__((target("popcnt"))) { return static_cast<uint8_t>(__builtin_popcountll(v)); });
}
#endif

Status PopulationCountKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  uint8_t* out = ctx.output(0).data<uint8_t>();
  return Dispatch<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
      x.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        using U = std::make_unsigned_t<T>;
        const char* in = x.data<char>();  // read by memcpy: a .tflite constant may be unaligned
        ctx.ParallelFor(x.num_elements(), 2, [&](int64_t begin, int64_t end) {
#if defined(__x86_64__)
          static const bool popcnt = math::Cpu().popcnt;
          if (popcnt) return CountRangePopcnt<U>(in, out, begin, end);
#endif
          CountRange<U>(in, out, begin, end, Popcount);
        });
        return Status::Ok();
      });
}

OPBRIDGE_REGISTER_OP(OpSpec("PopulationCount")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Number of set bits of each integer, as uint8 (tf.raw_ops.PopulationCount).")
                         .Input("x: T")
                         .Output("y: uint8")
                         .Attr("T: {int8, int16, int32, int64, uint8, uint16, uint32, uint64}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(PopulationCountKernel));

}  // namespace
}  // namespace opbridge
