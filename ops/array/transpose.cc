// Transpose: TF's y = x permuted by `perm` (tf.transpose) for the dtypes the
// builtin TRANSPOSE lacks: the converter emits CUSTOM "Transpose" {T, Tperm}
// for float64, complex64, complex128, string, half, bfloat16, int16, uint16,
// uint32 and uint64 (measured; it also transposes b that way before a custom
// MatMul). T is any type, as TF's. Data moves as raw elements, so the result
// is exact. perm is int32 or int64, constant or computed; TF's checks and texts.
#include <string>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

// Reads perm and checks it against the input rank.
Status ReadPerm(const ConstTensor& perm, int rank, std::vector<int64_t>* out) {
  OPBRIDGE_REQUIRE(perm.rank() == 1, "perm must be rank 1, got shape ", perm.shape().ToString());
  OPBRIDGE_REQUIRE(perm.dim(0) == rank, "transpose expects a vector of size ", rank,
                   ". But input(1) is a vector of size ", perm.dim(0));
  out->resize(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    (*out)[static_cast<size_t>(i)] =
        perm.dtype() == DType::kInt64 ? perm.data<int64_t>()[i] : perm.data<int32_t>()[i];
  }
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (const int64_t d : *out) {
    OPBRIDGE_REQUIRE(d >= 0 && d < rank, d, " is out of range [0 .. ", rank, ")");
    seen[static_cast<size_t>(d)] = true;
  }
  for (int i = 0; i < rank; ++i) {
    if (!seen[static_cast<size_t>(i)]) {
      std::string list;
      for (const int64_t d : *out) list += (list.empty() ? "" : ",") + std::to_string(d);
      return Errorf(i, " is missing from {", list, "}.");
    }
  }
  return Status::Ok();
}

Status TransposeShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 1));
  const Shape& x = ctx.input(0);
  const ConstTensor* perm = ctx.input_value(1);
  if (perm != nullptr && x.rank_known()) {
    std::vector<int64_t> p;
    OPBRIDGE_RETURN_IF_ERROR(ReadPerm(*perm, x.rank(), &p));
    std::vector<int64_t> dims;
    for (const int64_t d : p) dims.push_back(x.dim(static_cast<int>(d)));
    ctx.set_output(0, Shape(std::move(dims)));
    return Status::Ok();
  }
  ctx.set_output(0, x.rank_known() ? x : Shape::UnknownRank());
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

template <typename In, typename Out>  // array::Elements: elements are copied, never computed
void Permute(const KernelContext& ctx, const In* in, Out* out, const Shape& shape, const std::vector<int64_t>& perm,
             int64_t count) {
  const int rank = shape.rank();
  std::vector<int64_t> in_strides(static_cast<size_t>(rank), 1);
  for (int i = rank - 2; i >= 0; --i) in_strides[static_cast<size_t>(i)] = in_strides[i + 1] * shape.dim(i + 1);
  std::vector<int64_t> out_dims(static_cast<size_t>(rank)), strides(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    out_dims[static_cast<size_t>(i)] = shape.dim(static_cast<int>(perm[static_cast<size_t>(i)]));
    strides[static_cast<size_t>(i)] = in_strides[static_cast<size_t>(perm[static_cast<size_t>(i)])];
  }
  ctx.ParallelFor(count, 2, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> coord(static_cast<size_t>(rank));
    int64_t rest = begin, offset = 0;
    for (int d = rank - 1; d >= 0; --d) {
      coord[static_cast<size_t>(d)] = rest % out_dims[static_cast<size_t>(d)];
      rest /= out_dims[static_cast<size_t>(d)];
      offset += coord[static_cast<size_t>(d)] * strides[static_cast<size_t>(d)];
    }
    for (int64_t o = begin; o < end; ++o) {
      out[o] = in[offset];
      for (int d = rank - 1; d >= 0; --d) {
        offset += strides[static_cast<size_t>(d)];
        if (++coord[static_cast<size_t>(d)] < out_dims[static_cast<size_t>(d)]) break;
        offset -= coord[static_cast<size_t>(d)] * strides[static_cast<size_t>(d)];
        coord[static_cast<size_t>(d)] = 0;
      }
    }
  });
}

Status TransposeKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  std::vector<int64_t> perm;
  OPBRIDGE_RETURN_IF_ERROR(ReadPerm(ctx.input(1), x.rank(), &perm));
  std::vector<int64_t> dims;
  for (const int64_t d : perm) dims.push_back(x.dim(static_cast<int>(d)));
  const Shape out_shape(dims);
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, out_shape));
  OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == out_shape.dims(), "output has shape ",
                   ctx.output(0).shape().ToString(), ", expected ", out_shape.ToString());
  const int64_t count = x.num_elements();
  if (count == 0) return Status::Ok();
  // A scalar is one element at offset 0: Permute's rank-0 walk copies it.
  return array::ForElements(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    Permute(ctx, x.data<In>(), ctx.output(0).data<Out>(), x.shape(), perm, count);
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Transpose")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x with its dims permuted by perm (tf.transpose).")
                         .Input("x: T")
                         .Input("perm: Tperm")
                         .Output("y: T")
                         .Attr("T: type")
                         .Attr("Tperm: {int32, int64} = DT_INT32")
                         .ShapeRule(TransposeShape)
                         .Kernel(TransposeKernel));

}  // namespace
}  // namespace opbridge
