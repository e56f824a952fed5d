// SparseToDense: a dense tensor of output_shape filled with default_value and
// sparse_values written at sparse_indices (tf.compat.v1.sparse_to_dense;
// tf.sparse.to_dense in graphs older than SparseTensorToDense). TFLite's
// builtin SPARSE_TO_DENSE takes some dtypes; the converter leaves CUSTOM
// "SparseToDense" {T, Tindices, validate_indices} for the others.
//
// As TF 2.21's CPU kernel (sparse_to_dense_op.cc): its shape checks in its
// order and words; indices a scalar (one entry of rank 1), a vector (entries
// of rank 1) or a matrix (one row per entry); sparse_values a scalar (every
// entry) or one per entry. With validate_indices (the default) the entries
// must be in bounds, strictly increasing in row-major order, and distinct
// (SparseTensor::IndicesValid's first failure, TF's text; rank 0 entries
// print as TF's, "indices[1] = [ is repeated"); without it, any order, a
// repeated entry's last value wins, and an out-of-bounds one fails with
// TF's "Indices are not valid (out of bounds)". Values of every dtype TF
// registers (quantized ones aside: no TFLite tensor carries them) are only
// moved: TF's bits.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sparse_util.h"

namespace opbridge {
namespace {

using sparse::ShapeText;

struct Params {
  bool validate_indices = true;
  static void Declare(ParamBinder& b, Params& p) { b.Attr("validate_indices: bool = true", &p.validate_indices); }
};

// TensorShapeUtils::MakeShape's checks of output_shape's values, TF's texts.
Status OutputDims(const ConstTensor& output_shape, std::vector<int64_t>* dims) {
  *dims = sparse::ReadInt64s(output_shape);
  int64_t elements = 1;
  for (const int64_t d : *dims) {
    OPBRIDGE_REQUIRE(d >= 0, "Dimension ", d, " must be >= 0");
    if (__builtin_mul_overflow(elements, d, &elements)) {
      return Errorf("Shape [", sparse::JoinDims(dims->data(), static_cast<int64_t>(dims->size())),
                    "] would have more than 2**63 - 1 elements");
    }
  }
  // Its bytes (16 per complex128 element) must not overflow either: a hostile
  // shape would otherwise wrap the runtime's allocation size.
  int64_t bytes = 0;
  OPBRIDGE_REQUIRE(!__builtin_mul_overflow(elements, int64_t{16}, &bytes), "output shape [",
                   sparse::JoinDims(dims->data(), static_cast<int64_t>(dims->size())), "] is too large");
  return Status::Ok();
}

Status SparseToDenseShape(ShapeContext& ctx, const Params&) {
  const ConstTensor* output_shape = ctx.input_value(1);
  if (output_shape == nullptr || output_shape->rank() != 1) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(OutputDims(*output_shape, &dims));
  ctx.set_output(0, Shape(dims));
  return Status::Ok();
}

// TF's CheckSparseToDenseShapes.
Status CheckShapes(const ConstTensor& indices, const ConstTensor& output_shape, const ConstTensor& values,
                   const ConstTensor& default_value) {
  OPBRIDGE_REQUIRE(indices.rank() <= 2, "sparse_indices should be a scalar, vector, or matrix, got shape ",
                   ShapeText(indices.shape()));
  const int64_t num_elems = indices.rank() > 0 ? indices.dim(0) : 1;
  const int64_t num_dims = indices.rank() > 1 ? indices.dim(1) : 1;
  OPBRIDGE_REQUIRE(output_shape.rank() == 1, "output_shape must be rank 1, got shape ",
                   ShapeText(output_shape.shape()));
  OPBRIDGE_REQUIRE(output_shape.num_elements() == num_dims, "output_shape has incorrect number of elements: ",
                   output_shape.num_elements(), " should be: ", num_dims);
  OPBRIDGE_REQUIRE(values.rank() == 0 || (values.rank() == 1 && values.num_elements() == num_elems),
                   "sparse_values has incorrect shape ", ShapeText(values.shape()), ", should be [] or [", num_elems,
                   "]");
  OPBRIDGE_REQUIRE(default_value.rank() == 0, "default_value should be a scalar.");
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const Params& p) {
  const ConstTensor& indices = ctx.input(0);
  const ConstTensor& output_shape = ctx.input(1);
  const ConstTensor& values = ctx.input(2);
  const ConstTensor& default_value = ctx.input(3);
  OPBRIDGE_RETURN_IF_ERROR(CheckShapes(indices, output_shape, values, default_value));
  const int64_t n = indices.rank() > 0 ? indices.dim(0) : 1;
  const int dims = static_cast<int>(indices.rank() > 1 ? indices.dim(1) : 1);
  std::vector<int64_t> shape;
  OPBRIDGE_RETURN_IF_ERROR(OutputDims(output_shape, &shape));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(shape)));
  const Tensor& out_t = ctx.output(0);
  OPBRIDGE_REQUIRE(out_t.shape().dims() == shape, "output has shape ", out_t.shape().ToString(), ", expected ",
                   Shape(shape).ToString());
  const std::vector<int64_t> ix = sparse::ReadInt64s(indices);
  if (p.validate_indices) {
    if (dims == 0) {  // every entry is the one element: the second repeats the first
      OPBRIDGE_REQUIRE(n <= 1, "indices[1] = [ is repeated");
    } else {
      OPBRIDGE_RETURN_IF_ERROR(sparse::IndicesValid(ix.data(), n, dims, shape.data()));
    }
  }
  // Row-major offset of each entry, or -1 when out of bounds.
  std::vector<int64_t> strides(static_cast<size_t>(dims), 1);
  for (int d = dims - 2; d >= 0; --d) {
    strides[static_cast<size_t>(d)] = strides[static_cast<size_t>(d + 1)] * shape[static_cast<size_t>(d + 1)];
  }
  const int64_t scalar_values = values.rank() == 0;
  return sparse::DispatchMove(values.dtype(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    const E* v = values.data<E>();
    E* out = sparse::OutData<E>(out_t);
    std::fill(out, out + out_t.num_elements(), default_value.data<E>()[0]);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t* row = ix.data() + i * dims;
      int64_t at = 0;
      for (int d = 0; d < dims; ++d) {
        OPBRIDGE_REQUIRE(row[d] >= 0 && row[d] < shape[static_cast<size_t>(d)],
                         "Indices are not valid (out of bounds).  Shape: ", ShapeText(out_t.shape()));
        at += row[d] * strides[static_cast<size_t>(d)];
      }
      out[at] = v[scalar_values ? 0 : i];
    }
    return Status::Ok();
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseToDense")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("A dense tensor of output_shape: default_value, and sparse_values at sparse_indices "
                              "(tf.compat.v1.sparse_to_dense).")
                         .Input("sparse_indices: Tindices")
                         .Input("output_shape: Tindices")
                         .Input("sparse_values: T")
                         .Input("default_value: T")
                         .Output("dense: T")
                         .Params<Params>()
                         .Attr("T: {bfloat16, bool, complex128, complex64, half, float, double, int8, int16, int32, "
                               "int64, uint8, uint16, uint32, uint64, string}")
                         .Attr("Tindices: {int32, int64}")
                         .ShapeRule(SparseToDenseShape)
                         .Kernel(Kernel));

}  // namespace opbridge
