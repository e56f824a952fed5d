// UnsortedSegmentSum: TF's tf.math.unsorted_segment_sum for the dtypes TFLite's
// builtin lacks (it takes float32 and int32; the converter leaves CUSTOM
// "UnsortedSegmentSum" {T, Tindices, Tnumsegments} for the others: int64 in
// keras-hub's GPT-2 BPE merge loop, and every other number type, measured).
//
// Semantics follow TF's UnsortedSegmentReductionOp and its CPU functor:
// - output: [num_segments] + data.shape[segment_ids.rank:], zeros, then each
//   data row i (in order) added to output row segment_ids[i]; negative ids are
//   dropped, ids >= num_segments are an error naming the first one. ids may
//   be int16, int32 or int64 (TF's Tindices), num_segments int32 or int64.
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
#include "unsorted_segment_reduction.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using unsorted_segment::CheckPrefix;
using unsorted_segment::IndexText;
using unsorted_segment::ReadInt;

Status SumKernel(KernelContext& ctx) {
  const ConstTensor& data = ctx.input(0);
  const ConstTensor& ids = ctx.input(1);
  const ConstTensor& n = ctx.input(2);
  // TF's op takes int16 ids too (Tindices); num_segments is int32 or int64.
  OPBRIDGE_REQUIRE(ids.dtype() == DType::kInt16 || ids.dtype() == DType::kInt32 || ids.dtype() == DType::kInt64,
                   "input '", ids.name(), "' must be int16, int32 or int64, got ", DTypeName(ids.dtype()));
  OPBRIDGE_REQUIRE(n.dtype() == DType::kInt32 || n.dtype() == DType::kInt64, "input '", n.name(),
                   "' must be int32 or int64, got ", DTypeName(n.dtype()));
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
                         .Attr("Tindices: {int16, int32, int64}")
                         .Attr("Tnumsegments: {int32, int64} = DT_INT32")
                         .ShapeRule(unsorted_segment::UnsortedShape)
                         .Kernel(SumKernel));

}  // namespace
}  // namespace opbridge
