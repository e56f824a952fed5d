// DecodeRaw: TF's tf.io.decode_raw(bytes, out_type, little_endian): each
// string's bytes as a vector of out_type elements, y = bytes.shape + [n]. The
// converter has no builtin for it and leaves CUSTOM "DecodeRaw" {out_type,
// little_endian}. n is known only from the strings, so y is a dynamic output.
//
// As TF's kernel (decode_raw_op.cc): every string must have the first one's
// length (checked over all of them first, TF's text naming the first length
// before the element's), and that length must be a multiple of the element
// size; an empty tensor or empty strings give n = 0. Bytes in the host's
// order (little-endian here) are copied as they are, bool bytes included
// (TF's bool elements keep the raw byte); otherwise each element's bytes are
// reversed, each part of a complex number on its own (raw_bytes.h).
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "raw_bytes.h"

namespace opbridge {
namespace {

struct DecodeRawParams {
  DType out_type = DType::kFloat32;
  bool little_endian = true;

  static void Declare(ParamBinder& b, DecodeRawParams& p) {
    b.Attr("out_type: {half, float, double, int32, uint16, uint8, int16, int8, int64, complex64, complex128, bool, "
           "bfloat16}",
           &p.out_type);
    b.Attr("little_endian: bool = true", &p.little_endian);
  }
};

Status DecodeRawShape(ShapeContext& ctx, const DecodeRawParams&) { return io::DecodedShape(ctx); }

Status DecodeRawKernel(KernelContext& ctx, const DecodeRawParams& p) {
  const ConstTensor& bytes = ctx.input(0);
  const std::string_view* in = bytes.data<std::string_view>();
  const int64_t count = bytes.num_elements();
  const int64_t length = count ? static_cast<int64_t>(in[0].size()) : 0;
  for (int64_t i = 1; i < count; ++i) {
    OPBRIDGE_REQUIRE(static_cast<int64_t>(in[i].size()) == length,
                     "DecodeRaw requires input strings to all be the same size, but element ", i, " has size ", length,
                     " != ", in[i].size());
  }
  const int64_t size = DTypeSize(p.out_type);
  OPBRIDGE_REQUIRE(length % size == 0, "Input to DecodeRaw has length ", length, " that is not a multiple of ", size,
                   ", the size of ", DTypeName(p.out_type));
  std::vector<int64_t> dims = bytes.shape().dims();
  dims.push_back(length / size);
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(std::move(dims))));
  if (length == 0) return Status::Ok();
  auto* out = static_cast<char*>(static_cast<void*>(ctx.output(0).data<uint8_t>()));
  const int64_t unit = io::SwapUnit(p.out_type, p.little_endian);
  ctx.ParallelFor(count, length / 4 + 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      char* dst = out + i * length;
      std::memcpy(dst, in[i].data(), static_cast<size_t>(length));
      io::SwapUnits(dst, length, unit);
    }
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("DecodeRaw")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Each string's bytes as a vector of out_type elements (tf.io.decode_raw).")
                         .Input("bytes: string")
                         .Output("output: out_type")
                         .Params<DecodeRawParams>()
                         .ShapeRule(DecodeRawShape)
                         .Kernel(DecodeRawKernel));

}  // namespace opbridge
