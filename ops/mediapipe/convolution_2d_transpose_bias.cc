// Convolution2DTransposeBias: MediaPipe's transposed convolution with a bias
// input (mediapipe/util/tflite/operations/transpose_conv_bias.cc), used by its
// segmentation models. Options: a raw TfLiteTransposeConvParams (int32
// padding 0/1/2 = unknown/SAME/VALID, stride_width, stride_height; newer
// writers append the activation, which MediaPipe's kernel does not read).
//
//   input [N, H, W, Cin], weights [Cout, kh, kw, Cin] (OHWI), bias [Cout]
//   -> output [N, s_h*(H-1) + kh - pad_h, s_w*(W-1) + kw - pad_w, Cout]
// with pad = max(0, k - (in-1) % s - 1) for SAME, else 0; input pixel (y, x)
// adds input . weights[:, ky, kx, :] at (y*s_h - pad_h/2 + ky, x*s_w -
// pad_w/2 + kx), taps outside the output dropped, on top of the bias.
//
// Computed as one matrix product of the input pixels with the weights (AVX2
// and FMA where the CPU has them, Eigen otherwise), then each pixel's
// products added at its taps; float throughout, like MediaPipe's (the sums
// run in another order).
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "../math/avx2_dispatch.h"
#include "../nn/gemm_float_avx2.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

constexpr int64_t kMaxStride = 1 << 16;

enum class Padding { kUnknown, kSame, kValid };

// The attrs DecodeParams sets.
struct Params {
  Padding padding = Padding::kUnknown;
  int64_t stride_width = 1, stride_height = 1;

  static void Declare(ParamBinder& b, Params& p) {
    b.Enum("padding: {'UNKNOWN', 'SAME', 'VALID'}", &p.padding,
           {{"UNKNOWN", Padding::kUnknown}, {"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
    b.Attr("stride_width: int >= 1", &p.stride_width);
    b.Attr("stride_height: int >= 1", &p.stride_height);
  }
};

Status DecodeParams(const uint8_t* data, size_t size, AttrMap* attrs) {
  constexpr size_t kSize = 3 * sizeof(int32_t);
  OPBRIDGE_REQUIRE(data != nullptr && size >= kSize, "custom options are ", size,
                   " bytes; a TfLiteTransposeConvParams struct needs at least ", kSize);
  int32_t fields[3];
  std::memcpy(fields, data, sizeof(fields));  // little-endian, as the writers store it
  OPBRIDGE_REQUIRE(fields[0] >= 0 && fields[0] <= 2, "TfLiteTransposeConvParams.padding is ", fields[0],
                   ", not a TfLitePadding (0 unknown, 1 same, 2 valid)");
  OPBRIDGE_REQUIRE(fields[1] <= kMaxStride && fields[2] <= kMaxStride, "stride ", fields[2], "x", fields[1],
                   " is beyond ", kMaxStride);
  const char* paddings[] = {"UNKNOWN", "SAME", "VALID"};
  attrs->Set("padding", std::string(paddings[fields[0]]));
  attrs->Set("stride_width", int64_t{fields[1]});
  attrs->Set("stride_height", int64_t{fields[2]});
  return Status::Ok();
}

struct Geometry {
  int64_t out, pad_before;
};

// MediaPipe's output size and leading padding along one axis.
Geometry Axis(int64_t in, int64_t kernel, int64_t stride, bool same) {
  int64_t pad = 0;
  if (same) pad = std::max<int64_t>(0, kernel - (in - 1) % stride - 1);
  return Geometry{stride * (in - 1) + kernel - pad, pad / 2};
}

Status ConvShape(ShapeContext& ctx, const Params& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(2, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(1, 3, 0, 3));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(2, 0, 1, 0));
  const Shape& in = ctx.input(0);
  const Shape& w = ctx.input(1);
  OPBRIDGE_REQUIRE(in.dim(1) >= 1 && in.dim(2) >= 1, "input 'input' must have non-empty height and width, got ",
                   in.ToString());
  OPBRIDGE_REQUIRE(w.dim(1) >= 1 && w.dim(2) >= 1, "input 'weights' must have a non-empty kernel, got ",
                   w.ToString());
  const bool same = p.padding == Padding::kSame;
  const Geometry gy = Axis(in.dim(1), w.dim(1), p.stride_height, same);
  const Geometry gx = Axis(in.dim(2), w.dim(2), p.stride_width, same);
  OPBRIDGE_REQUIRE(gy.out <= INT32_MAX && gx.out <= INT32_MAX, "output of ", gy.out, "x", gx.out,
                   " is beyond TFLite's int32 dims");
  // A large stride on a small image asks for an output of many gigabytes (a
  // fuzzed stride of 29698 x 209 on 8x8: 4.9e9 elements, 19.5 GB, which the
  // OOM killer ended): refuse more elements than an int32 counts, as TFLite's
  // kernels index them.
  const double elements = std::max<double>(in.dim(0), 1) * static_cast<double>(gy.out) *
                          static_cast<double>(gx.out) * std::max<double>(w.dim(0), 1);
  OPBRIDGE_REQUIRE(elements <= INT32_MAX, "output of ", in.dim(0), "x", gy.out, "x", gx.out, "x", w.dim(0),
                   " has more elements than TFLite's int32 indices count (stride ", p.stride_height, "x",
                   p.stride_width, ")");
  ctx.set_output(0, Shape({in.dim(0), gy.out, gx.out, w.dim(0)}));
  return Status::Ok();
}

// The sizes the scatter of the products needs.
struct ScatterGeometry {
  int64_t in_w, out_h, out_w, cout, kh, kw, sh, sw, pad_h, pad_w;
};

// Output rows [first, last) of one image: each adds, for the input rows
// row0 .. row0 + rows - 1 of the block in order, every pixel's products
// (ys: [rows, in_w, (ky, kx, oc)]) at its taps in that row.
__attribute__((always_inline)) inline void AddRowsOf(const ScatterGeometry& g, const float* ys, int64_t row0,
                                                     int64_t rows, int64_t first, int64_t last, float* out_image) {
  const int64_t columns = g.kh * g.kw * g.cout;
  for (int64_t oy = first; oy < last; ++oy) {
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t ky = oy - ((row0 + r) * g.sh - g.pad_h);
      if (ky < 0 || ky >= g.kh) continue;
      float* out_row = out_image + oy * g.out_w * g.cout;
      for (int64_t ix = 0; ix < g.in_w; ++ix) {
        const float* contributions = ys + (r * g.in_w + ix) * columns + ky * g.kw * g.cout;
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          const int64_t ox = ix * g.sw - g.pad_w + kx;
          if (ox < 0 || ox >= g.out_w) continue;
          float* __restrict dst = out_row + ox * g.cout;
          const float* __restrict src = contributions + kx * g.cout;
          for (int64_t oc = 0; oc < g.cout; ++oc) dst[oc] += src[oc];
        }
      }
    }
  }
}

