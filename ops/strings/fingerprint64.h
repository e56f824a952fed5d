// TF's 64-bit string fingerprints, written from the algorithms (no TF code):
//
// - Fingerprint64: TF's Fingerprint64 is farmhash's Fingerprint64, which is
//   farmhashna::Hash64 (not farmhash::Hash64, which picks other variants by
//   length). The Fingerprint op, StringToHashBucketFast and the SparseCross
//   family depend on it being exactly this function.
// - FingerprintCat64: TF's combination of two fingerprints (SparseCross).
//
// Loads are little-endian via memcpy (inputs are unaligned string bytes) and
// all arithmetic is uint64 wrap-around, so the result is the same on every
// compiler and UBSan stays quiet. Big-endian hosts would need byte swaps in
// Load64/Load32; opbridge builds only for little-endian targets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace opbridge {
namespace fingerprint {

inline constexpr uint64_t kK0 = 0xc3a5c85c97cb3127ULL;
inline constexpr uint64_t kK1 = 0xb492b66fbe98f273ULL;
inline constexpr uint64_t kK2 = 0x9ae16a3b2f90404fULL;

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline uint64_t RotateRight(uint64_t v, int shift) { return shift == 0 ? v : (v >> shift) | (v << (64 - shift)); }

inline uint64_t ShiftMix(uint64_t v) { return v ^ (v >> 47); }

// Murmur-style mix of two words with a length-dependent multiplier.
inline uint64_t Mix16(uint64_t u, uint64_t v, uint64_t mul) {
  uint64_t a = (u ^ v) * mul;
  a ^= a >> 47;
  uint64_t b = (v ^ a) * mul;
  b ^= b >> 47;
  return b * mul;
}

inline uint64_t HashUpTo16(const char* s, size_t len) {
  const uint64_t mul = kK2 + static_cast<uint64_t>(len) * 2;
  if (len >= 8) {
    const uint64_t a = Load64(s) + kK2;
    const uint64_t b = Load64(s + len - 8);
    const uint64_t c = RotateRight(b, 37) * mul + a;
    const uint64_t d = (RotateRight(a, 25) + b) * mul;
    return Mix16(c, d, mul);
  }
  if (len >= 4) {
    const uint64_t a = Load32(s);
    return Mix16(static_cast<uint64_t>(len) + (a << 3), Load32(s + len - 4), mul);
  }
  if (len > 0) {
    // First, middle and last byte (unsigned, whatever char's signedness).
    const uint32_t a = static_cast<uint8_t>(s[0]);
    const uint32_t b = static_cast<uint8_t>(s[len >> 1]);
    const uint32_t c = static_cast<uint8_t>(s[len - 1]);
    const uint32_t y = a + (b << 8);
    const uint32_t z = static_cast<uint32_t>(len) + (c << 2);
    return ShiftMix(static_cast<uint64_t>(y) * kK2 ^ static_cast<uint64_t>(z) * kK0) * kK2;
  }
  return kK2;
}

inline uint64_t Hash17To32(const char* s, size_t len) {
  const uint64_t mul = kK2 + static_cast<uint64_t>(len) * 2;
  const uint64_t a = Load64(s) * kK1;
  const uint64_t b = Load64(s + 8);
  const uint64_t c = Load64(s + len - 8) * mul;
  const uint64_t d = Load64(s + len - 16) * kK2;
  return Mix16(RotateRight(a + b, 43) + RotateRight(c, 30) + d, a + RotateRight(b + kK2, 18) + c, mul);
}

inline uint64_t Hash33To64(const char* s, size_t len) {
  const uint64_t mul = kK2 + static_cast<uint64_t>(len) * 2;
  const uint64_t a = Load64(s) * kK2;
  const uint64_t b = Load64(s + 8);
  const uint64_t c = Load64(s + len - 8) * mul;
  const uint64_t d = Load64(s + len - 16) * kK2;
  const uint64_t y = RotateRight(a + b, 43) + RotateRight(c, 30) + d;
  const uint64_t z = Mix16(y, a + RotateRight(b + kK2, 18) + c, mul);
  const uint64_t e = Load64(s + 16) * mul;
  const uint64_t f = Load64(s + 24);
  const uint64_t g = (y + Load64(s + len - 32)) * mul;
  const uint64_t h = (z + Load64(s + len - 24)) * mul;
  return Mix16(RotateRight(e + f, 43) + RotateRight(g, 30) + h, e + RotateRight(f + a, 18) + g, mul);
}

struct WordPair {
  uint64_t first, second;
};

// A quick 16-byte mix of the 32 bytes at s with two seeds.
inline WordPair Mix32WithSeeds(const char* s, uint64_t a, uint64_t b) {
  const uint64_t w = Load64(s), x = Load64(s + 8), y = Load64(s + 16), z = Load64(s + 24);
  a += w;
  b = RotateRight(b + a + z, 21);
  const uint64_t c = a;
  a += x;
  a += y;
  b += RotateRight(a, 44);
  return {a + z, b + c};
}

// farmhashna's Hash64: short strings by length class, longer ones in 64-byte
// rounds over a 56-byte state, the last (overlapping) 64 bytes mixed at the end.
inline uint64_t Fingerprint64(const char* s, size_t len) {
  if (len <= 16) return HashUpTo16(s, len);
  if (len <= 32) return Hash17To32(s, len);
  if (len <= 64) return Hash33To64(s, len);

  constexpr uint64_t kSeed = 81;
  uint64_t x = kSeed;
  uint64_t y = kSeed * kK1 + 113;
  uint64_t z = ShiftMix(y * kK2 + 113) * kK2;
  WordPair v{0, 0}, w{0, 0};
  x = x * kK2 + Load64(s);

  const char* end = s + ((len - 1) / 64) * 64;  // 1 to 64 bytes are left after the rounds
  const char* last64 = s + len - 64;
  do {
    x = RotateRight(x + y + v.first + Load64(s + 8), 37) * kK1;
    y = RotateRight(y + v.second + Load64(s + 48), 42) * kK1;
    x ^= w.second;
    y += v.first + Load64(s + 40);
    z = RotateRight(z + w.first, 33) * kK1;
    v = Mix32WithSeeds(s, v.second * kK1, x + w.first);
    w = Mix32WithSeeds(s + 32, z + w.second, y + Load64(s + 16));
    const uint64_t t = z;
    z = x;
    x = t;
    s += 64;
  } while (s != end);
  const uint64_t mul = kK1 + ((z & 0xff) << 1);
  s = last64;
  w.first += (static_cast<uint64_t>(len) - 1) & 63;
  v.first += w.first;
  w.first += v.first;
  x = RotateRight(x + y + v.first + Load64(s + 8), 37) * mul;
  y = RotateRight(y + v.second + Load64(s + 48), 42) * mul;
  x ^= w.second * 9;
  y += v.first * 9 + Load64(s + 40);
  z = RotateRight(z + w.first, 33) * mul;
  v = Mix32WithSeeds(s, v.second * mul, x + w.first);
  w = Mix32WithSeeds(s + 32, z + w.second, y + Load64(s + 16));
  const uint64_t t = z;
  z = x;
  x = t;
  return Mix16(Mix16(v.first, w.first, mul) + ShiftMix(y) * kK0 + z, Mix16(v.second, w.second, mul) + x, mul);
}

inline uint64_t Fingerprint64(std::string_view s) { return Fingerprint64(s.data(), s.size()); }

// TF's FingerprintCat64: an order-dependent combination of two fingerprints.
inline uint64_t FingerprintCat64(uint64_t fp1, uint64_t fp2) {
  constexpr uint64_t kMul = 0xc6a4a7935bd1e995ULL;
  uint64_t result = fp1 ^ kMul;
  result ^= ShiftMix(fp2 * kMul) * kMul;
  result *= kMul;
  result = ShiftMix(result) * kMul;
  return ShiftMix(result);
}

}  // namespace fingerprint
}  // namespace opbridge
