// What Transpose and ConjugateTranspose share: TF's perm checks and texts,
// the shape rule, and the permuting walk (dims of size 1 dropped, adjacent
// runs merged, tiles where the contiguous dim moves). The walk copies each
// element through a map: the identity for Transpose, std::conj for
// ConjugateTranspose's complex types.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace array {

// Reads perm and checks it against the input rank, as TF's TransposeOp: a
// negative entry counts from the end (measured: [-1, 0] on a matrix is
// [1, 0]); both texts name the entries after that adjustment (measured:
// [-1, 1] is "0 is missing from {1,1}.").
inline Status ReadPerm(const ConstTensor& perm, int rank, std::vector<int64_t>* out) {
  OPBRIDGE_REQUIRE(perm.rank() == 1, "perm must be rank 1, got shape ", TfShapeText(perm.shape()));
  OPBRIDGE_REQUIRE(perm.dim(0) == rank, "transpose expects a vector of size ", rank,
                   ". But input(1) is a vector of size ", perm.dim(0));
  out->resize(static_cast<size_t>(rank));
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int i = 0; i < rank; ++i) {
    int64_t d = perm.dtype() == DType::kInt64 ? perm.data<int64_t>()[i] : perm.data<int32_t>()[i];
    if (d < 0) d += rank;
    OPBRIDGE_REQUIRE(d >= 0 && d < rank, d, " is out of range [0 .. ", rank, ")");
    seen[static_cast<size_t>(d)] = true;
    (*out)[static_cast<size_t>(i)] = d;
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

inline Status TransposeShape(ShapeContext& ctx) {
  const Shape& perm_shape = ctx.input(1);
  OPBRIDGE_REQUIRE(!perm_shape.rank_known() || perm_shape.rank() == 1, "perm must be rank 1, got shape ",
                   TfShapeText(perm_shape));
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

// The kernels' start: reads perm, allocates y if the shape rule could not
// size it (perm computed) and checks it otherwise.
inline Status ReadPermAndOutput(KernelContext& ctx, std::vector<int64_t>* perm) {
  const ConstTensor& x = ctx.input(0);
  OPBRIDGE_RETURN_IF_ERROR(ReadPerm(ctx.input(1), x.rank(), perm));
  std::vector<int64_t> dims;
  for (const int64_t d : *perm) dims.push_back(x.dim(static_cast<int>(d)));
  const Shape out_shape(dims);
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, out_shape));
  OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == out_shape.dims(), "output has shape ",
                   ctx.output(0).shape().ToString(), ", expected ", out_shape.ToString());
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

inline Folded Fold(const Shape& shape, const std::vector<int64_t>& perm) {
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

// Copies of the elements, as they are (Transpose: array::Elements), or each
// through `map` (ConjugateTranspose: std::conj of complex numbers).
struct Identity {
  template <typename T>
  const T& operator()(const T& v) const {
    return v;
  }
};

// out[0, n) = map(in[0, n)): a plain copy (memmove for the byte elements)
// when the map is the identity.
template <typename In, typename Out, typename Map>
void CopyMapped(const In* in, int64_t n, Out* out, const Map& map) {
  if constexpr (std::is_same_v<Map, Identity>) {
    std::copy(in, in + n, out);
  } else {
    std::transform(in, in + n, out, map);
  }
}

template <typename In, typename Out, typename Map = Identity>
void Permute(const KernelContext& ctx, const In* in, Out* out, const Shape& shape, const std::vector<int64_t>& perm,
             int64_t count, const Map& map = Map()) {
  const Folded f = Fold(shape, perm);
  const size_t rank = f.dims.size();
  if (rank <= 1) {  // nothing moves: every dim but one has size 1
    array::ParallelForElements<Out>(ctx, count, 1,
                                    [&](int64_t begin, int64_t end) { CopyMapped(in + begin, end - begin, out + begin, map); });
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
        CopyMapped(in + i, row, out + o, map);
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
          for (int64_t v = v0; v < v1; ++v) dst[v] = map(src[v * column_stride]);
        }
      }
    }
  });
}

}  // namespace array
}  // namespace opbridge
