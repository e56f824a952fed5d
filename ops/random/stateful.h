// What TF's stateful random ops (TruncatedNormal, RandomUniformInt,
// RandomShuffle, RandomGamma, RandomPoissonV2) share: the seed/seed2 attrs
// and the node's generator, TF's GuardedPhiloxRandom. Each TF kernel builds
// one Philox stream from (seed, seed2) when it is created (fresh random seeds
// when both are 0) and every run reserves a block of it, so the node's
// successive runs draw different values; a TF kernel lives as long as its
// graph/function. Here the stream lives in the node's params, which both
// runtimes keep for the node's life (filled at its prepare).
#pragma once

#include <cstdint>
#include <random>

#include "philox.h"

namespace opbridge {
namespace random {

// 64 fresh random bits for seeds (TF's random::New64 draws from the OS's
// entropy too; the values cannot match, only their randomness).
inline uint64_t FreshSeed64() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine();
}

// The node's stream. TF's PhiloxRandom(seed, seed2): the key is seed, counter
// words 2 and 3 are seed2, words 0 and 1 start at 0. TFLite invokes a node
// from one thread at a time, so the reservation needs no lock.
class NodeGenerator {
 public:
  void Init(int64_t seed, int64_t seed2) {
    auto s = static_cast<uint64_t>(seed), s2 = static_cast<uint64_t>(seed2);
    if (s == 0 && s2 == 0) {
      s = FreshSeed64();
      s2 = FreshSeed64();
    }
    gen_ = Philox({0u, 0u, static_cast<uint32_t>(s2), static_cast<uint32_t>(s2 >> 32)}, static_cast<uint32_t>(s),
                  static_cast<uint32_t>(s >> 32));
  }
  // The generator at the current position; the stream moves `blocks` on.
  Philox Reserve128(uint64_t blocks) {
    Philox local = gen_;
    gen_.Skip(blocks);
    return local;
  }
  // TF's ReserveSamples32: whole blocks of four 32-bit samples.
  Philox Reserve32(uint64_t samples) { return Reserve128((samples + 3) / 4); }
  // TF's ReserveRandomOutputs: 256 blocks per output, as FillPhiloxRandom and
  // the samplers may use (the count is multiplied in uint64, as TF's int64
  // product wraps the same way for the sizes a tensor can have).
  Philox ReserveOutputs(int64_t outputs) { return Reserve128(static_cast<uint64_t>(outputs) * 256u); }

 private:
  Philox gen_;
};

// The attrs every stateful op has. Validate runs once per node (at its
// prepare) and starts the stream there; the kernels only reserve from it.
struct SeedAttrs {
  int64_t seed = 0;
  int64_t seed2 = 0;
  mutable NodeGenerator generator;

  void DeclareSeeds(ParamBinder& b) {
    b.Attr("seed: int = 0", &seed);
    b.Attr("seed2: int = 0", &seed2);
  }
  Status Validate() const {
    generator.Init(seed, seed2);
    return Status::Ok();
  }
};

}  // namespace random
}  // namespace opbridge
