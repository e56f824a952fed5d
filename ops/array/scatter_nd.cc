// ScatterNd: TF's tf.scatter_nd(indices, updates, shape) in every dtype TF's
// CPU kernel takes (quantized ones aside): the converter leaves CUSTOM
// "ScatterNd" {T, Tindices} for float64, half, bfloat16, int16, uint16,
// uint32, uint64, complex and string, which TFLite's SCATTER_ND lacks
// (measured by tools/census_float64.py and
// tests/test_parity_integer_reductions.py); the others stay for models that
// carry them custom. Zeros of `shape` (false, empty strings) with each update
// slice added at its index; duplicates add up, in the updates' order as TF's
// CPU kernel adds them: rounded to T per addition, integers wrapped modulo
// 2^bits, bools or'd (Eigen's sum of bools), strings concatenated. Bad
// indices are errors.
#include <complex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "scatter_nd.h"
#include "../math/element_types.h"

namespace opbridge {
namespace {

// out + u as TF's scatter adds a duplicate (see the top).
template <typename T>
T Accumulate(T out, T u) {
  if constexpr (std::is_same_v<T, bool>) {
    return out || u;
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(math::Wrapping(out) + math::Wrapping(u));
  } else {
    return T(out + u);
  }
}

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
  const int64_t k = indices.dim(indices.rank() - 1);
  int64_t slice = 1;
  for (size_t d = static_cast<size_t>(k); d < shape.size(); ++d) slice *= shape[d];
  if (updates.dtype() == DType::kString) {
    // The adapter's output strings start empty (TF's zero); a duplicate
    // index appends its update, in order.
    std::string* out = y.data<std::string>();
    const std::string_view* u = updates.data<std::string_view>();
    return array::ForEachScatter(indices, shape, [&](int64_t r, int64_t offset) {
      for (int64_t j = 0; j < slice; ++j) out[offset + j].append(u[r * slice + j]);
    });
  }
  // Signed integers run as the unsigned type of their width (math::UnsignedOfWidth:
  // the same wrapped sums).
  return math::DispatchElement<double, float, Eigen::half, Eigen::bfloat16, uint8_t, uint16_t, uint32_t, uint64_t,
                               bool, std::complex<float>, std::complex<double>>(
      math::UnsignedOfWidth(updates.dtype()), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = y.data<T>();
    for (int64_t i = 0; i < y.num_elements(); ++i) out[i] = T(0);
    const T* u = updates.data<T>();
    return array::ForEachScatter(indices, shape, [&](int64_t r, int64_t offset) {
      for (int64_t j = 0; j < slice; ++j) out[offset + j] = Accumulate(out[offset + j], u[r * slice + j]);
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
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, bool, complex64, complex128, string}")
                         .Attr("Tindices: {int32, int64}")
                         .ShapeRule(ScatterNdShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
