// Shared by MaxPool3D and AvgPool3D: TF's attrs and checks (Pooling3DOp's
// constructor and Compute), the window arithmetic, and the helpers of the
// loops each op's file runs (max_pool_3d.cc, avg_pool_3d.cc).
//
// Padding taps are never read; per output, per channel, a window's taps are
// reduced in depth, row, column (row-major) order. The reductions keep TF's
// CPU semantics: Eigen's CuboidMaxPooling for the max, oneDNN's average on
// TF's x86 build.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstring>
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

// One spatial dim's windows: output o reads the input's [Lo(o), Hi(o));
// padding taps are never read.
struct PoolAxis {
  int64_t in = 0, out = 0, ksize = 0, stride = 0, pad_before = 0;

  int64_t Start(int64_t o) const { return o * stride - pad_before; }
  int64_t Lo(int64_t o) const { return std::max<int64_t>(Start(o), 0); }
  int64_t Hi(int64_t o) const { return std::min<int64_t>(Start(o) + ksize, in); }
};

// The sizes a pooling kernel loops over: NDHWC, axis[0..2] = planes, rows, cols.
struct Pool3DLayout {
  int64_t batch = 0, channels = 0;
  PoolAxis axis[3];

  int64_t out_elements() const { return batch * axis[0].out * axis[1].out * axis[2].out * channels; }
};

inline Status MakePool3DLayout(const ConstTensor& input, const Pool3DParams& p, Pool3DLayout* l) {
  Shape out_shape;
  Pool3DGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(Pool3DOutputShape(p, input.shape(), &out_shape, &g));
  l->batch = input.dim(0);
  l->channels = input.dim(4);
  for (int i = 0; i < 3; ++i) {
    const size_t k = static_cast<size_t>(1 + i);
    l->axis[i] = {input.dim(1 + i), g.dim[i].out, p.ksize[k], p.strides[k], g.dim[i].pad_before};
  }
  return Status::Ok();
}

// The hot loops are written once, as plain C++ the compiler vectorizes
// (channels innermost), and compiled twice: for baseline x86-64 (the
// library's target) and, called when the CPU has it (math::UseAvx2();
// OPBRIDGE_NO_AVX2=1 forces the baseline), inside a target("avx2") function.
// Every function on the way is always_inline so that it is compiled in its
// caller's target. The bits are the same either way: compares, selects, adds
// and divides are exact IEEE operations at any vector width (the one thing
// that is not, which NaN an add of two NaNs returns, avg_pool_3d.cc settles
// itself).
#define OPBRIDGE_POOL3D_INLINE __attribute__((always_inline)) inline

// A tap as float: bfloat16 is float's upper 16 bits (exact; Eigen's
// conversion, as bits).
OPBRIDGE_POOL3D_INLINE float PoolLoad(float v) { return v; }
OPBRIDGE_POOL3D_INLINE float PoolLoad(Eigen::bfloat16 v) {
  const uint32_t bits = static_cast<uint32_t>(v.value) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
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
