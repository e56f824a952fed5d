// Shared by DepthToSpace and SpaceToDepth (tf.nn.depth_to_space,
// tf.nn.space_to_depth) in the dtypes the converter leaves custom (float64,
// half, bfloat16, int16, the unsigned types, strings): TF's attrs and
// checks, and the copy of blocks of channels between the two layouts. TF's
// CPU kernels take NHWC only (NCHW and NCHW_VECT_C have GPU kernels).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace array {

struct SpaceDepthParams {
  int64_t block_size = 0;
  std::string data_format;

  static void Declare(ParamBinder& b, SpaceDepthParams& p) {
    b.Attr("block_size: int >= 2", &p.block_size);
    b.Attr("data_format: {'NHWC', 'NCHW', 'NCHW_VECT_C'} = 'NHWC'", &p.data_format);
  }
};

inline Status CheckSpaceDepthFormat(const char* op, const SpaceDepthParams& p) {
  OPBRIDGE_REQUIRE(p.data_format == "NHWC", op, " with data_format ", p.data_format,
                   ": TF has no CPU kernel for it (NHWC only)");
  return Status::Ok();
}

// Copies between the space layout [b, h * s, w * s, c] and the depth layout
// [b, h, w, s * s * c]: depth channel (i * s + j) * c + k of pixel (y, x) is
// channel k of space pixel (y * s + i, x * s + j). to_depth: space -> depth
// (SpaceToDepth), else depth -> space (DepthToSpace). Runs of c elements.
inline Status CopySpaceDepth(KernelContext& ctx, const ConstTensor& in_t, const Tensor& out_t, int64_t batch, int64_t h,
                             int64_t w, int64_t s, int64_t c, bool to_depth) {
  // Nothing to move; an empty tensor's data may be null, which memcpy must not
  // be given even for 0 bytes (UBSan, a fuzzed depth of 0).
  if (out_t.num_elements() == 0) return Status::Ok();
  return ForElements(in_t.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* in = in_t.data<In>();
    Out* out = out_t.data<Out>();
    // One unit: a depth-layout row of pixels (b, y), all s * s blocks of each.
    ParallelForElements<Out>(ctx, batch * h, w * s * s * c + 1, [&](int64_t lo, int64_t hi) {
      for (int64_t row = lo; row < hi; ++row) {
        const int64_t b = row / h, y = row % h;
        for (int64_t i = 0; i < s; ++i) {
          for (int64_t x = 0; x < w; ++x) {
            for (int64_t j = 0; j < s; ++j) {
              const int64_t depth = (((b * h + y) * w + x) * s * s + i * s + j) * c;
              const int64_t space = (((b * h + y) * s + i) * w * s + x * s + j) * c;
              const int64_t from = to_depth ? space : depth, to = to_depth ? depth : space;
              if constexpr (std::is_trivially_copyable_v<Out> && std::is_same_v<In, Out>) {
                // A run of c elements: memcpy moves it in vector registers
                // (the element loop took 1.3-1.4x TF's time at c = 64).
                std::memcpy(out + to, in + from, static_cast<size_t>(c) * sizeof(Out));
              } else {
                for (int64_t k = 0; k < c; ++k) out[to + k] = in[from + k];
              }
            }
          }
        }
      }
    });
    return Status::Ok();
  });
}

// The checks and output dims of one of the two ops (its Plan).
using SpaceDepthPlan = Status (*)(const Shape& in, const SpaceDepthParams& p, std::vector<int64_t>* dims);

inline Status SpaceDepthShape(ShapeContext& ctx, const SpaceDepthParams& p, const char* op, SpaceDepthPlan plan) {
  if (!ctx.input(0).rank_known()) {
    OPBRIDGE_RETURN_IF_ERROR(CheckSpaceDepthFormat(op, p));
    ctx.set_output(0, Shape({kUnknownDim, kUnknownDim, kUnknownDim, kUnknownDim}));
    return Status::Ok();
  }
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(plan(ctx.input(0), p, &dims));
  ctx.set_output(0, Shape(dims));
  return Status::Ok();
}

// to_depth: SpaceToDepth (the output is the depth layout), else DepthToSpace.
inline Status SpaceDepthKernel(KernelContext& ctx, const SpaceDepthParams& p, SpaceDepthPlan plan, bool to_depth) {
  const ConstTensor& x = ctx.input(0);
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(plan(x.shape(), p, &dims));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == dims, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(dims).ToString());
  const std::vector<int64_t> depth = to_depth ? dims : x.shape().dims();
  const int64_t channels = to_depth ? x.dim(3) : dims[3];
  return CopySpaceDepth(ctx, x, y, depth[0], depth[1], depth[2], p.block_size, channels, to_depth);
}

}  // namespace array
}  // namespace opbridge
