// DynamicStitch and ParallelDynamicStitch: TF's tf.dynamic_stitch(indices,
// data). TFLite has no kernel: the converter leaves CUSTOM "DynamicStitch" /
// "ParallelDynamicStitch" {N, T} for every dtype (measured with TF 2.21).
//
// TF's signature has two lists (indices: N * int32, data: N * T); opbridge
// takes at most one input list, so the N indices and the N data tensors are
// declared as one list(type) list, in the node's order, and N and T (the
// converter writes both) are checked against it.
//
// Semantics of TF's CPU kernel (both ops share it; the parallel one only
// spreads the inputs over threads):
// - merged has max(indices) + 1 rows of data[0].shape[indices[0].rank:];
// - each data[i] must start with indices[i].shape and have the same row
//   shape as data[0] (TF's texts);
// - data slice j of input i goes to row indices[i][j], inputs in order, so a
//   repeated index keeps the last (ParallelDynamicStitch: TF leaves which one
//   unspecified; here the last too);
// - a negative index is "indices[j] is out of range" (j: its position in its
//   own input), also when no index is >= 0 (TF 2.21; older TF skipped the
//   checks when merged had no rows);
// - rows no index names: TF leaves them uninitialized; here zeros (empty
//   strings).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "index_vector.h"
#include "stream_rows.h"

namespace opbridge {
namespace stitch {

struct StitchParams {
  int64_t n = 1;
  DType t = DType::kFloat32;

