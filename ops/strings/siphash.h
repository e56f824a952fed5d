// SipHash-2-4 with a 128-bit key: TF's StrongKeyedHash (highwayhash's
// StringHasher<SipHashState> with key {key[0], key[1]}), which
// StringToHashBucketStrong and SparseCrossHashed's strong_hash use. Written
// from the SipHash paper: 8-byte little-endian words (memcpy: input bytes are
// unaligned), a last word of the 0-7 tail bytes with the length's low byte on
// top, 2 compression rounds per word, 4 finalization rounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace opbridge {
namespace siphash {

struct State {
  uint64_t v0, v1, v2, v3;

  static uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

  void Round() {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  }

  void Compress(uint64_t word) {
    v3 ^= word;
    Round();
    Round();
    v0 ^= word;
  }
};

inline uint64_t SipHash24(uint64_t k0, uint64_t k1, const char* s, size_t len) {
  State st{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
           k1 ^ 0x7465646279746573ULL};
  const size_t full = len & ~static_cast<size_t>(7);
  for (size_t i = 0; i < full; i += 8) {
    uint64_t word;
    std::memcpy(&word, s + i, sizeof(word));
    st.Compress(word);
  }
  uint64_t last = static_cast<uint64_t>(len & 0xff) << 56;
  for (size_t i = full; i < len; ++i) last |= static_cast<uint64_t>(static_cast<uint8_t>(s[i])) << (8 * (i - full));
  st.Compress(last);
  st.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) st.Round();
  return st.v0 ^ st.v1 ^ st.v2 ^ st.v3;
}

// TF's StrongKeyedHash(key, s).
inline uint64_t StrongKeyedHash(const uint64_t (&key)[2], std::string_view s) {
  return SipHash24(key[0], key[1], s.data(), s.size());
}

}  // namespace siphash
}  // namespace opbridge
