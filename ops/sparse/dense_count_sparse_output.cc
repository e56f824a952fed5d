// DenseCountSparseOutput: tf.sparse.bincount of a dense tensor (and Keras'
// CategoryEncoding / IntegerLookup counts with sparse output): per row of a
// 1-D or 2-D tensor, how often each value occurs (or its summed weights, or
// 1 with binary_output), as a SparseTensor. TFLite has no kernel.
//
// As TF's CPU kernel (count_ops.cc, DenseCount):
// - checks in TF's order and words: values of rank 1 or 2; weights, when
//   not empty, of values' shape; no batch dim of 0;
// - a negative value is an error ("Input values must all be non-negative",
//   TF 2.21); values >= maxlength (when > 0) are skipped; a value's weights
//   are summed in output_type in their order from 0;
// - each row's counts listed by value (TF sorts (int value, count) pairs, so
//   values past int32 are cut to 32 bits as TF's are); dense_shape is
//   [rows,] maxlength if > 0, else max(largest value + 1, minlength).
#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sparse_util.h"

namespace opbridge {
namespace {

using sparse::ShapeText;

struct CountParams {
  int64_t minlength = -1;
  int64_t maxlength = -1;
  bool binary_output = false;

  static void Declare(ParamBinder& b, CountParams& p) {
    b.Attr("minlength: int >= -1 = -1", &p.minlength);
    b.Attr("maxlength: int >= -1 = -1", &p.maxlength);
    b.Attr("binary_output: bool", &p.binary_output);
  }
};

Status CountShape(ShapeContext& ctx, const CountParams&) {
  for (int i = 0; i < 3; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

template <typename T, typename W>
Status Count(KernelContext& ctx, const CountParams& p) {
  const ConstTensor& data = ctx.input(0);
  const ConstTensor& weights = ctx.input(1);
  const bool use_weights = weights.num_elements() > 0;
  const bool is_1d = data.rank() == 1;
  const int64_t batches = is_1d ? 1 : data.dim(0);
  const int64_t per_batch = is_1d ? data.dim(0) : data.dim(1);
  const T* v = data.data<T>();
  const W* w = weights.data<W>();
  const auto maxlength = static_cast<int>(p.maxlength);  // TF keeps the attrs as int
  const auto minlength = static_cast<int>(p.minlength);
  std::vector<std::unordered_map<int64_t, W>> counts(static_cast<size_t>(batches));
  T max_value = 0;
  for (int64_t b = 0; b < batches; ++b) {
    auto& row = counts[static_cast<size_t>(b)];
    for (int64_t k = 0; k < per_batch; ++k) {
      const int64_t i = b * per_batch + k;
      const T value = v[i];
      OPBRIDGE_REQUIRE(value >= 0, "Input values must all be non-negative");
      if (maxlength > 0 && value >= maxlength) continue;
      if (p.binary_output) {
        row[static_cast<int64_t>(value)] = W(1);
      } else if (use_weights) {
        row[static_cast<int64_t>(value)] += w[i];
      } else {
        row[static_cast<int64_t>(value)] += W(1);
      }
      max_value = std::max(max_value, value);
    }
  }
  const int width = maxlength > 0 ? maxlength : std::max(static_cast<int>(max_value) + 1, minlength);
  int64_t total = 0;
  for (const auto& row : counts) total += static_cast<int64_t>(row.size());
  const int64_t inner = is_1d ? 1 : 2;
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({total, inner})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({total})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({inner})));
  int64_t* out_ix = ctx.output(0).data<int64_t>();
  W* out = ctx.output(1).data<W>();
  int64_t at = 0;
  for (int64_t b = 0; b < batches; ++b) {
    const auto& row = counts[static_cast<size_t>(b)];
    std::vector<std::pair<int, W>> pairs;
    pairs.reserve(row.size());
    for (const auto& [value, count] : row) pairs.emplace_back(static_cast<int>(value), count);
    std::sort(pairs.begin(), pairs.end());
    for (const auto& [value, count] : pairs) {
      if (is_1d) {
        out_ix[at] = value;
      } else {
        out_ix[2 * at] = b;
        out_ix[2 * at + 1] = value;
      }
      out[at++] = count;
    }
  }
  int64_t* shape = ctx.output(2).data<int64_t>();
  if (is_1d) {
    shape[0] = width;
  } else {
    shape[0] = batches;
    shape[1] = width;
  }
  return Status::Ok();
}

Status CountKernel(KernelContext& ctx, const CountParams& p) {
  const ConstTensor& data = ctx.input(0);
  const ConstTensor& weights = ctx.input(1);
  OPBRIDGE_REQUIRE(data.rank() == 1 || data.rank() == 2, "Input must be a 1 or 2-dimensional tensor. Got: ",
                   ShapeText(data.shape()));
  if (weights.num_elements() > 0) {
    OPBRIDGE_REQUIRE(weights.shape().dims() == data.shape().dims(),
                     "Weights and data must have the same shape. Weight shape: ", ShapeText(weights.shape()),
                     "; data shape: ", ShapeText(data.shape()));
  }
  OPBRIDGE_REQUIRE(data.rank() == 1 || data.dim(0) != 0, "Invalid input: Shapes dimension cannot be 0.");
  const DType out_type = weights.dtype();  // output_type binds the weights too
  const auto by_weight = [&](auto t_tag) {
    using T = typename decltype(t_tag)::type;
    switch (out_type) {
      case DType::kInt32: return Count<T, int32_t>(ctx, p);
      case DType::kInt64: return Count<T, int64_t>(ctx, p);
      case DType::kFloat32: return Count<T, float>(ctx, p);
      case DType::kFloat64: return Count<T, double>(ctx, p);
      default: return Errorf("output_type ", DTypeName(out_type), " is not supported");
    }
  };
  return Dispatch<int32_t, int64_t>(data.dtype(), by_weight);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("DenseCountSparseOutput")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Per-row counts (or summed weights) of the values of a 1-D or 2-D tensor, as a "
                              "SparseTensor (tf.sparse.bincount of a dense tensor).")
                         .Input("values: T")
                         .Input("weights: output_type")
                         .Output("output_indices: int64")
                         .Output("output_values: output_type")
                         .Output("output_dense_shape: int64")
                         .Attr("T: {int32, int64}")
                         .Params<CountParams>()
                         .Attr("output_type: {int32, int64, float, double}")
                         .ShapeRule(CountShape)
                         .Kernel(CountKernel));

}  // namespace opbridge
