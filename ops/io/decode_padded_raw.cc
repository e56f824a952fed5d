// DecodePaddedRaw: TF's tf.io.decode_raw(bytes, out_type, little_endian,
// fixed_length=k): each string's first k bytes (zero-padded when shorter) as
// a vector of k / size(out_type) elements, y = bytes.shape + [k / size]. The
// converter has no builtin for it and leaves CUSTOM "DecodePaddedRaw"
// {out_type, little_endian}; k is an input, so y is a dynamic output.
//
// As TF's kernel (decode_padded_raw_op.cc, measured): k a scalar
// (`k must be scalar, got shape [1]`), a multiple of the element size, checked
// with k converted to size_t as TF does (-3 is not a multiple of 2, -2 is),
// then positive; strings of any length; bytes not in the host's order are
// padded first, then reversed per element (raw_bytes.h).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "../array/index_vector.h"
#include "raw_bytes.h"

namespace opbridge {
namespace {

struct DecodePaddedRawParams {
  DType out_type = DType::kFloat32;
  bool little_endian = true;

  static void Declare(ParamBinder& b, DecodePaddedRawParams& p) {
    b.Attr("out_type: {half, float, double, int32, uint16, uint8, int16, int8, int64, bfloat16}", &p.out_type);
    b.Attr("little_endian: bool = true", &p.little_endian);
  }
};

Status DecodePaddedRawShape(ShapeContext& ctx, const DecodePaddedRawParams&) { return io::DecodedShape(ctx); }

Status DecodePaddedRawKernel(KernelContext& ctx, const DecodePaddedRawParams& p) {
  const ConstTensor& bytes = ctx.input(0);
  const ConstTensor& k = ctx.input(1);
  OPBRIDGE_REQUIRE(k.rank() == 0, "k must be scalar, got shape ", array::TfShapeText(k.shape()));
  const int32_t fixed_length = k.data<int32_t>()[0];
  const int64_t size = DTypeSize(p.out_type);
  OPBRIDGE_REQUIRE(static_cast<size_t>(static_cast<int64_t>(fixed_length)) % static_cast<size_t>(size) == 0,
                   "fixed_length (", fixed_length, ") must be a multiple of the size of out_type (", size, ")");
  OPBRIDGE_REQUIRE(fixed_length > 0, "fixed_length (", fixed_length, ") must be greater than zero.");
  std::vector<int64_t> dims = bytes.shape().dims();
  dims.push_back(fixed_length / size);
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(std::move(dims))));
  const std::string_view* in = bytes.data<std::string_view>();
  const int64_t count = bytes.num_elements(), length = fixed_length;
  auto* out = static_cast<char*>(static_cast<void*>(ctx.output(0).data<uint8_t>()));
  const int64_t unit = io::SwapUnit(p.out_type, p.little_endian);
  ctx.ParallelFor(count, length / 4 + 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      char* dst = out + i * length;
      const int64_t n = std::min<int64_t>(static_cast<int64_t>(in[i].size()), length);
      std::memcpy(dst, in[i].data(), static_cast<size_t>(n));
      std::memset(dst + n, 0, static_cast<size_t>(length - n));
      io::SwapUnits(dst, length, unit);
    }
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("DecodePaddedRaw")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Each string's first fixed_length bytes, zero-padded, as out_type elements "
                              "(tf.io.decode_raw with fixed_length).")
                         .Input("input_bytes: string")
                         .Input("fixed_length: int32")
                         .Output("output: out_type")
                         .Params<DecodePaddedRawParams>()
                         .ShapeRule(DecodePaddedRawShape)
                         .Kernel(DecodePaddedRawKernel));

}  // namespace opbridge
