// Fingerprint: tf.fingerprint, one 8-byte farmhash64 fingerprint per row of
// `data` (row = everything under dim 0), written as uint8 [dim0, 8] in
// little-endian byte order (TF's choice on every host). TFLite has no kernel.
//
// As TF's kernel: a row of a numeric tensor is its raw bytes (dim1 elements
// of sizeof(T)); a row of one string is that string's fingerprint; a row of
// several strings is the fingerprint of their fingerprints' 8-byte LE forms
// laid end to end. `method` must be the scalar "farmhash64".
#include <cstring>
#include <string_view>
#include <vector>

#include "fingerprint64.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

constexpr int64_t kFingerprintSize = 8;

void StoreLittleEndian(uint64_t v, uint8_t* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

Status FingerprintShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 0));
  const Shape& data = ctx.input(0);
  ctx.set_output(0, Shape({data.rank_known() ? data.dim(0) : kUnknownDim, kFingerprintSize}));
  return Status::Ok();
}

Status FingerprintKernel(KernelContext& ctx) {
  const ConstTensor& data = ctx.input(0);
  const ConstTensor& method = ctx.input(1);
  OPBRIDGE_REQUIRE(method.rank() == 0, "input 'method' must be a scalar string, got shape ",
                   method.shape().ToString());
  const std::string_view name = method.data<std::string_view>()[0];
  OPBRIDGE_REQUIRE(name == "farmhash64", "unsupported fingerprint method '", name,
                   "' in input 'method' (only 'farmhash64')");
  OPBRIDGE_REQUIRE(data.rank() >= 1, "input 'data' must have at least one dimension, got shape ",
                   data.shape().ToString());
  const int64_t rows = data.dim(0);
  if (rows == 0) return Status::Ok();
  const int64_t per_row = data.num_elements() / rows;
  uint8_t* out = ctx.output(0).data<uint8_t>();

  if (data.dtype() == DType::kString) {
    const std::string_view* strings = data.data<std::string_view>();
    ctx.ParallelFor(rows, 50 * per_row + 50, [&](int64_t begin, int64_t end) {
      std::vector<uint8_t> row_prints(static_cast<size_t>(per_row * kFingerprintSize));
      for (int64_t r = begin; r < end; ++r) {
        const std::string_view* row = strings + r * per_row;
        uint64_t print;
        if (per_row == 1) {
          print = fingerprint::Fingerprint64(row[0]);
        } else if (per_row == 0) {
          // TF leaves these rows uninitialized (its per-string loop has no
          // strings); the fingerprint of the empty row is a defined answer.
          print = fingerprint::Fingerprint64(nullptr, 0);
        } else {
          for (int64_t k = 0; k < per_row; ++k) {
            StoreLittleEndian(fingerprint::Fingerprint64(row[k]), &row_prints[static_cast<size_t>(k * kFingerprintSize)]);
          }
          print = fingerprint::Fingerprint64(reinterpret_cast<const char*>(row_prints.data()), row_prints.size());
        }
        StoreLittleEndian(print, out + r * kFingerprintSize);
      }
    });
    return Status::Ok();
  }
  const int size = DTypeSize(data.dtype());
  OPBRIDGE_REQUIRE(size > 0, "input 'data' has type ", DTypeName(data.dtype()), ", which Fingerprint does not support");
  const int64_t row_bytes = per_row * size;
  const char* bytes = data.data<char>();
  ctx.ParallelFor(rows, row_bytes / 4 + 20, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const uint64_t print = fingerprint::Fingerprint64(bytes + r * row_bytes, static_cast<size_t>(row_bytes));
      StoreLittleEndian(print, out + r * kFingerprintSize);
    }
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("Fingerprint")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Farmhash64 fingerprint of each row of data, as uint8 [dim0, 8] little-endian (tf.fingerprint).")
                         .Input("data: T")
                         .Input("method: string")
                         .Output("fingerprint: uint8")
                         .Attr("T: type")
                         .ShapeRule(FingerprintShape)
                         .Kernel(FingerprintKernel));

}  // namespace opbridge
