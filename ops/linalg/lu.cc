// Lu: TF's tf.linalg.lu. TFLite has no kernel: the converter emits CUSTOM
// "Lu" with {T, output_idx_type}; outputs lu (L below the diagonal with an
// implicit unit diagonal, U on and above it) and p (row i of P * A is row
// p[i] of A), p in int32 or int64.
//
// As TF's CPU kernel: Eigen's PartialPivLU on a column-major copy of each
// matrix, which pivots on the entry of largest magnitude, the first on ties
// (lu_factor.h); with AVX2 the isolated build of it (lu_avx2.cc: TF's packet
// width). Eigen comes from TF's own headers, so the pivots and factors are
// TF's.
// A matrix with an exactly zero pivot (after denormals are flushed, as in
// TF) is an error, "Input is not invertible." as TF says; which matrix is
// added. Empty matrices give empty outputs.
#include <complex>
#include <memory>
#include <type_traits>
#include <vector>

#include "../math/avx2_dispatch.h"
#include "linalg_common.h"
#include "lu_factor.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

Status LuShape(ShapeContext& ctx) {
  const Shape& in = ctx.input(0);
  if (in.rank_known()) {
    OPBRIDGE_REQUIRE(in.rank() >= 2, "Input tensor must have rank >= 2, got ", in.rank(), " (input '",
                     ctx.input_name(0), "' has shape ", in.ToString(), ")");
    OPBRIDGE_REQUIRE(in.dim(-1) == kUnknownDim || in.dim(-2) == kUnknownDim || in.dim(-1) == in.dim(-2),
                     "Input matrix must be square. (input '", ctx.input_name(0), "' has shape ", in.ToString(),
                     ")");
  }
  ctx.set_output(0, in);
  ctx.set_output(1, WithBatch(in, {DimFromEnd(in, 1)}));
  return Status::Ok();
}

// FactorLu over `count` consecutive matrices: the AVX2 build where the CPU has it.
template <typename T, typename Index>
void FactorRange(const T* in, int64_t count, int64_t n, T* lu, Index* p, bool* singular) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
    std::vector<int64_t> wide;  // the isolated build writes int64 indices
    int64_t* p64 = nullptr;
    if constexpr (std::is_same_v<Index, int64_t>) {
      p64 = p;
    } else {
      wide.resize(static_cast<size_t>(count * n));
      p64 = wide.data();
    }
    if constexpr (std::is_same_v<T, float>) opbridge_avx2_lu_f32(in, count, n, lu, p64, singular);
    if constexpr (std::is_same_v<T, double>) opbridge_avx2_lu_f64(in, count, n, lu, p64, singular);
    if constexpr (std::is_same_v<T, std::complex<float>>) opbridge_avx2_lu_c64(in, count, n, lu, p64, singular);
    if constexpr (std::is_same_v<T, std::complex<double>>) opbridge_avx2_lu_c128(in, count, n, lu, p64, singular);
    for (size_t i = 0; i < wide.size(); ++i) p[i] = static_cast<Index>(wide[i]);
    return;
  }
#endif
  FactorLu<T, Index>(in, count, n, lu, p, singular);
}

template <typename T, typename Index>
Status Factor(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.dim(-1);
  if (n == 0) return Status::Ok();
  const int64_t batch = BatchSize(input.shape());
  FailureLog singular(batch);
  const T* in = input.data<T>();
  T* lu = ctx.output(0).data<T>();
  Index* p = ctx.output(1).data<Index>();
  ctx.ParallelFor(batch, MatrixCost(2.0 / 3.0 * static_cast<double>(n) * n * n), [&](int64_t begin, int64_t end) {
    // FactorLu's flags for this range (bools: the isolated build's interface).
    std::unique_ptr<bool[]> flags(new bool[static_cast<size_t>(end - begin)]());
    FactorRange<T, Index>(in + begin * n * n, end - begin, n, lu + begin * n * n, p + begin * n, flags.get());
    for (int64_t b = begin; b < end; ++b) {
      if (flags[static_cast<size_t>(b - begin)]) singular.Mark(b);
    }
  });
  const int64_t first = singular.First();
  OPBRIDGE_REQUIRE(first < 0, "Input is not invertible. (matrix ", first, " of ", batch, " in input '",
                   input.name(), "' has a zero pivot)");
  return Status::Ok();
}

Status LuKernel(KernelContext& ctx) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return Dispatch<int32_t, int64_t>(ctx.output(1).dtype(), [&](auto index_tag) {
      return Factor<T, typename decltype(index_tag)::type>(ctx);
    });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Lu")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("LU factorization with partial pivoting of each square matrix in a batch "
                              "(tf.linalg.lu): packed L and U, and the row permutation p.")
                         .Input("input: T")
                         .Output("lu: T")
                         .Output("p: output_idx_type")
                         .Attr("T: {double, float, complex64, complex128}")
                         .Attr("output_idx_type: {int32, int64} = DT_INT32")
                         .ShapeRule(LuShape)
                         .Kernel(LuKernel));

}  // namespace
}  // namespace opbridge
