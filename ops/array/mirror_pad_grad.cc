// MirrorPadGrad: the gradient of MirrorPad (tf.pad(mode='REFLECT' or
// 'SYMMETRIC') under tf.GradientTape). The converter emits CUSTOM
// "MirrorPadGrad" {T, Tpaddings, mode}; TFLite has no such builtin.
//
//   input: the gradient of the padded tensor, paddings [rank, 2]
//   output: input's shape minus the paddings
//
// Each padded element's gradient is added to the element it mirrored. TF
// folds one dimension at a time in a scratch copy of the input: for dim i
// (the dims before it already cut to their centre, the ones after it whole)
// the `before` rows are added, reversed, onto the centre rows next to them
// (starting `offset` past the edge: 1 for REFLECT, 0 for SYMMETRIC), then the
// `after` rows likewise onto the other end; the centre is the result. This
// kernel does the same folds in the same order, so every element gets TF's
// sums in TF's order: bit-identical for the float types (Eigen::half and
// bfloat16 round each sum as TF's do) and complex, wrapping for the integers.
// TF's checks and messages: rank at most 5, paddings [rank, 2], non-negative,
// fewer in total than the input dim (so no output dim is 0), at most the
// output size (SYMMETRIC) or below it (REFLECT).
#include <cstring>
#include <vector>

#include "../math/int_arith.h"
#include "index_vector.h"

namespace opbridge {
namespace {

enum class Mode { kReflect, kSymmetric };

struct MirrorPadGradParams {
  Mode mode = Mode::kReflect;

  static void Declare(ParamBinder& b, MirrorPadGradParams& p) {
    b.Enum("mode: {'REFLECT', 'SYMMETRIC'}", &p.mode, {{"REFLECT", Mode::kReflect}, {"SYMMETRIC", Mode::kSymmetric}});
  }
};

Status Plan(const Shape& input, const ConstTensor& paddings_t, Mode mode, std::vector<int64_t>* before,
            std::vector<int64_t>* after, std::vector<int64_t>* out_dims) {
  const int rank = input.rank();
  OPBRIDGE_REQUIRE(rank <= 5, "inputs rank not in [0,5]: ", rank);
  OPBRIDGE_REQUIRE(paddings_t.rank() == 2 && paddings_t.dim(1) == 2, "paddings must be a matrix with 2 columns: ",
                   paddings_t.shape().ToString());
  OPBRIDGE_REQUIRE(paddings_t.dim(0) == rank, "The first dimension of paddings must be the rank of inputs",
                   paddings_t.shape().ToString(), " ", input.ToString());
  const std::vector<int64_t> p = array::ReadIndices(paddings_t);
  before->clear();
  after->clear();
  out_dims->clear();
  for (int d = 0; d < rank; ++d) {
    const int64_t b = p[static_cast<size_t>(2 * d)], a = p[static_cast<size_t>(2 * d + 1)], n = input.dim(d);
    OPBRIDGE_REQUIRE(b >= 0 && a >= 0, "Paddings must be non-negative: ", b, ", ", a);
    int64_t size = kUnknownDim;
    if (n != kUnknownDim) {
      const int64_t total = b + a;
      OPBRIDGE_REQUIRE(total < n, "Total paddings must be less than the input dimension size: ", total,
                       " was not less than ", n);
      size = n - total;
      if (mode == Mode::kSymmetric) {
        OPBRIDGE_REQUIRE(b <= size && a <= size, "paddings must be no greater than the output dimension size: ", b,
                         ", ", a, " greater than ", size);
      } else {
        OPBRIDGE_REQUIRE(b < size && a < size, "paddings must be less than the output dimension size: ", b, ", ", a,
                         " not less than ", size);
      }
    }
    before->push_back(b);
    after->push_back(a);
    out_dims->push_back(size);
  }
  return Status::Ok();
}

Status MirrorPadGradShape(ShapeContext& ctx, const MirrorPadGradParams& p) {
  const ConstTensor* paddings = ctx.input_value(1);
  if (paddings == nullptr || !ctx.input(0).rank_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  std::vector<int64_t> before, after, dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), *paddings, p.mode, &before, &after, &dims));
  ctx.set_output(0, Shape(dims));
  return Status::Ok();
}

