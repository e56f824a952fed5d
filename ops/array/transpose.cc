// Transpose: TF's y = x permuted by `perm` (tf.transpose) for the dtypes the
// builtin TRANSPOSE lacks: the converter emits CUSTOM "Transpose" {T, Tperm}
// for float64, complex64, complex128, string, half, bfloat16, int16, uint16,
// uint32 and uint64 (measured; it also transposes b that way before a custom
// MatMul). T is any type, as TF's. Data moves as raw elements, so the result
// is exact. perm is int32 or int64, constant or computed; TF's checks and texts.
#include <algorithm>
#include <string>
#include <utility>
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

// The permutation with the input's dims of size 1 dropped and each run of
// input dims that stays adjacent and in order in the output merged into one:
// [512, 513] by (1, 0) stays; [8, 64, 64, 3] by (0, 3, 1, 2) becomes
// [8, 4096, 3] by (0, 2, 1). The elements move the same way, in fewer and
// longer loops.
struct Folded {
  std::vector<int64_t> dims;  // input dims
  std::vector<int64_t> perm;  // output dim k is input dim perm[k]
};

Folded Fold(const Shape& shape, const std::vector<int64_t>& perm) {
  std::vector<int64_t> renumbered(perm.size(), -1), dims;
  for (int d = 0; d < shape.rank(); ++d) {
    if (shape.dim(d) == 1) continue;
    renumbered[static_cast<size_t>(d)] = static_cast<int64_t>(dims.size());
    dims.push_back(shape.dim(d));
  }
  // Runs of consecutive input dims, in output order: (first, last).
  std::vector<std::pair<int64_t, int64_t>> runs;
  for (const int64_t d : perm) {
    const int64_t r = renumbered[static_cast<size_t>(d)];
    if (r < 0) continue;
    if (!runs.empty() && runs.back().second + 1 == r) {
      runs.back().second = r;
    } else {
      runs.emplace_back(r, r);
    }
  }
  // The merged input dims are the runs in input order.
  std::vector<size_t> by_input(runs.size());
  for (size_t i = 0; i < by_input.size(); ++i) by_input[i] = i;
  std::sort(by_input.begin(), by_input.end(), [&](size_t a, size_t b) { return runs[a].first < runs[b].first; });
  Folded f;
  f.dims.resize(runs.size());
  f.perm.resize(runs.size());
  for (size_t j = 0; j < by_input.size(); ++j) {
    const auto [first, last] = runs[by_input[j]];
    int64_t size = 1;
    for (int64_t d = first; d <= last; ++d) size *= dims[static_cast<size_t>(d)];
    f.dims[j] = size;
    f.perm[by_input[j]] = static_cast<int64_t>(j);
  }
  return f;
}

// The input and output offsets where outer item `item` starts: the items are
// the output dims the inner loops do not cover, in row-major order.
struct OuterWalk {
  std::vector<int64_t> dims, in_strides, out_strides;  // the outer output dims only

  void Offsets(int64_t item, int64_t* in, int64_t* out) const {
    *in = *out = 0;
    for (size_t k = dims.size(); k-- > 0;) {
      const int64_t c = item % dims[k];
      item /= dims[k];
      *in += c * in_strides[k];
      *out += c * out_strides[k];
    }
  }
};

template <typename In, typename Out>  // array::Elements: elements are copied, never computed
void Permute(const KernelContext& ctx, const In* in, Out* out, const Shape& shape, const std::vector<int64_t>& perm,
             int64_t count) {
  const Folded f = Fold(shape, perm);
  const size_t rank = f.dims.size();
  if (rank <= 1) {  // nothing moves: every dim but one has size 1
    array::ParallelForElements<Out>(ctx, count, 1,
                                    [&](int64_t begin, int64_t end) { std::copy(in + begin, in + end, out + begin); });
    return;
  }
  const std::vector<int64_t> in_strides = array::Strides(f.dims);
  std::vector<int64_t> out_dims(rank), in_step(rank);  // per output dim: size, input stride
  for (size_t k = 0; k < rank; ++k) {
    out_dims[k] = f.dims[static_cast<size_t>(f.perm[k])];
    in_step[k] = in_strides[static_cast<size_t>(f.perm[k])];
  }
  const std::vector<int64_t> out_strides = array::Strides(out_dims);
  const size_t last = rank - 1;
  // The output dims the inner loops cover: the last, and (tiled) the one the
  // input's contiguous dim became.
  const size_t contiguous_at =
      static_cast<size_t>(std::find(f.perm.begin(), f.perm.end(), static_cast<int64_t>(last)) - f.perm.begin());
  OuterWalk outer;
  for (size_t k = 0; k < last; ++k) {
    if (k == contiguous_at) continue;
    outer.dims.push_back(out_dims[k]);
    outer.in_strides.push_back(in_step[k]);
    outer.out_strides.push_back(out_strides[k]);
  }
  const int64_t row = out_dims[last];
  if (contiguous_at == last) {  // rows stay whole: one copy per output row
    array::ParallelForElements<Out>(ctx, count / row, row, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        int64_t i = 0, o = 0;
        outer.Offsets(r, &i, &o);
        std::copy(in + i, in + i + row, out + o);
      }
    });
    return;
  }
  // Tiles of kTile x kTile elements: a tile reads kTile input rows (whole
  // cache lines for 8-byte elements) and writes kTile output rows, so neither
  // side walks memory at a stride of a row per element, as the plain walk
  // did (FFT spectra [512, 513] of complex64: 2 MB read a column at a time).
  constexpr int64_t kTile = sizeof(In) >= 8 ? 8 : 16;
  const int64_t height = out_dims[contiguous_at], height_stride = out_strides[contiguous_at];
  const int64_t column_stride = in_step[last];  // input stride along the output's rows
  const int64_t bands = (height + kTile - 1) / kTile;
  array::ParallelForElements<Out>(ctx, count / (row * height) * bands, kTile * row, [&](int64_t begin, int64_t end) {
    for (int64_t unit = begin; unit < end; ++unit) {
      int64_t i0 = 0, o0 = 0;
      outer.Offsets(unit / bands, &i0, &o0);
      const int64_t u0 = unit % bands * kTile, u1 = std::min(u0 + kTile, height);
      for (int64_t v0 = 0; v0 < row; v0 += kTile) {
        const int64_t v1 = std::min(v0 + kTile, row);
        for (int64_t u = u0; u < u1; ++u) {
          const In* src = in + i0 + u;
          Out* dst = out + o0 + u * height_stride;
          for (int64_t v = v0; v < v1; ++v) dst[v] = src[v * column_stride];
        }
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
