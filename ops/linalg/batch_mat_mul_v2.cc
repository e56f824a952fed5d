// BatchMatMulV2: TF's batched matrix product with batch broadcasting and
// adj_x/adj_y (tf.matmul of rank >= 3 tensors, or 2-D with unknown shapes)
// for the dtypes the converter leaves custom: float64, half and bfloat16 (in
// float, C rounded once: matmul.h), complex64, complex128, int16, int32, int64 (integers wrap around, exact; measured: CUSTOM
// "BatchMatMulV2" {T, adj_x, adj_y, grad_x, grad_y}), and float32 for models
// that keep it custom (the converter makes BATCH_MATMUL of it; TF's op refuses
// int8, and has no CPU kernel for the unsigned types).
// adj_* is the adjoint: transposed and, for complex, conjugated.
#include <algorithm>
#include <type_traits>

#include "../math/element_types.h"
#include "matmul.h"

namespace opbridge {
namespace {

struct BatchMatMulParams {
  bool adj_x = false;
  bool adj_y = false;

  static void Declare(ParamBinder& b, BatchMatMulParams& p) {
    b.Attr("adj_x: bool = false", &p.adj_x);
    b.Attr("adj_y: bool = false", &p.adj_y);
  }
};

// The output shape: broadcast batch dims, then [m, n]; TF's error texts.
Status OutputShape(const Shape& x, const Shape& y, const BatchMatMulParams& p, Shape* out) {
  OPBRIDGE_REQUIRE(x.rank() >= 2, "In[0] ndims must be >= 2: ", x.rank());
  OPBRIDGE_REQUIRE(y.rank() >= 2, "In[1] ndims must be >= 2: ", y.rank());
  const int64_t m = x.dim(p.adj_x ? -1 : -2), k = x.dim(p.adj_x ? -2 : -1);
  const int64_t ky = y.dim(p.adj_y ? -1 : -2), n = y.dim(p.adj_y ? -2 : -1);
  OPBRIDGE_REQUIRE(k < 0 || ky < 0 || k == ky, "Matrix size-incompatible: In[0]: ", x.ToString(), ", In[1]: ",
                   y.ToString());
  const int batch = std::max(x.rank(), y.rank()) - 2;
  std::vector<int64_t> dims(static_cast<size_t>(batch + 2));
  for (int i = 0; i < batch; ++i) {
    const int ix = i - (batch - (x.rank() - 2)), iy = i - (batch - (y.rank() - 2));
    const int64_t dx = ix >= 0 ? x.dim(ix) : 1, dy = iy >= 0 ? y.dim(iy) : 1;
    int64_t d;
    if (dx == 1 || dx == dy) {
      d = dy;
    } else if (dy == 1) {
      d = dx;
    } else if (dx < 0 || dy < 0) {
      d = dx < 0 ? dy : dx;
    } else {
      return Errorf("In[0] and In[1] must have compatible batch dimensions: ", x.ToString(), " vs. ",
                    y.ToString());
    }
    dims[static_cast<size_t>(i)] = d;
  }
  dims[static_cast<size_t>(batch)] = m;
  dims[static_cast<size_t>(batch + 1)] = n;
  *out = Shape(std::move(dims));
  return Status::Ok();
}

Status BatchMatMulShape(ShapeContext& ctx, const BatchMatMulParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(1, 2));
  if (!ctx.input(0).rank_known() || !ctx.input(1).rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    return Status::Ok();
  }
  Shape out;
  OPBRIDGE_RETURN_IF_ERROR(OutputShape(ctx.input(0), ctx.input(1), p, &out));
  ctx.set_output(0, out);
  return Status::Ok();
}

// Offset (in matrices) of batch index `b` of the output in an input of batch dims `in`.
int64_t BatchOffset(int64_t b, const Shape& out, const Shape& in) {
  const int batch = out.rank() - 2, in_batch = in.rank() - 2;
  int64_t offset = 0, stride = 1;
  for (int i = batch - 1; i >= 0; --i) {
    const int64_t index = b % out.dim(i);
    b /= out.dim(i);
    const int ii = i - (batch - in_batch);
    if (ii < 0) continue;
    if (in.dim(ii) != 1) offset += index * stride;
    stride *= in.dim(ii);
  }
  return offset;
}

Status BatchMatMulKernel(KernelContext& ctx, const BatchMatMulParams& p) {
  const ConstTensor& x = ctx.input(0);
  const ConstTensor& y = ctx.input(1);
  Shape out_shape;
  OPBRIDGE_RETURN_IF_ERROR(OutputShape(x.shape(), y.shape(), p, &out_shape));
  OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == out_shape.dims(), "output has shape ",
                   ctx.output(0).shape().ToString(), ", expected ", out_shape.ToString());
  const int64_t m = out_shape.dim(-2), n = out_shape.dim(-1), k = x.shape().dim(p.adj_x ? -2 : -1);
  const int64_t count = out_shape.num_elements();
  if (count == 0) return Status::Ok();
  const int64_t batches = count / (m * n);
  // The product of every batch: x_data, y_data and out of one element type.
  auto multiply = [&](const auto* x_data, const auto* y_data, auto* out) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(x_data)>>;
    constexpr bool kComplex =
        std::is_same<T, std::complex<float>>::value || std::is_same<T, std::complex<double>>::value;
    // Work items: (batch, block of C's rows), so that a few large products
    // use every thread too (one 1024 x 1024 product ran on one thread). A
    // block of op(A)'s rows is a block of x's rows unless adj_x; every C
    // element is the same sum whatever the blocks. As many blocks as threads
    // (up to 4): each item packs all of op(B) again, and four items on one
    // thread packed a 512 x 512 f64 op(B) four times (0.4 of its 5.5 ms).
    const int64_t parts = std::min<int64_t>(4, std::max(1, ctx.num_threads()));
    const int64_t rows = p.adj_x || m <= 128 ? m : std::max<int64_t>(128, (m + parts - 1) / parts);
    const int64_t blocks = (m + rows - 1) / rows;
    ctx.ParallelFor(batches * blocks, rows * n * k * 4 + 1, [&](int64_t begin, int64_t end) {
      std::vector<T> pack;
      for (int64_t item = begin; item < end; ++item) {
        const int64_t b = item / blocks, r0 = (item % blocks) * rows, count_rows = std::min(rows, m - r0);
        const T* xb = x_data + BatchOffset(b, out_shape, x.shape()) * m * k + r0 * k;
        const T* yb = y_data + BatchOffset(b, out_shape, y.shape()) * k * n;
        matmul::Product<T>(xb, yb, out + b * m * n + r0 * n, count_rows, n, k, p.adj_x, p.adj_x && kComplex,
                           p.adj_y, p.adj_y && kComplex, &pack);
      }
    });
  };
  return math::DispatchElement<double, float, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>,
                               int16_t, int32_t, int64_t>(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = ctx.output(0).data<T>();
    if constexpr (matmul::kWidened<T>) {
      // 2- and 4-byte elements: every buffer TFLite hands over is aligned for them.
      const T* x_data = x.data<T>();
      const T* y_data = y.data<T>();
      int64_t y_matrices = 1;  // y's batch dims (k may be 0)
      for (int d = 0; d < y.rank() - 2; ++d) y_matrices *= y.dim(d);
      std::vector<matmul::WidenedB> ys;
      for (int64_t i = 0; i < y_matrices; ++i) ys.push_back(matmul::WidenB(y_data + i * k * n, k, n, p.adj_y));
      matmul::WidenedProducts(
          ctx, ys, [&](int64_t b) { return x_data + BatchOffset(b, out_shape, x.shape()) * m * k; },
          [&](int64_t b) { return BatchOffset(b, out_shape, y.shape()); }, out, batches, m, n, k, p.adj_x);
    } else {
      std::vector<T> x_copy, y_copy;
      multiply(matmul::AlignedData(x, &x_copy), matmul::AlignedData(y, &y_copy), out);
    }
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("BatchMatMulV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Batched matrix product with batch broadcasting and adjoints (tf.matmul).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128, int16, int32, int64}")
                         .Params<BatchMatMulParams>()
                         .Attr("grad_x: bool = false")
                         .Attr("grad_y: bool = false")
                         .ShapeRule(BatchMatMulShape)
                         .Kernel(BatchMatMulKernel));

}  // namespace
}  // namespace opbridge