// The offsets, in a row-major tensor of `dims`, of every index over the first
// `count` dims with dim k in [start[k], start[k] + extent[k]).
std::vector<int64_t> BoxOffsets(const std::vector<int64_t>& strides, const std::vector<int64_t>& start,
                                const std::vector<int64_t>& extent, size_t count) {
  std::vector<int64_t> offsets = {0};
  for (size_t k = 0; k < count; ++k) {
    std::vector<int64_t> next;
    next.reserve(offsets.size() * static_cast<size_t>(extent[k]));
    for (const int64_t o : offsets) {
      for (int64_t c = 0; c < extent[k]; ++c) next.push_back(o + (start[k] + c) * strides[k]);
    }
    offsets.swap(next);
  }
  return offsets;
}

template <typename T>
Status Fold(KernelContext& ctx, const std::vector<int64_t>& before, const std::vector<int64_t>& after,
            const std::vector<int64_t>& out_dims, int64_t offset) {
  const ConstTensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const std::vector<int64_t> in_dims = x.shape().dims();
  const size_t rank = in_dims.size();
  const std::vector<int64_t> strides = array::Strides(in_dims);
  // The scratch copy TF folds in (inputs may be unaligned constants: bytes).
  std::vector<T> scratch(static_cast<size_t>(x.num_elements()));
  std::memcpy(static_cast<void*>(scratch.data()), x.data<char>(), scratch.size() * sizeof(T));
  T* s = scratch.data();

  for (size_t i = 0; i < rank; ++i) {
    const int64_t b = before[i], a = after[i], n = in_dims[i];
    if (b == 0 && a == 0) continue;
    const int64_t inner = strides[i];
    // Dims before i cut to their centre (folded already), the ones after whole.
    const std::vector<int64_t> outer = BoxOffsets(strides, before, out_dims, i);
    const auto count = static_cast<int64_t>(outer.size());
    ctx.ParallelFor(count * inner, b + a, [&](int64_t lo, int64_t hi) {
      while (lo < hi) {
        const int64_t o = lo / inner, j0 = lo % inner;
        const int64_t j1 = std::min(inner, j0 + (hi - lo));
        T* base = s + outer[static_cast<size_t>(o)];
        // Row r of the `before` pad (r < b) goes onto row b + offset + (b-1-r).
        for (int64_t t = 0; t < b; ++t) {
          T* __restrict dst = base + (b + offset + t) * inner;
          const T* __restrict src = base + (b - 1 - t) * inner;
          for (int64_t j = j0; j < j1; ++j) dst[j] = math::WrapAdd(dst[j], src[j]);
        }
        // Row n-a+t of the `after` pad goes onto row n-2a-offset+(a-1-t).
        for (int64_t t = 0; t < a; ++t) {
          T* __restrict dst = base + (n - 2 * a - offset + t) * inner;
          const T* __restrict src = base + (n - 1 - t) * inner;
          for (int64_t j = j0; j < j1; ++j) dst[j] = math::WrapAdd(dst[j], src[j]);
        }
        lo += j1 - j0;
      }
    });
  }

  // The centre, row by row of the last dim.
  T* out = y.data<T>();
  const int64_t last = rank ? out_dims[rank - 1] : 1;
  const std::vector<int64_t> rows = BoxOffsets(strides, before, out_dims, rank ? rank - 1 : 0);
  const int64_t shift = rank ? before[rank - 1] : 0;
  ctx.ParallelFor(static_cast<int64_t>(rows.size()), last, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      std::memcpy(static_cast<void*>(out + r * last), s + rows[static_cast<size_t>(r)] + shift,
                  static_cast<size_t>(last) * sizeof(T));
    }
  });
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const MirrorPadGradParams& p) {
  const ConstTensor& x = ctx.input(0);
  std::vector<int64_t> before, after, dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(x.shape(), ctx.input(1), p.mode, &before, &after, &dims));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(dims)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == dims, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(dims).ToString());
  if (y.num_elements() == 0) return Status::Ok();
  const int64_t offset = p.mode == Mode::kReflect ? 1 : 0;
  return math::DispatchElement<Eigen::half, Eigen::bfloat16, float, double, int8_t, int16_t, int32_t, int64_t,
                               uint8_t, uint16_t, uint32_t, uint64_t, std::complex<float>, std::complex<double>>(
      x.dtype(), [&](auto tag) { return Fold<typename decltype(tag)::type>(ctx, before, after, dims, offset); });
}

OPBRIDGE_REGISTER_OP(OpSpec("MirrorPadGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of MirrorPad: the padded gradient folded back onto the elements it "
                              "mirrored.")
                         .Input("input: T")
                         .Input("paddings: Tpaddings")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, complex64, complex128}")
                         .Attr("Tpaddings: {int32, int64} = DT_INT32")
                         .Params<MirrorPadGradParams>()
                         .ShapeRule(MirrorPadGradShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
