// Betainc: TF's regularized incomplete beta function I_x(a, b), elementwise
// (tf.math.betainc). TFLite has no kernel: the converter emits CUSTOM
// "Betainc" with options {T}.
//
// Eigen's betainc (Cephes' continued fractions), as TF's kernel: NaN for
// a <= 0, b <= 0 or x outside [0, 1]. float32 with AVX2 runs the continued
// fractions of 8 elements at once (betainc_avx2.h), with the same bits. TF
// broadcasts only scalars here: every input of rank > 0 must have the same
// shape, and the output has that shape.
#include <type_traits>

#include "avx2_dispatch.h"
#include "betainc_avx2.h"
#include "elementwise.h"

namespace opbridge {
namespace {

const char* const kNames[] = {"a", "b", "x"};

// TF's check and merged shape, for shape inference (unknown dims pass) and
// for the kernel (everything known).
Status MergedShape(const Shape (&shapes)[3], Shape* merged) {
  *merged = shapes[0];
  for (int i = 0; i < 3; ++i) {
    if (!shapes[i].rank_known()) {
      *merged = Shape::UnknownRank();
      continue;
    }
    if (shapes[i].rank() == 0) continue;
    for (int j = i + 1; j < 3; ++j) {
      if (!shapes[j].rank_known() || shapes[j].rank() == 0) continue;
      bool consistent = shapes[i].rank() == shapes[j].rank();
      for (int d = 0; consistent && d < shapes[i].rank(); ++d) {
        const int64_t di = shapes[i].dim(d), dj = shapes[j].dim(d);
        consistent = di == dj || di == kUnknownDim || dj == kUnknownDim;
      }
      OPBRIDGE_REQUIRE(consistent, "Shapes of ", kNames[i], " and ", kNames[j], " are inconsistent: ",
                       shapes[i].ToString(), " vs. ", shapes[j].ToString());
    }
    if (merged->rank_known()) *merged = shapes[i];
  }
  return Status::Ok();
}

Status BetaincShape(ShapeContext& ctx) {
  const Shape shapes[3] = {ctx.input(0), ctx.input(1), ctx.input(2)};
  Shape merged;
  OPBRIDGE_RETURN_IF_ERROR(MergedShape(shapes, &merged));
  ctx.set_output(0, merged);
  return Status::Ok();
}

Status BetaincKernel(KernelContext& ctx) {
  const Shape shapes[3] = {ctx.input(0).shape(), ctx.input(1).shape(), ctx.input(2).shape()};
  Shape merged;
  OPBRIDGE_RETURN_IF_ERROR(MergedShape(shapes, &merged));
  const Tensor& z = ctx.output(0);
  OPBRIDGE_REQUIRE(merged.dims() == z.shape().dims(), "output 'z' is ", z.shape().ToString(), ", expected ",
                   merged.ToString());
  return math::DispatchElement<float, double>(z.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in[3];
    int64_t step[3];
    for (int i = 0; i < 3; ++i) {
      in[i] = ctx.input(i).data<T>();
      step[i] = ctx.input(i).rank() == 0 ? 0 : 1;  // scalars repeat
    }
    T* out = z.data<T>();
    ctx.ParallelFor(z.num_elements(), 800, [&](int64_t begin, int64_t end) {
#if defined(__x86_64__)
      if constexpr (std::is_same_v<T, float>) {
        if (math::UseAvx2()) {
          math::betainc_detail::BetaincFloatAvx2(in, step, out, begin, end);
          return;
        }
      }
#endif
      for (int64_t o = begin; o < end; ++o) {
        out[o] = Eigen::numext::betainc(in[0][o * step[0]], in[1][o * step[1]], in[2][o * step[2]]);
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Betainc")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Regularized incomplete beta function I_x(a, b), elementwise; scalars broadcast "
                              "(tf.math.betainc).")
                         .Input("a: T")
                         .Input("b: T")
                         .Input("x: T")
                         .Output("z: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(BetaincShape)
                         .Kernel(BetaincKernel));

}  // namespace
}  // namespace opbridge
