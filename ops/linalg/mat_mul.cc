// MatMul: TF's 2-D matrix product with transpose_a/transpose_b (tf.matmul of
// rank-2 tensors) for the dtypes the converter leaves custom: float64, half
// and bfloat16 (in float, C rounded once: matmul.h), complex64, complex128,
// int32 and int64 (integers wrap around, exact;
// keras-hub's GPT-2 cache key), and float32 for models that keep it custom
// (the converter makes FULLY_CONNECTED of it; TF's MatMul takes no other
// integer type: int8 and int16 are refused by its op, uint* have no CPU
// kernel). Measured: the converter emits CUSTOM "MatMul"
// with transpose_b set, after a CUSTOM Transpose of b, or a Conj for adjoint_b.
// MatMul never conjugates (tf.matmul's adjoints become Conj ops first).
#include "../math/element_types.h"
#include "matmul.h"

namespace opbridge {
namespace {

struct MatMulParams {
  bool transpose_a = false;
  bool transpose_b = false;

  static void Declare(ParamBinder& b, MatMulParams& p) {
    b.Attr("transpose_a: bool = false", &p.transpose_a);
    b.Attr("transpose_b: bool = false", &p.transpose_b);
  }
};

// [m, k] x [k, n] from the stored shapes; TF's error texts.
Status Dims(const Shape& a, const Shape& b, const MatMulParams& p, int64_t* m, int64_t* n, int64_t* k) {
  OPBRIDGE_REQUIRE(a.rank() == 2, "In[0] is not a matrix. Instead it has shape ", a.ToString());
  OPBRIDGE_REQUIRE(b.rank() == 2, "In[1] is not a matrix. Instead it has shape ", b.ToString());
  *m = a.dim(p.transpose_a ? 1 : 0);
  *k = a.dim(p.transpose_a ? 0 : 1);
  const int64_t kb = b.dim(p.transpose_b ? 1 : 0);
  *n = b.dim(p.transpose_b ? 0 : 1);
  OPBRIDGE_REQUIRE(*k < 0 || kb < 0 || *k == kb, "Matrix size-incompatible: In[0]: ", a.ToString(),
                   ", In[1]: ", b.ToString());
  return Status::Ok();
}

Status MatMulShape(ShapeContext& ctx, const MatMulParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 2));
  const Shape& a = ctx.input(0);
  const Shape& b = ctx.input(1);
  if (!a.rank_known() || !b.rank_known()) {
    ctx.set_output(0, Shape({kUnknownDim, kUnknownDim}));
    return Status::Ok();
  }
  int64_t m, n, k;
  OPBRIDGE_RETURN_IF_ERROR(Dims(a, b, p, &m, &n, &k));
  ctx.set_output(0, Shape({m, n}));
  return Status::Ok();
}

Status MatMulKernel(KernelContext& ctx, const MatMulParams& p) {
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  int64_t m, n, k;
  OPBRIDGE_RETURN_IF_ERROR(Dims(a.shape(), b.shape(), p, &m, &n, &k));
  if (m * n == 0) return Status::Ok();
  // C = op(A) B for one element type.
  auto multiply = [&](const auto* a_data, const auto* b_data, auto* c) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(a_data)>>;
    // Rows of C in parallel: each chunk packs op(B) once.
    ctx.ParallelFor(m, k * n * 4 + 1, [&](int64_t begin, int64_t end) {
      std::vector<T> pack;
      // transpose_a: the chunk's rows are columns begin..end of the stored [k, m] matrix.
      if (p.transpose_a) {
        std::vector<T> block(static_cast<size_t>((end - begin) * k));
        for (int64_t i = begin; i < end; ++i) {
          for (int64_t q = 0; q < k; ++q) block[static_cast<size_t>((i - begin) * k + q)] = a_data[q * m + i];
        }
        matmul::Product<T>(block.data(), b_data, c + begin * n, end - begin, n, k, false, false,
                           p.transpose_b, false, &pack);
      } else {
        matmul::Product<T>(a_data + begin * k, b_data, c + begin * n, end - begin, n, k, false, false,
                           p.transpose_b, false, &pack);
      }
    });
  };
  return math::DispatchElement<double, float, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>,
                               int32_t, int64_t>(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* c = ctx.output(0).data<T>();
    if constexpr (matmul::kWidened<T>) {
      const T* a_data = a.data<T>();  // 2- and 4-byte elements: aligned in any TFLite buffer
      std::vector<matmul::WidenedB> bs;  // moved in: its packed panels are not copyable
      bs.push_back(matmul::WidenB(b.data<T>(), k, n, p.transpose_b));
      matmul::WidenedProducts(
          ctx, bs, [&](int64_t) { return a_data; }, [](int64_t) { return int64_t{0}; }, c, 1, m, n, k,
          p.transpose_a);
    } else {
      std::vector<T> a_copy, b_copy;
      multiply(matmul::AlignedData(a, &a_copy), matmul::AlignedData(b, &b_copy), c);
    }
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("MatMul")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("2-D matrix product with transpose_a/transpose_b (tf.matmul).")
                         .Input("a: T")
                         .Input("b: T")
                         .Output("product: T")
                         .Params<MatMulParams>()
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128, int32, int64}")
                         .Attr("grad_a: bool = false")
                         .Attr("grad_b: bool = false")
                         .ShapeRule(MatMulShape)
                         .Kernel(MatMulKernel));

}  // namespace
}  // namespace opbridge
