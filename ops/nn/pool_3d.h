// Shared by MaxPool3D and AvgPool3D: TF's attrs and checks (Pooling3DOp's
// constructor and Compute), the window arithmetic, and the loop both pools
// run, with the reduction each one does.
//
// Padding taps are never read; a window's taps are visited depth, row,
// column (row-major), one channel at a time. The reductions (each op's file)
// keep TF's CPU semantics: Eigen's CuboidMaxPooling for the max, oneDNN's
// average on TF's x86 build.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "conv_geometry.h"
#include "opbridge/op.h"

namespace opbridge::nn {

struct Pool3DParams {
  std::vector<int64_t> ksize, strides;
  Padding padding = Padding::kValid;
  DataFormat data_format = DataFormat::kChannelsLast;

  static void Declare(ParamBinder& b, Pool3DParams& p) {
    b.Attr("ksize: list(int)", &p.ksize);
    b.Attr("strides: list(int)", &p.strides);
    b.Enum("padding: {'SAME', 'VALID'}", &p.padding, {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
    b.Enum("data_format: {'NDHWC', 'NCDHW'} = 'NDHWC'", &p.data_format,
           {{"NDHWC", DataFormat::kChannelsLast}, {"NCDHW", DataFormat::kChannelsFirst}});
  }

  // TF's op definition (ksize, strides: list(int) >= 5) and Pooling3DOp's constructor, with its texts.
  Status Validate() const {
    OPBRIDGE_REQUIRE(ksize.size() >= 5, "Length for attr 'ksize' of ", ksize.size(), " must be at least minimum 5");
    OPBRIDGE_REQUIRE(strides.size() >= 5, "Length for attr 'strides' of ", strides.size(),
                     " must be at least minimum 5");
    OPBRIDGE_REQUIRE(ksize.size() == 5, "Sliding window ksize field must specify 5 dimensions");
    OPBRIDGE_REQUIRE(strides.size() == 5, "Sliding window stride field must specify 5 dimensions");
    OPBRIDGE_REQUIRE(ksize[0] == 1 && strides[0] == 1, "Pooling is not yet supported on the batch dimension.");
    OPBRIDGE_REQUIRE(ksize[4] == 1 && strides[4] == 1, "Pooling is not yet supported on the depth dimension.");
    OPBRIDGE_REQUIRE(data_format == DataFormat::kChannelsLast,
                     "Default Pooling3DOp only supports NDHWC on device type CPU");
    for (int i = 1; i <= 3; ++i) {
      OPBRIDGE_REQUIRE(ksize[static_cast<size_t>(i)] > 0,
                       "Sliding window ksize must be positive. The specified or inferred ksize is: ", ksize[0], ",",
                       ksize[1], ",", ksize[2], ",", ksize[3], ",", ksize[4]);
      OPBRIDGE_REQUIRE(strides[static_cast<size_t>(i)] > 0, "Stride must be > 0, but got ",
                       strides[static_cast<size_t>(i)]);
    }
    return Status::Ok();
  }
};

// Output size and leading pad of each spatial dim (planes, rows, cols).
struct Pool3DGeometry {
  WindowDim dim[3];
};

// TF's Get3dOutputSize for an input of 5 dims; unknown dims stay unknown.
// TF's own kernel divides by zero (SIGFPE) when a VALID window is larger than
// the input; here that is the error TF's shape code would give.
inline Status Pool3DOutputShape(const Pool3DParams& p, const Shape& in, Shape* out, Pool3DGeometry* g) {
  OPBRIDGE_REQUIRE(in.rank() == 5, "tensor_in must be 5-dimensional, got shape ", in.ToString());
  *out = in;
  for (int i = 0; i < 3; ++i) {
    const int64_t size = in.dim(1 + i);
    if (size == kUnknownDim) continue;
    OPBRIDGE_RETURN_IF_ERROR(WindowedOutputSize(size, p.ksize[static_cast<size_t>(1 + i)], 1,
                                                p.strides[static_cast<size_t>(1 + i)], p.padding, &g->dim[i]));
    out->set_dim(1 + i, g->dim[i].out);
  }
  return Status::Ok();
}

inline Status Pool3DShape(ShapeContext& ctx, const Pool3DParams& p) {
  const Shape& in = ctx.input(0);
  if (!in.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    return Status::Ok();
  }
  Shape out;
  Pool3DGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(Pool3DOutputShape(p, in, &out, &g));
  ctx.set_output(0, out);
  return Status::Ok();
}

// Runs the pooling: for each output position, reduce.Start(acc), then
// reduce.Add(acc, tap) for each tap in depth, row, column order, then
// reduce.Finish(acc) -> T; all per channel, acc of type Acc.
template <typename T, typename Reduce>
Status RunPool3D(KernelContext& ctx, const Pool3DParams& p, Reduce reduce) {
  const ConstTensor& input = ctx.input(0);
  Shape out_shape;
  Pool3DGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(Pool3DOutputShape(p, input.shape(), &out_shape, &g));
  const int64_t channels = input.dim(4);
  const int64_t in_size[3] = {input.dim(1), input.dim(2), input.dim(3)};
  const int64_t positions = out_shape.num_elements() / std::max<int64_t>(channels, 1);
  if (out_shape.num_elements() == 0) return Status::Ok();
  const T* in = input.data<T>();
  T* out = ctx.output(0).data<T>();
  const int64_t window = p.ksize[1] * p.ksize[2] * p.ksize[3];
  ctx.ParallelFor(positions, ItemCost(2.0 * static_cast<double>(window * channels), 1), [&](int64_t begin,
                                                                                            int64_t end) {
    using Acc = typename Reduce::Acc;
    std::vector<Acc> acc(static_cast<size_t>(channels));
    for (int64_t pos = begin; pos < end; ++pos) {
      int64_t rest = pos;
      int64_t o[3];
      for (int i = 2; i >= 0; --i) {
        o[i] = rest % g.dim[i].out;
        rest /= g.dim[i].out;
      }
      const int64_t n = rest;
      int64_t lo[3], hi[3];
      for (int i = 0; i < 3; ++i) {
        const int64_t start = o[i] * p.strides[static_cast<size_t>(1 + i)] - g.dim[i].pad_before;
        lo[i] = std::max<int64_t>(start, 0);
        hi[i] = std::min<int64_t>(start + p.ksize[static_cast<size_t>(1 + i)], in_size[i]);
      }
      for (auto& a : acc) reduce.Start(a);
      for (int64_t d = lo[0]; d < hi[0]; ++d) {
        for (int64_t h = lo[1]; h < hi[1]; ++h) {
          for (int64_t w = lo[2]; w < hi[2]; ++w) {
            const T* tap = in + (((n * in_size[0] + d) * in_size[1] + h) * in_size[2] + w) * channels;
            for (int64_t c = 0; c < channels; ++c) reduce.Add(acc[static_cast<size_t>(c)], tap[c]);
          }
        }
      }
      T* dst = out + pos * channels;
      for (int64_t c = 0; c < channels; ++c) dst[c] = reduce.Finish(acc[static_cast<size_t>(c)]);
    }
  });
  return Status::Ok();
}

// Calls fn(TypeTag<T>{}) for the dtypes TF's CPU kernels of both pools take.
template <typename Fn>
Status DispatchPool3DTypes(DType dtype, const char* op, Fn&& fn) {
  switch (dtype) {
    case DType::kFloat32: return fn(TypeTag<float>{});
    case DType::kBFloat16: return fn(TypeTag<Eigen::bfloat16>{});
    default:
      return Errorf(op, ": TF has no CPU kernel for T=", DTypeName(dtype), " (only float and bfloat16)");
  }
}

// Eigen's padding value, -NumTraits<T>::highest().
template <typename T>
T PoolPadValue() {
  return static_cast<T>(-Eigen::NumTraits<T>::highest());
}

}  // namespace opbridge::nn
