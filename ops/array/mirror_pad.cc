// MirrorPad: TF's tf.pad(mode='REFLECT' or 'SYMMETRIC') in every dtype TF's
// CPU kernel takes (quantized ones aside): the converter leaves CUSTOM
// "MirrorPad" {T, Tpaddings, mode} for float64, half, bfloat16, int16, the
// unsigned types but uint8, bool, complex and string, which TFLite's
// MIRROR_PAD lacks (measured by tools/census_float64.py and
// tests/test_parity_integer_reductions.py). REFLECT mirrors about the edge
// element (pads <= dim - 1), SYMMETRIC repeats it (pads <= dim); TF's checks.
// Elements are moved as raw elements of their size (array::ForElements):
// exact.
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

enum class Mode { kReflect, kSymmetric };

struct MirrorPadParams {
  Mode mode = Mode::kReflect;

  static void Declare(ParamBinder& b, MirrorPadParams& p) {
    b.Enum("mode: {'REFLECT', 'SYMMETRIC'}", &p.mode, {{"REFLECT", Mode::kReflect}, {"SYMMETRIC", Mode::kSymmetric}});
  }
};

Status Plan(const Shape& input, const ConstTensor& paddings_t, Mode mode, std::vector<int64_t>* before,
            std::vector<int64_t>* out_dims) {
  const int rank = input.rank();
  OPBRIDGE_REQUIRE(paddings_t.rank() == 2 && paddings_t.dim(1) == 2 && paddings_t.dim(0) == rank,
                   "The first dimension of paddings must be the rank of inputs", paddings_t.shape().ToString(), ", ",
                   input.ToString());
  const std::vector<int64_t> p = array::ReadIndices(paddings_t);
  const int64_t offset = mode == Mode::kReflect ? 1 : 0;
  before->clear();
  out_dims->clear();
  for (int d = 0; d < rank; ++d) {
    const int64_t b = p[static_cast<size_t>(2 * d)], a = p[static_cast<size_t>(2 * d + 1)], n = input.dim(d);
    OPBRIDGE_REQUIRE(b >= 0 && a >= 0, "paddings must be non-negative: ", b, " ", a);
    OPBRIDGE_REQUIRE(n == kUnknownDim || (b <= n - offset && a <= n - offset),
                     "paddings must be no greater than the dimension size: ", b, ", ", a, " greater than ",
                     n - offset);
    before->push_back(b);
    int64_t size = kUnknownDim;
    OPBRIDGE_REQUIRE(
        n == kUnknownDim || (!__builtin_add_overflow(n, b, &size) && !__builtin_add_overflow(size, a, &size)),
        "padded dimension ", d, " is too large");
    out_dims->push_back(size);
  }
  return input.fully_known() ? array::CheckOutputSize(*out_dims) : Status::Ok();
}

Status MirrorPadShape(ShapeContext& ctx, const MirrorPadParams& p) {
  const ConstTensor* paddings = ctx.input_value(1);
  if (paddings == nullptr || !ctx.input(0).rank_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  std::vector<int64_t> before, dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), *paddings, p.mode, &before, &dims));
  const Shape out(dims);
  ctx.set_output(0, out);
  array::ForwardInputIfSameSize(ctx, out);
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const MirrorPadParams& p) {
  const ConstTensor& x = ctx.input(0);
  std::vector<int64_t> before, dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(x.shape(), ctx.input(1), p.mode, &before, &dims));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(dims)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == dims, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(dims).ToString());
  const std::vector<int64_t> in_dims = x.shape().dims();
  const std::vector<int64_t> strides = array::Strides(in_dims);
  const bool reflect = p.mode == Mode::kReflect;
  return array::ForElements(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* in = x.data<In>();
    Out* out = y.data<Out>();
    array::ParallelForElements<Out>(ctx, y.num_elements(), 1, [&](int64_t lo, int64_t hi) {
      array::ForEachOutput(
          dims, strides, lo, hi,
          [&](size_t d, int64_t c) {
            const int64_t i = c - before[d], n = in_dims[d];
            if (i < 0) return reflect ? -i : -i - 1;
            if (i >= n) return reflect ? 2 * n - 2 - i : 2 * n - 1 - i;
            return i;
          },
          [&](int64_t o, int64_t i) { out[o] = in[i]; });
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("MirrorPad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("input padded with its mirror image, REFLECT or SYMMETRIC (tf.pad).")
                         .Input("input: T")
                         .Input("paddings: Tpaddings")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, bool, complex64, complex128, string}")
                         .Attr("Tpaddings: {int32, int64} = DT_INT32")
                         .Params<MirrorPadParams>()
                         .MayForwardInput()
                         .ShapeRule(MirrorPadShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
