// UnsortedSegmentSum: TF's tf.math.unsorted_segment_sum for the dtypes TFLite's
// builtin lacks (it takes float32 and int32; the converter leaves CUSTOM
// "UnsortedSegmentSum" {T, Tindices, Tnumsegments} for the others: int64 in
// keras-hub's GPT-2 BPE merge loop, and every other number type, measured).
//
// Semantics follow TF's UnsortedSegmentReductionOp and its CPU functor:
// - output: [num_segments] + data.shape[segment_ids.rank:], zeros, then each
//   data row i (in order) added to output row segment_ids[i]; negative ids are
//   dropped, ids >= num_segments are an error naming the first one.
// - Each output element is 0 + its rows in index order, one rounding per add
//   in T (half and bfloat16 too): bit-exact with TF. Integers wrap (computed
//   unsigned here, so UBSan stays clean).
// TF's error texts are kept.
#include <complex>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "../math/element_types.h"
#include "segment_reduction.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

// TF's SliceDebugString: "[i]" or "[i,j]" for flat index `i` in `shape`.
std::string IndexText(const Shape& shape, int64_t i) {
  if (shape.rank() == 0) return "";
  std::string out;
  for (int d = shape.rank() - 1; d >= 0; --d) {
    const int64_t n = shape.dim(d);
    out = std::to_string(n ? i % n : 0) + (out.empty() ? "" : ",") + out;
    i = n ? i / n : 0;
  }
  return "[" + out + "]";
}

// Element i of an int32/int64 tensor. memcpy: a model's constant buffers are
// only 4-byte aligned, so typed 8-byte loads from them would be misaligned.
int64_t ReadInt(const ConstTensor& t, int64_t i) {
  if (t.dtype() == DType::kInt32) {
    int32_t v;
    std::memcpy(&v, t.data<char>() + i * 4, 4);
    return v;
  }
  int64_t v;
  std::memcpy(&v, t.data<char>() + i * 8, 8);
  return v;
}

// data.shape starts with segment_ids.shape (dims unknown at graph time pass).
Status CheckPrefix(const Shape& data, const Shape& ids) {
  bool ok = data.rank() >= ids.rank();
  for (int d = 0; ok && d < ids.rank(); ++d) {
    ok = data.dim(d) < 0 || ids.dim(d) < 0 || data.dim(d) == ids.dim(d);
  }
  OPBRIDGE_REQUIRE(ok, "data.shape = ", data.ToString(), " does not start with segment_ids.shape = ", ids.ToString());
  return Status::Ok();
}

Status SumShape(ShapeContext& ctx) {
  const Shape& data = ctx.input(0);
  const Shape& ids = ctx.input(1);
  const Shape& n = ctx.input(2);
  OPBRIDGE_REQUIRE(!n.rank_known() || n.rank() == 0, "num_segments should be a scalar, not shape ", n.ToString());
  if (!data.rank_known() || !ids.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  OPBRIDGE_RETURN_IF_ERROR(CheckPrefix(data, ids));
  std::vector<int64_t> dims{kUnknownDim};
  for (int d = ids.rank(); d < data.rank(); ++d) dims.push_back(data.dim(d));
  const ConstTensor* value = ctx.input_value(2);
  if (value != nullptr) {
    dims[0] = ReadInt(*value, 0);
    OPBRIDGE_REQUIRE(dims[0] >= 0, "Input num_segments == ", dims[0], " must not be negative.");
    ctx.set_output(0, Shape(dims));
    return Status::Ok();
  }
  ctx.set_output(0, Shape(dims));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

Status SumKernel(KernelContext& ctx) {
  const ConstTensor& data = ctx.input(0);
  const ConstTensor& ids = ctx.input(1);
  const ConstTensor& n = ctx.input(2);
  for (const ConstTensor* t : {&ids, &n}) {
    OPBRIDGE_REQUIRE(t->dtype() == DType::kInt32 || t->dtype() == DType::kInt64, "input '", t->name(),
                     "' must be int32 or int64, got ", DTypeName(t->dtype()));
  }
  OPBRIDGE_REQUIRE(n.rank() == 0, "num_segments should be a scalar, not shape ", n.shape().ToString());
  OPBRIDGE_RETURN_IF_ERROR(CheckPrefix(data.shape(), ids.shape()));
  const int64_t rows = ReadInt(n, 0);
  OPBRIDGE_REQUIRE(rows >= 0, "Input num_segments == ", rows, " must not be negative.");
  const int64_t count = ids.num_elements();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t j = ReadInt(ids, i);
    OPBRIDGE_REQUIRE(j < rows, "segment_ids", IndexText(ids.shape(), i), " = ", j, " is out of range [0, ", rows, ")");
  }
  std::vector<int64_t> dims{rows};
  for (int d = ids.rank(); d < data.rank(); ++d) dims.push_back(data.dim(d));
  const Shape out_shape(dims);
  int64_t inner = 1;
  for (size_t d = 1; d < dims.size(); ++d) inner *= dims[d];
  // num_segments is a value: its product with the row must stay addressable.
  OPBRIDGE_REQUIRE(inner == 0 || rows <= (int64_t{1} << 40) / inner, "output of ", rows, " segments of ", inner,
                   " elements is too large");
  if (!ctx.output(0).shape().rank_known() || ctx.output(0).shape().dims() != dims) {
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, out_shape));
  }
  return math::DispatchElement<Eigen::half, Eigen::bfloat16, float, double, int8_t, int16_t, int32_t, int64_t,
                               uint8_t, uint16_t, uint32_t, uint64_t, std::complex<float>, std::complex<double>>(
      data.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        // data may be a constant (4-byte aligned): read from an aligned copy then.
        std::vector<T> copy;
        const T* in = data.data<T>();
        if (reinterpret_cast<uintptr_t>(in) % alignof(T) != 0) {
          copy.resize(static_cast<size_t>(data.num_elements()));
          if (!copy.empty()) std::memcpy(copy.data(), in, copy.size() * sizeof(T));
          in = copy.data();
        }
        T* out = ctx.output(0).data<T>();
        for (int64_t k = 0; k < rows * inner; ++k) out[k] = T(0);
        for (int64_t i = 0; i < count; ++i) {
          const int64_t j = ReadInt(ids, i);
          if (j < 0) continue;
          for (int64_t k = 0; k < inner; ++k) out[j * inner + k] = segment::Add(out[j * inner + k], in[i * inner + k]);
        }
        return Status::Ok();
      });
}

OPBRIDGE_REGISTER_OP(OpSpec("UnsortedSegmentSum")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Sums data rows into num_segments rows by segment id (tf.math.unsorted_segment_sum).")
                         .Input("data: T")
                         .Input("segment_ids: Tindices")
                         .Input("num_segments: Tnumsegments")
                         .Output("output: T")
                         .Attr("T: {float, double, int32, uint8, int16, int8, complex64, int64, bfloat16, uint16, "
                               "complex128, half, uint32, uint64}")
                         .Attr("Tindices: {int32, int64}")
                         .Attr("Tnumsegments: {int32, int64} = DT_INT32")
                         .ShapeRule(SumShape)
                         .Kernel(SumKernel));

}  // namespace
}  // namespace opbridge
