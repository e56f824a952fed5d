// ScatterNd: TF's tf.scatter_nd(indices, updates, shape) in float64, half and bfloat16: the
// converter leaves CUSTOM "ScatterNd" {T, Tindices} for those dtypes, which
// TFLite's SCATTER_ND lacks (measured by tools/census_float64.py). Zeros of
// `shape` with each update slice added at its index; duplicates add up, in
// the updates' order as TF's CPU kernel adds them. Bad indices are errors.
#include <vector>

#include "scatter_nd.h"
#include "../math/element_types.h"

namespace opbridge {
namespace {

Status ScatterNdShape(ShapeContext& ctx) {
  const ConstTensor* shape = ctx.input_value(2);
  if (shape == nullptr) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  const std::vector<int64_t> dims = array::ReadIndices(*shape);
  OPBRIDGE_RETURN_IF_ERROR(array::CheckOutputSize(dims));
  ctx.set_output(0, Shape(dims));
  return Status::Ok();
}

Status Kernel(KernelContext& ctx) {
  const ConstTensor& indices = ctx.input(0);
  const ConstTensor& updates = ctx.input(1);
  OPBRIDGE_REQUIRE(ctx.input(2).rank() == 1, "Shape must be a vector, got ", ctx.input(2).shape().ToString());
  const std::vector<int64_t> shape = array::ReadIndices(ctx.input(2));
  OPBRIDGE_RETURN_IF_ERROR(array::CheckOutputSize(shape));
  OPBRIDGE_RETURN_IF_ERROR(array::CheckScatter(indices.shape(), updates.shape(), shape));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(shape)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == shape, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(shape).ToString());
  return math::DispatchElement<double, Eigen::half, Eigen::bfloat16>(updates.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = y.data<T>();
    for (int64_t i = 0; i < y.num_elements(); ++i) out[i] = T(0);
    const int64_t k = indices.dim(indices.rank() - 1);
    int64_t slice = 1;
    for (size_t d = static_cast<size_t>(k); d < shape.size(); ++d) slice *= shape[d];
    const T* u = updates.data<T>();
    // Duplicate indices add up in T, rounded per addition (half), as TF's.
    return array::ForEachScatter(indices, shape, [&](int64_t r, int64_t offset) {
      for (int64_t j = 0; j < slice; ++j) out[offset + j] = T(out[offset + j] + u[r * slice + j]);
    });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ScatterNd")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Zeros of a shape with update slices added at N-d indices (tf.scatter_nd).")
                         .Input("indices: Tindices")
                         .Input("updates: T")
                         .Input("shape: Tindices")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, double}")
                         .Attr("Tindices: {int32, int64}")
                         .ShapeRule(ScatterNdShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