  static void Declare(ParamBinder& b, StitchParams& p) {
    b.Attr("N: int >= 1", &p.n);
    b.Attr("T: type", &p.t);
  }
};

// "[2,3]", as TF's TensorShape::DebugString.
inline std::string ShapeText(const Shape& s) {
  std::string out = "[";
  for (int d = 0; d < s.rank(); ++d) out += (d ? "," : "") + std::to_string(s.dim(d));
  return out + "]";
}

inline Status CheckLayout(int num_inputs, const std::vector<DType>& dtypes, const StitchParams& p) {
  OPBRIDGE_REQUIRE(num_inputs == 2 * p.n, "expects 2 * N = ", 2 * p.n, " inputs (N indices, then N data), the node has ",
                   num_inputs);
  for (int i = 0; i < num_inputs; ++i) {
    const DType want = i < p.n ? DType::kInt32 : p.t;
    OPBRIDGE_REQUIRE(dtypes[static_cast<size_t>(i)] == want, i < p.n ? "indices[" : "data[", i < p.n ? i : i - p.n,
                     "] must be ", DTypeName(want), ", got ", DTypeName(dtypes[static_cast<size_t>(i)]));
  }
  return Status::Ok();
}

inline Status StitchShape(ShapeContext& ctx, const StitchParams& p) {
  std::vector<DType> dtypes;
  for (int i = 0; i < ctx.num_inputs(); ++i) dtypes.push_back(ctx.input_dtype(i));
  OPBRIDGE_RETURN_IF_ERROR(CheckLayout(ctx.num_inputs(), dtypes, p));
  const Shape& indices0 = ctx.input(0);
  const Shape& data0 = ctx.input(static_cast<int>(p.n));
  Shape out = Shape::UnknownRank();
  if (indices0.rank_known() && data0.rank_known() && data0.rank() >= indices0.rank()) {
    std::vector<int64_t> dims{kUnknownDim};
    for (int d = indices0.rank(); d < data0.rank(); ++d) dims.push_back(data0.dim(d));
    out = Shape(dims);
  }
  ctx.set_output(0, out);
  ctx.set_output_dynamic(0);  // max(indices) + 1 rows
  return Status::Ok();
}

inline bool StartsWith(const Shape& data, const Shape& indices) {
  if (data.rank() < indices.rank()) return false;
  for (int d = 0; d < indices.rank(); ++d) {
    if (data.dim(d) != indices.dim(d)) return false;
  }
  return true;
}

inline bool SameRowShape(const Shape& data0, const Shape& indices0, const Shape& data, const Shape& indices) {
  if (data0.rank() - indices0.rank() != data.rank() - indices.rank()) return false;
  for (int d = 0; d < data0.rank() - indices0.rank(); ++d) {
    if (data0.dim(indices0.rank() + d) != data.dim(indices.rank() + d)) return false;
  }
  return true;
}

// One input's part of the copies: its indices and its slices.
template <typename In>
struct StitchPart {
  const int32_t* indices;
  int64_t count;
  const In* data;
};

// Output rows [lo, hi): for each row the slice that lands there, found by
// scanning every index in TF's order so that a later slice replaces an
// earlier one (the last wins), then the rows copied in order. Each thread
// owns a range of rows, so the copies need no order between threads and
// write the output sequentially (streamed where it is large: stream_rows.h).
// Rows no index names are zeroed; string views stay null (the adapter writes
// empty strings for them).
template <typename In, typename Out>
void StitchRows(const std::vector<StitchPart<In>>& parts, int64_t slice, bool stream, const In** source, Out* out,
                int64_t lo, int64_t hi) {
  std::fill(source + lo, source + hi, nullptr);
  const auto span = static_cast<uint64_t>(hi - lo);
  const In* dummy = nullptr;
  for (const StitchPart<In>& part : parts) {
    const int32_t* indices = part.indices;
    const In* data = part.data;
    for (int64_t j = 0; j < part.count; ++j) {
      // A select, not a branch: with several threads, whether an index is
      // this thread's is random.
      const auto off = static_cast<uint64_t>(indices[j] - lo);
      const In** slot = off < span ? source + lo + off : &dummy;
      *slot = data + j * slice;
    }
  }
  if constexpr (std::is_same_v<Out, std::string_view>) {
    for (int64_t row = lo; row < hi; ++row) {
      if (source[row]) std::copy(source[row], source[row] + slice, out + row * slice);
    }
  } else {
    const auto bytes = static_cast<size_t>(slice) * sizeof(Out);
    char* dst = reinterpret_cast<char*>(out) + lo * static_cast<int64_t>(bytes);
    for (int64_t row = lo; row < hi; ++row, dst += bytes) {
      const In* src = source[row];
      if (stream) {
        if (src) {
          array::StreamCopy(dst, src, static_cast<int64_t>(bytes));
        } else {
          array::StreamZero(dst, static_cast<int64_t>(bytes));
        }
      } else if (src) {
        std::memcpy(dst, src, bytes);
      } else {
        std::memset(dst, 0, bytes);
      }
    }
    if (stream) array::StreamFence();
  }
}

inline Status StitchKernel(KernelContext& ctx, const StitchParams& p) {
  std::vector<DType> dtypes;
  for (int i = 0; i < ctx.num_inputs(); ++i) dtypes.push_back(ctx.input(i).dtype());
  OPBRIDGE_RETURN_IF_ERROR(CheckLayout(ctx.num_inputs(), dtypes, p));
  const int n = static_cast<int>(p.n);
  // TF: the largest index first, then the shapes, then the copies (which
  // stop at the first negative index: remembered here, reported after the
  // shapes).
  int64_t max_index = -1;
  int bad_input = -1;
  int64_t bad_position = -1;
  for (int i = 0; i < n; ++i) {
    const ConstTensor& t = ctx.input(i);
    const int32_t* indices = t.data<int32_t>();
    int32_t max = -1, min = 0;
    for (int64_t j = 0; j < t.num_elements(); ++j) {
      max = std::max(max, indices[j]);
      min = std::min(min, indices[j]);
    }
    max_index = std::max<int64_t>(max_index, max);
    if (min < 0 && bad_input < 0) {
      bad_input = i;
      bad_position = std::find_if(indices, indices + t.num_elements(), [](int32_t v) { return v < 0; }) - indices;
    }
  }
  const Shape& indices0 = ctx.input(0).shape();
  const Shape& data0 = ctx.input(n).shape();
  for (int i = 0; i < n; ++i) {
    const Shape& indices = ctx.input(i).shape();
    const Shape& data = ctx.input(n + i).shape();
    OPBRIDGE_REQUIRE(StartsWith(data, indices), "data[", i, "].shape = ", ShapeText(data), " does not start with indices[",
                     i, "].shape = ", ShapeText(indices));
    OPBRIDGE_REQUIRE(i == 0 || SameRowShape(data0, indices0, data, indices), "Need data[0].shape[", indices0.rank(),
                     ":] = data[", i, "].shape[", indices.rank(), ":], got data[0].shape = ", ShapeText(data0),
                     ", data[", i, "].shape = ", ShapeText(data), ", indices[0].shape = ", ShapeText(indices0),
                     ", indices[", i, "].shape = ", ShapeText(indices));
  }
  std::vector<int64_t> dims{max_index + 1};
  int64_t slice = 1;
  for (int d = indices0.rank(); d < data0.rank(); ++d) {
    dims.push_back(data0.dim(d));
    slice *= data0.dim(d);
  }
  OPBRIDGE_RETURN_IF_ERROR(array::CheckOutputSize(dims));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(dims)));
  OPBRIDGE_REQUIRE(bad_input < 0, "indices[", bad_position, "] is out of range");
  const int64_t rows = dims[0];
  if (rows == 0) return Status::Ok();
  return array::ForElements(p.t, [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    Out* out = ctx.output(0).data<Out>();
    std::vector<StitchPart<In>> parts;
    for (int i = 0; i < n; ++i) {
      parts.push_back({ctx.input(i).data<int32_t>(), ctx.input(i).num_elements(), ctx.input(n + i).data<In>()});
    }
    // Not value-initialized: each thread clears its own rows.
    std::unique_ptr<const In*[]> source(new const In*[static_cast<size_t>(rows)]);
    const int64_t row_bytes = slice * static_cast<int64_t>(sizeof(Out));
    const bool stream =
        !std::is_same_v<Out, std::string_view> && array::CanStreamRows(out, row_bytes, rows * row_bytes);
    array::ParallelForElements<Out>(ctx, rows, 2 + row_bytes / 16, [&](int64_t lo, int64_t hi) {
      StitchRows<In, Out>(parts, slice, stream, source.get(), out, lo, hi);
    });
    return Status::Ok();
  });
}

}  // namespace stitch
}  // namespace opbridge
