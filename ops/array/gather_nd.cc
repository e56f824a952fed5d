// GatherNd: TF's tf.gather_nd(params, indices) in float64: the converter
// leaves CUSTOM "GatherNd" {Tparams, Tindices} for double, which TFLite's
// GATHER_ND lacks (measured by tools/census_float64.py). The last dim of
// indices (K <= rank) indexes params' first K dims; the output is
// indices.shape[:-1] + params.shape[K:]. An index out of range is an error,
// as on TF's CPU (TF's text). Elements are copied: exact.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <string>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

Status Plan(const Shape& params, const Shape& indices, std::vector<int64_t>* dims) {
  OPBRIDGE_REQUIRE(indices.rank() >= 1, "indices must be at least a vector, got shape ", indices.ToString());
  const int64_t k = indices.dim(indices.rank() - 1);
  OPBRIDGE_REQUIRE(k == kUnknownDim || k <= params.rank(),
                   "index innermost dimension length must be <= params rank; saw: ", k, " vs. ", params.rank());
  *dims = indices.dims();
  dims->pop_back();
  for (int d = static_cast<int>(k); k != kUnknownDim && d < params.rank(); ++d) dims->push_back(params.dim(d));
  return Status::Ok();
}

Status GatherNdShape(ShapeContext& ctx) {
  if (!ctx.input(0).rank_known() || !ctx.input(1).rank_known() ||
      ctx.input(1).rank() == 0 || ctx.input(1).dim(ctx.input(1).rank() - 1) == kUnknownDim) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), ctx.input(1), &dims));
  ctx.set_output(0, Shape(dims));
  return Status::Ok();
}

Status Kernel(KernelContext& ctx) {
  const ConstTensor& params = ctx.input(0);
  const ConstTensor& indices = ctx.input(1);
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(params.shape(), indices.shape(), &dims));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(dims)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == dims, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(dims).ToString());
  const int k = static_cast<int>(indices.dim(indices.rank() - 1));
  int64_t slice = 1;
  for (int d = k; d < params.rank(); ++d) slice *= params.dim(d);
  const std::vector<int64_t> strides = array::Strides(params.shape().dims());
  const int64_t n = k ? indices.num_elements() / k : 0;
  const int64_t rows = y.num_elements() == 0 ? 0 : y.num_elements() / (slice ? slice : 1);
  return array::ForElements(params.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* in = params.data<In>();
    Out* out = y.data<Out>();
    const std::vector<int64_t> index = [&] {
      std::vector<int64_t> v(static_cast<size_t>(indices.num_elements()));
      for (size_t i = 0; i < v.size(); ++i) {
        v[i] = indices.dtype() == DType::kInt64   ? indices.data<int64_t>()[i]
               : indices.dtype() == DType::kInt16 ? indices.data<int16_t>()[i]
                                                  : indices.data<int32_t>()[i];
      }
      return v;
    }();
    for (int64_t r = 0; r < (k ? n : rows); ++r) {
      int64_t offset = 0;
      for (int d = 0; d < k; ++d) {
        const int64_t i = index[static_cast<size_t>(r * k + d)];
        if (i < 0 || i >= params.dim(d)) {
          std::string at;
          for (int e = 0; e < k; ++e) at += (e ? ", " : "") + std::to_string(index[static_cast<size_t>(r * k + e)]);
          return Errorf("indices[", r, "] = [", at, "] does not index into param shape ", params.shape().ToString());
        }
        offset += i * strides[static_cast<size_t>(d)];
      }
      for (int64_t j = 0; j < slice; ++j) out[r * slice + j] = in[offset + j];
    }
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("GatherNd")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Slices of params at N-d indices (tf.gather_nd).")
                         .Input("params: Tparams")
                         .Input("indices: Tindices")
                         .Output("output: Tparams")
                         .Attr("Tparams: type")
                         .Attr("Tindices: {int16, int32, int64}")
                         .ShapeRule(GatherNdShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
