// SparseAdd: tf.sparse.add of two SparseTensors (with its threshold).
// TFLite has no kernel.
//
// As TF's CPU kernel (sparse_add_op.cc):
// - checks in TF's order and words: both indices matrices of one width, the
//   values vectors of their rows, the shapes vectors as long as the width
//   (which is > 0; TF's text keeps its "Tesors" typo), of one length and
//   equal dims, thresh a scalar. Indices are not range-checked;
// - the two entry lists are merged as sorted lists (TF assumes canonical
//   order and does not check it: unsorted input merges the same way here);
//   an index in both gives a + b, kept only when thresh <= |a + b| (NaN sums
//   are dropped; complex magnitudes are std::abs's), an index in one is kept
//   whatever its magnitude. Integers wrap (int8 sums in int8). sum_shape is
//   a_shape.
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <vector>

#include "../math/element_types.h"
#include "sparse_util.h"

namespace opbridge {
namespace {

using sparse::ShapeText;

Status SparseAddShape(ShapeContext& ctx) {
  ctx.set_output_dynamic(0);
  ctx.set_output_dynamic(1);
  ctx.set_output(2, ctx.input(2));
  return Status::Ok();
}

// TF's Tensor::SummarizeValue(10) of an int64 vector: "2 3", "..." past 10.
std::string Summarize(const ConstTensor& t) {
  const int64_t* v = t.data<int64_t>();
  std::string out;
  for (int64_t i = 0; i < std::min<int64_t>(t.num_elements(), 10); ++i) out += (i ? " " : "") + std::to_string(v[i]);
  if (t.num_elements() > 10) out += "...";
  return out;
}

template <typename T>
T Add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}

// thresh <= |s| as TF compares it: std::abs of int8 and int16 promotes to
// int; of int32 and int64 it stays in T, where |MIN| wraps to MIN.
template <typename T, typename R>
bool Keep(R thresh, T s) {
  if constexpr (std::is_integral_v<T> && sizeof(T) < 4) {
    return static_cast<int>(thresh) <= std::abs(static_cast<int>(s));
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    const T magnitude = s < 0 ? static_cast<T>(U(0) - static_cast<U>(s)) : s;
    return thresh <= magnitude;
  } else {
    return thresh <= std::abs(s);
  }
}

template <typename T, typename R>
Status Merge(KernelContext& ctx, int64_t dims) {
  const ConstTensor& a_ix_t = ctx.input(0);
  const ConstTensor& b_ix_t = ctx.input(3);
  const int64_t a_nnz = a_ix_t.dim(0), b_nnz = b_ix_t.dim(0);
  const int64_t* a_ix = a_ix_t.data<int64_t>();
  const int64_t* b_ix = b_ix_t.data<int64_t>();
  const T* a = ctx.input(1).data<T>();
  const T* b = ctx.input(4).data<T>();
  const R thresh = ctx.input(6).data<R>()[0];
  std::vector<std::pair<bool, int64_t>> from;  // (from a?, entry)
  std::vector<T> values;
  from.reserve(static_cast<size_t>(a_nnz + b_nnz));
  values.reserve(static_cast<size_t>(a_nnz + b_nnz));
  int64_t i = 0, j = 0;
  while (i < a_nnz && j < b_nnz) {
    int cmp = 0;
    for (int64_t d = 0; d < dims && cmp == 0; ++d) {
      const int64_t x = a_ix[i * dims + d], y = b_ix[j * dims + d];
      cmp = x < y ? -1 : x > y ? 1 : 0;
    }
    if (cmp < 0) {
      from.emplace_back(true, i);
      values.push_back(a[i++]);
    } else if (cmp > 0) {
      from.emplace_back(false, j);
      values.push_back(b[j++]);
    } else {
      const T s = Add(a[i], b[j]);
      if (Keep(thresh, s)) {
        from.emplace_back(true, i);
        values.push_back(s);
      }
      ++i;
      ++j;
    }
  }
  for (; i < a_nnz; ++i) {
    from.emplace_back(true, i);
    values.push_back(a[i]);
  }
  for (; j < b_nnz; ++j) {
    from.emplace_back(false, j);
    values.push_back(b[j]);
  }
  const auto n = static_cast<int64_t>(values.size());
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({n, dims})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({n})));
  int64_t* out_ix = ctx.output(0).data<int64_t>();
  T* out = ctx.output(1).data<T>();
  for (int64_t k = 0; k < n; ++k) {
    const int64_t* src = (from[static_cast<size_t>(k)].first ? a_ix : b_ix) + from[static_cast<size_t>(k)].second * dims;
    std::copy(src, src + dims, out_ix + k * dims);
    out[k] = values[static_cast<size_t>(k)];
  }
  return Status::Ok();
}

