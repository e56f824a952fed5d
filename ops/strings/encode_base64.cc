// EncodeBase64: tf.io.encode_base64, bytes to web-safe base64 ('-' and '_'
// for 62 and 63), as TF's encoder (tsl/platform/base64.cc): 4 characters per
// 3 bytes; a last 1 or 2 bytes give 2 or 3 characters, followed by "==" or
// "=" when pad is true. Never fails on its bytes; an output TFLite's string
// buffer could not address is refused before anything is encoded.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "opbridge/op.h"
#include "string_outputs.h"

namespace opbridge {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct EncodeBase64Params {
  bool pad = false;

  static void Declare(ParamBinder& b, EncodeBase64Params& p) { b.Attr("pad: bool = false", &p.pad); }
};

// The two characters of each 12 bits, the first in the low byte (the order a
// little-endian store writes them).
constexpr std::array<uint16_t, 4096> MakePairs() {
  std::array<uint16_t, 4096> t{};
  for (uint32_t v = 0; v < 4096; ++v) {
    t[v] = static_cast<uint16_t>(static_cast<unsigned char>(kAlphabet[v >> 6]) |
                                 (static_cast<unsigned char>(kAlphabet[v & 63]) << 8));
  }
  return t;
}

constexpr std::array<uint16_t, 4096> kPairs = MakePairs();

uint64_t EncodedSize(uint64_t n, bool pad) {
  const uint64_t rest = n % 3;
  return 4 * (n / 3) + (rest == 0 ? 0 : (pad ? 4 : rest + 1));
}

void Encode(std::string_view in, bool pad, std::string* out) {
  const size_t n = in.size();
  out->resize(static_cast<size_t>(EncodedSize(n, pad)));
  const auto* c = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = c + n;
  char* o = out->data();
  for (; end - c >= 3; c += 3, o += 4) {
    const uint32_t v = (uint32_t{c[0]} << 16) | (uint32_t{c[1]} << 8) | c[2];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint32_t chars = kPairs[v >> 12] | (uint32_t{kPairs[v & 0xFFF]} << 16);
    std::memcpy(o, &chars, 4);
#else
    o[0] = kAlphabet[v >> 18];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = kAlphabet[(v >> 6) & 63];
    o[3] = kAlphabet[v & 63];
#endif
  }
  const ptrdiff_t rest = end - c;
  if (rest == 0) return;
  const uint32_t v = (uint32_t{c[0]} << 16) | (rest == 2 ? uint32_t{c[1]} << 8 : 0u);
  o[0] = kAlphabet[v >> 18];
  o[1] = kAlphabet[(v >> 12) & 63];
  if (rest == 2) o[2] = kAlphabet[(v >> 6) & 63];
  if (pad) {
    if (rest == 1) o[2] = '=';
    o[3] = '=';
  }
}

Status EncodeBase64Kernel(KernelContext& ctx, const EncodeBase64Params& p) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  std::string* out = ctx.output(0).data<std::string>();
  const int64_t n = input.num_elements();
  if (n == 0) return Status::Ok();
  uint64_t bytes = 0, encoded = 0;
  for (int64_t i = 0; i < n; ++i) {
    bytes += in[i].size();
    encoded += EncodedSize(in[i].size(), p.pad);  // each < 2^31 * 4/3 + 4: no overflow
  }
  OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput("output", static_cast<uint64_t>(n), encoded));
  // About 0.5 ns a byte (two table lookups and a 4-byte store per 3).
  const int64_t cost = 20 + static_cast<int64_t>(bytes / static_cast<uint64_t>(n) / 2);
  const bool pad = p.pad;
  ctx.ParallelFor(n, cost, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) Encode(in[i], pad, &out[i]);
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("EncodeBase64")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Encodes strings as web-safe base64 (tf.io.encode_base64), padded with '=' when "
                              "pad is true.")
                         .Input("input: string")
                         .Output("output: string")
                         .Params<EncodeBase64Params>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(EncodeBase64Kernel));

}  // namespace opbridge