void AddRows(const ScatterGeometry& g, const float* ys, int64_t row0, int64_t rows, int64_t first, int64_t last,
             float* out_image) {
  AddRowsOf(g, ys, row0, rows, first, last, out_image);
}

#if defined(__x86_64__)
// The same adds on 8-float vectors (nothing to contract: the same bits).
__attribute__((target("avx2"))) void AddRowsAvx2(const ScatterGeometry& g, const float* ys, int64_t row0, int64_t rows,
                                                 int64_t first, int64_t last, float* out_image) {
  AddRowsOf(g, ys, row0, rows, first, last, out_image);
}
#endif

Status ConvKernel(KernelContext& ctx, const Params& params) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& weights = ctx.input(1);
  const Tensor& output = ctx.output(0);
  const int64_t batch = input.dim(0), in_h = input.dim(1), in_w = input.dim(2), cin = input.dim(3);
  const int64_t kh = weights.dim(1), kw = weights.dim(2), cout = weights.dim(0);
  const int64_t out_h = output.dim(1), out_w = output.dim(2);
  const int64_t sh = params.stride_height, sw = params.stride_width;
  const bool same = params.padding == Padding::kSame;
  const int64_t pad_h = Axis(in_h, kh, sh, same).pad_before, pad_w = Axis(in_w, kw, sw, same).pad_before;
  const float* bias = ctx.input(2).data<float>();
  float* out = output.data<float>();
  const int64_t pixels_out = output.num_elements() / std::max<int64_t>(cout, 1);
  for (int64_t p = 0; p < pixels_out; ++p) std::memcpy(out + p * cout, bias, static_cast<size_t>(cout) * sizeof(float));
  if (input.num_elements() == 0 || cout == 0) return Status::Ok();

  // Every input pixel's contributions at once: Y = X * Wt, X [pixels, cin],
  // Wt [cin, (ky, kx, oc)], Y [pixels, (ky, kx, oc)]; then each Y row is
  // added at its taps. Tap-major columns make each tap's cout values
  // contiguous, so the adds vectorize (oc-major ones were kh*kw apart).
  const int64_t taps = kh * kw, columns = cout * taps;
  std::vector<float> wt(static_cast<size_t>(cin * columns));
  const float* w = weights.data<float>();  // OHWI: [oc][tap][c]
  for (int64_t oc = 0; oc < cout; ++oc) {
    for (int64_t t = 0; t < taps; ++t) {
      for (int64_t c = 0; c < cin; ++c) {
        wt[static_cast<size_t>(c * columns + t * cout + oc)] = w[(oc * taps + t) * cin + c];
      }
    }
  }
  // AVX2+FMA where the CPU has it (nn/gemm_float_avx2.h), Eigen's GEMM otherwise.
  const bool avx2 = nn::gemm_avx2::Use();
  std::unique_ptr<nn::gemm_avx2::PackedB> packed;
  if (avx2) packed = std::make_unique<nn::gemm_avx2::PackedB>(wt.data(), columns, cin, columns);
  const Eigen::Map<const RowMajor> wt_matrix(wt.data(), cin, columns);
  // The output rows are split over the threads; each thread computes the
  // products of the input rows that reach its rows, a block at a time, and
  // adds them at once, while they are in its cache. Each output row adds its
  // contributions in input order (taps of neighbouring pixels overlap), so
  // every output element sums in the same order whatever the split. The input
  // rows at a split are multiplied by both threads (2 of 64 here): dearer than
  // that were the earlier all-products-then-all-adds passes, whose 2 MB blocks
  // went through L2 twice with a barrier between (1T 0.86-0.94x TF's time).
  const ScatterGeometry g{in_w, out_h, out_w, cout, kh, kw, sh, sw, pad_h, pad_w};
  // Products of about 256 KB per block (this host's L2 is 2 MB a core; phones'
  // are 256 KB-1 MB). 128 KB to 1 MB measured within noise of each other here.
  const int64_t block_rows =
      std::max<int64_t>(1, std::min(in_h, (int64_t{1} << 16) / std::max<int64_t>(1, in_w * columns)));
  const int64_t cost_per_row = in_w * columns * cin / (8 * sh) + in_w * kw * cout + 100;
  for (int64_t b = 0; b < batch; ++b) {
    const float* image = input.data<float>() + b * in_h * in_w * cin;
    float* out_image = out + b * out_h * out_w * cout;
    ctx.ParallelFor(out_h, cost_per_row, [&](int64_t begin, int64_t end) {
      // Input rows [iy0, iy1) have taps in output rows [begin, end).
      int64_t iy0 = 0;
      while (iy0 < in_h && iy0 * sh - pad_h + kh - 1 < begin) ++iy0;
      int64_t iy1 = iy0;
      while (iy1 < in_h && iy1 * sh - pad_h <= end - 1) ++iy1;
      // Kept per thread between invokes (no page faults for a fresh one each call).
      thread_local std::vector<float> y;
      y.resize(std::max(y.size(), static_cast<size_t>(block_rows * in_w * columns)));
      float* ys = y.data();
      for (int64_t row0 = iy0; row0 < iy1; row0 += block_rows) {
        const int64_t rows = std::min(block_rows, iy1 - row0);
        const float* xs = image + row0 * in_w * cin;
        if (avx2) {
          nn::gemm_avx2::Multiply(xs, cin, rows * in_w, *packed, ys, columns);
        } else {
          Eigen::Map<RowMajor>(ys, rows * in_w, columns).noalias() =
              Eigen::Map<const RowMajor>(xs, rows * in_w, cin) * wt_matrix;
        }
        const int64_t first = std::max(begin, row0 * sh - pad_h);
        const int64_t last = std::min(end, (row0 + rows - 1) * sh - pad_h + kh);
        if (first >= last) continue;
#if defined(__x86_64__)
        if (math::UseAvx2()) {
          AddRowsAvx2(g, ys, row0, rows, first, last, out_image);
          continue;
        }
#endif
        AddRows(g, ys, row0, rows, first, last, out_image);
      }
    });
  }
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("Convolution2DTransposeBias")
                         .Origin(OpOrigin::kTfLiteOnly)
                         .DefinedBy("MediaPipe")
                         .Doc("Transposed convolution plus bias: input [N,H,W,Cin], weights [Cout,kh,kw,Cin], "
                              "bias [Cout]. Options: raw TfLiteTransposeConvParams.")
                         .Input("input: float")
                         .Input("weights: float")
                         .Input("bias: float")
                         .Output("output: float")
                         .Params<Params>()
                         .OptionsDecoder(DecodeParams)
                         .ShapeRule(ConvShape)
                         .Kernel(ConvKernel));

}  // namespace
}  // namespace opbridge