Status SparseAddKernel(KernelContext& ctx) {
  const ConstTensor& a_ix = ctx.input(0);
  const ConstTensor& a_values = ctx.input(1);
  const ConstTensor& a_shape = ctx.input(2);
  const ConstTensor& b_ix = ctx.input(3);
  const ConstTensor& b_values = ctx.input(4);
  const ConstTensor& b_shape = ctx.input(5);
  const ConstTensor& thresh = ctx.input(6);
  OPBRIDGE_REQUIRE(a_ix.rank() == 2 && b_ix.rank() == 2, "Input indices should be matrices but received shapes: ",
                   ShapeText(a_ix.shape()), " and ", ShapeText(b_ix.shape()));
  const int64_t dims = a_ix.dim(1);
  OPBRIDGE_REQUIRE(b_ix.dim(1) == dims, "Input indices must have the same dimension, got ", dims, " and ",
                   b_ix.dim(1));
  OPBRIDGE_REQUIRE(a_values.rank() == 1 && b_values.rank() == 1, "Input values should be vectors but received shapes: ",
                   ShapeText(a_values.shape()), " and ", ShapeText(b_values.shape()));
  OPBRIDGE_REQUIRE(a_values.dim(0) == a_ix.dim(0) && b_values.dim(0) == b_ix.dim(0), "Expected ", a_ix.dim(0), " and ",
                   b_ix.dim(0), " non-empty input values, got ", a_values.dim(0), " and ", b_values.dim(0));
  OPBRIDGE_REQUIRE(a_shape.rank() == 1 && b_shape.rank() == 1, "Input shapes should be a vector but received shapes ",
                   ShapeText(a_shape.shape()), " and ", ShapeText(b_shape.shape()));
  OPBRIDGE_REQUIRE(a_shape.num_elements() == dims, "Second dimension of a_indices and length of a_shape must match, got ",
                   dims, " and ", a_shape.num_elements());
  OPBRIDGE_REQUIRE(dims > 0, "Tesors must not be empty");
  OPBRIDGE_REQUIRE(a_shape.num_elements() == b_shape.num_elements(),
                   "Operands do not have the same ranks; got shapes: ", Summarize(a_shape), " and ", Summarize(b_shape));
  for (int64_t d = 0; d < dims; ++d) {
    const int64_t x = a_shape.data<int64_t>()[d], y = b_shape.data<int64_t>()[d];
    OPBRIDGE_REQUIRE(x == y, "Operands' shapes do not match: got ", x, " and ", y, " for dimension ", d);
  }
  OPBRIDGE_REQUIRE(thresh.rank() == 0, "The magnitude threshold must be a scalar: got shape ",
                   ShapeText(thresh.shape()));
  std::copy(a_shape.data<int64_t>(), a_shape.data<int64_t>() + dims, ctx.output(2).data<int64_t>());
  switch (a_values.dtype()) {
    case DType::kComplex64: return Merge<std::complex<float>, float>(ctx, dims);
    case DType::kComplex128: return Merge<std::complex<double>, double>(ctx, dims);
    default:
      return math::DispatchElement<float, double, int8_t, int16_t, int32_t, int64_t>(a_values.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        return Merge<T, T>(ctx, dims);
      });
  }
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseAdd")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The sum of two SparseTensors of one shape; sums below thresh in magnitude dropped "
                              "(tf.sparse.add).")
                         .Input("a_indices: int64")
                         .Input("a_values: T")
                         .Input("a_shape: int64")
                         .Input("b_indices: int64")
                         .Input("b_values: T")
                         .Input("b_shape: int64")
                         .Input("thresh: Treal")
                         .Output("sum_indices: int64")
                         .Output("sum_values: T")
                         .Output("sum_shape: int64")
                         .Attr("T: {float, double, int8, int16, int32, int64, complex64, complex128}")
                         .Attr("Treal: {float, double, int8, int16, int32, int64}")
                         .ShapeRule(SparseAddShape)
                         .Kernel(SparseAddKernel));

}  // namespace opbridge
