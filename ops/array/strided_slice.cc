// StridedSlice: TF's strided slice, the op behind Python indexing
// (`x[:, None]`, `x[..., :n]`, `x[:, -1]`, `x[::-2]`): per dimension a range
// begin:end:stride, with numpy's ellipsis, new axes and integer indexing
// encoded as bit masks over the spec's entries.
//
// The converter lowers it to the builtin STRIDED_SLICE when it can. On
// tensors of unknown dims it cannot take new axes together with an ellipsis
// (`x[..., None, :]`) or with more entries than dims (`x[:, None, :, :]` on
// rank 3), begin/end/strides computed in the model, or bfloat16; those stay
// CUSTOM "StridedSlice" {T, Index, begin_mask, end_mask, ellipsis_mask,
// new_axis_mask, shrink_axis_mask} with TF's four inputs (keras-hub models).
//
// Semantics follow TF's ValidateStridedSliceOp step by step: the sparse spec
// (one entry per index expression) is expanded into one range per input
// dimension, begin and end are made non-negative and clamped, and the output
// shape gathers the range sizes, drops shrunk dimensions and inserts new ones.
// TF's errors are kept, with their texts. The copy is pure data movement, so
// every dtype is moved as bytes of its size.
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace {

// TF's CPU kernel instantiates processing ranks 1..8 only; larger inputs work
// only where it takes a shortcut (identity, contiguous slice of dim 0).
constexpr int kMaxKernelRank = 8;
// EIGEN_MAX_ALIGN_BYTES of TF's x86-64 build, which decides one of those
// shortcuts (measured: tests/test_parity_strided_slice.py, rank 9).
constexpr int64_t kTfAlignBytes = 64;

constexpr int kNewAxis = -2;
constexpr int kShrinkAxis = -1;

struct StridedSliceParams {
  int64_t begin_mask = 0;
  int64_t end_mask = 0;
  int64_t ellipsis_mask = 0;
  int64_t new_axis_mask = 0;
  int64_t shrink_axis_mask = 0;

  static void Declare(ParamBinder& b, StridedSliceParams& p) {
    b.Attr("begin_mask: int = 0", &p.begin_mask);
    b.Attr("end_mask: int = 0", &p.end_mask);
    b.Attr("ellipsis_mask: int = 0", &p.ellipsis_mask);
    b.Attr("new_axis_mask: int = 0", &p.new_axis_mask);
    b.Attr("shrink_axis_mask: int = 0", &p.shrink_axis_mask);
  }

  // TF's kernel reads the masks as int32 and refuses values that do not fit.
  Status Validate() const {
    const std::pair<const char*, int64_t> masks[] = {{"begin_mask", begin_mask},
                                                     {"end_mask", end_mask},
                                                     {"ellipsis_mask", ellipsis_mask},
                                                     {"new_axis_mask", new_axis_mask},
                                                     {"shrink_axis_mask", shrink_axis_mask}};
    for (const auto& [name, value] : masks) {
      OPBRIDGE_REQUIRE(value >= std::numeric_limits<int32_t>::min() && value <= std::numeric_limits<int32_t>::max(),
                       "Attr ", name, " has value ", value, " out of range for an int32");
    }
    return Status::Ok();
  }
};

// A mask as TF's int32 bits; bit i of it tested as TF's `(1 << i) & mask`.
bool Bit(int64_t mask, int64_t i) {
  return i < 32 && ((static_cast<uint32_t>(static_cast<int32_t>(mask)) >> i) & 1u) != 0;
}

// TF's TensorShape::DebugString ("[2,3]"), which its messages quote.
std::string TfShape(const Shape& shape) {
  std::string out = "[";
  for (int i = 0; i < shape.rank(); ++i) out += (i ? "," : "") + std::to_string(shape.dim(i));
  return out + "]";
}

// The index expressions, one entry each, widened to int64.
struct SparseSpec {
  std::vector<int64_t> begin, end, strides;
};

template <typename Index>
void Widen(const ConstTensor& t, std::vector<int64_t>* out) {
  const Index* v = t.data<Index>();
  out->assign(v, v + t.num_elements());
}

Status ReadSpec(const ConstTensor& begin, const ConstTensor& end, const ConstTensor& strides, SparseSpec* spec) {
  const int64_t n = strides.num_elements();
  const bool begin_ok = begin.rank() == 1 && begin.num_elements() == n && n < 32;  // masks are 32 bits
  const bool end_ok = end.rank() == 1 && end.num_elements() == n;
  OPBRIDGE_REQUIRE(begin_ok && end_ok && strides.rank() == 1,
                   "Expected begin, end, and strides to be 1D equal size tensors, but got shapes ",
                   TfShape(begin.shape()), ", ", TfShape(end.shape()), ", and ", TfShape(strides.shape()),
                   " instead (inputs 'begin', 'end', 'strides').");
  return Dispatch<int16_t, int32_t, int64_t>(strides.dtype(), [&](auto tag) {
    using Index = typename decltype(tag)::type;
    Widen<Index>(begin, &spec->begin);
    Widen<Index>(end, &spec->end);
    Widen<Index>(strides, &spec->strides);
    return Status::Ok();
  });
}

// The slice per input dimension (TF's dense spec, canonicalized) and the
// output shape. Output element k walks the input dims in row-major order of
// `size`, element (j_0, ..., j_r-1) reading input (begin_d + j_d * stride_d).
struct DenseSlice {
  std::vector<int64_t> begin, stride, size;
  Shape output;
  bool is_identity = true;  // TF's shortcuts, which decide where TF accepts rank > 8
  bool slice_dim0 = true;
};

Status Canonicalize(const Shape& input, const SparseSpec& sparse, const StridedSliceParams& p, DenseSlice* out) {
  const int64_t ellipsis = static_cast<uint32_t>(static_cast<int32_t>(p.ellipsis_mask));
  OPBRIDGE_REQUIRE((ellipsis & (ellipsis - 1)) == 0, "Multiple ellipses in slice spec not allowed (ellipsis_mask ",
                   p.ellipsis_mask, ")");

  // Step 1: new axes after the ellipsis; an ellipsis at the end when none is given.
  int64_t sparse_dims = static_cast<int64_t>(sparse.strides.size());
  int64_t add_axis_after_ellipsis = 0;
  bool ellipsis_seen = false;
  for (int64_t i = 0; i < sparse_dims; ++i) {
    if (ellipsis_seen && Bit(p.new_axis_mask, i)) ++add_axis_after_ellipsis;
    if (Bit(ellipsis, i)) ellipsis_seen = true;
  }
  int64_t ellipsis_bits = ellipsis;
  if (!ellipsis_seen) ellipsis_bits |= int64_t{1} << sparse_dims++;

  // Step 2: one range per input dimension. Dimensions no entry reaches keep
  // TF's zero initialization, stride 0 included (refused below, as in TF).
  const int64_t dims = input.rank();
  std::vector<int64_t> begin(static_cast<size_t>(dims), 0), end(begin), stride(begin);
  std::vector<bool> begin_masked(static_cast<size_t>(dims), false), end_masked(begin_masked),
      shrink(begin_masked);
  std::vector<int64_t> gather;  // per output dim: the input dim it sizes, or kNewAxis / kShrinkAxis
  int64_t full = 0;
  for (int64_t i = 0; i < sparse_dims; ++i) {
    if (Bit(ellipsis_bits, i)) {
      const int64_t next = std::min(dims - (sparse_dims - i) + 1 + add_axis_after_ellipsis, dims);
      for (; full < next; ++full) {
        const auto f = static_cast<size_t>(full);
        begin[f] = end[f] = 0;
        stride[f] = 1;
        begin_masked[f] = end_masked[f] = true;
        gather.push_back(full);
      }
    } else if (Bit(p.new_axis_mask, i)) {
      gather.push_back(kNewAxis);
    } else {
      if (full == dims) {
        // TF words it differently for a scalar: no entry but new axes and an ellipsis fits one.
        OPBRIDGE_REQUIRE(dims != 0, "Attempting to slice scalar input (input 'input' has shape []).");
        return Errorf("Index out of range using input dim ", full, "; input has only ", dims,
                      " dims (input 'input' has shape ", TfShape(input), ")");
      }
      const auto f = static_cast<size_t>(full);
      const auto s = static_cast<size_t>(i);
      begin[f] = sparse.begin[s];
      end[f] = sparse.end[s];
      stride[f] = sparse.strides[s];
      begin_masked[f] = Bit(p.begin_mask, i);
      end_masked[f] = Bit(p.end_mask, i);
      shrink[f] = Bit(p.shrink_axis_mask, i);
      gather.push_back(shrink[f] ? kShrinkAxis : full);
      ++full;
    }
  }

  // Step 3: make ranges explicit, bounds check, size each dimension.
  out->begin.assign(static_cast<size_t>(dims), 0);
  out->stride.assign(static_cast<size_t>(dims), 1);
  out->size.assign(static_cast<size_t>(dims), 0);
  out->is_identity = out->slice_dim0 = true;
  for (int64_t i = 0; i < dims; ++i) {
    const auto f = static_cast<size_t>(i);
    const int64_t dim = input.dim(static_cast<int>(i));
    const int64_t st = stride[f];
    OPBRIDGE_REQUIRE(st != 0, "strides[", i, "] must be non-zero (input 'strides')");
    OPBRIDGE_REQUIRE(!shrink[f] || st > 0, "only stride 1 allowed on non-range indexing (input 'strides' entry for "
                     "dimension ", i, " is ", st, ").");
    int64_t b = begin[f], e = end[f];
    if (shrink[f]) {
      // An index, not a range: the mask bits do not apply, and it must be in range.
      b = b < 0 ? dim + b : b;
      OPBRIDGE_REQUIRE(b >= 0 && b < dim, "slice index ", b, " of dimension ", i, " out of bounds (input 'input' has "
                       "shape ", TfShape(input), ").");
      e = b + 1;
    } else {
      // Masked ends take the full range in the stride's direction; given
      // ones count from the end when negative and are clamped to the range.
      const int64_t lo = st > 0 ? 0 : -1, hi = st > 0 ? dim : dim - 1;
      auto canonical = [&](int64_t x, bool masked, bool is_end) {
        if (masked) return (st > 0) == is_end ? hi : lo;
        const int64_t fwd = x < 0 ? dim + x : x;
        return fwd < lo ? lo : fwd > hi ? hi : fwd;
      };
      b = canonical(b, begin_masked[f], false);
      e = canonical(e, end_masked[f], true);
    }
    const bool take_all = st == 1 && b == 0 && e == dim;
    out->is_identity = out->is_identity && take_all;
    out->slice_dim0 = out->slice_dim0 && ((i == 0 && st == 1) || take_all);
    const int64_t interval = e - b;  // both in [-1, dim]: no overflow
    int64_t size = 0;
    if (interval != 0 && (interval < 0) == (st < 0)) size = interval / st + (interval % st != 0 ? 1 : 0);
    out->begin[f] = b;
    out->stride[f] = st;
    out->size[f] = size;
  }

  // Step 4: the output shape.
  out->output = Shape();
  for (const int64_t g : gather) {
    if (g >= 0) out->output.Append(out->size[static_cast<size_t>(g)]);
    if (g == kNewAxis) out->output.Append(1);
  }
  return Status::Ok();
}

Status Plan(const Shape& input, const ConstTensor& begin, const ConstTensor& end, const ConstTensor& strides,
            const StridedSliceParams& p, DenseSlice* slice) {
  SparseSpec sparse;
  OPBRIDGE_RETURN_IF_ERROR(ReadSpec(begin, end, strides, &sparse));
  return Canonicalize(input, sparse, p, slice);
}

Status StridedSliceShape(ShapeContext& ctx, const StridedSliceParams& p) {
  const ConstTensor* begin = ctx.input_value(1);
  const ConstTensor* end = ctx.input_value(2);
  const ConstTensor* strides = ctx.input_value(3);
  if (begin != nullptr && end != nullptr && strides != nullptr && ctx.input(0).fully_known()) {
    DenseSlice slice;
    OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), *begin, *end, *strides, p, &slice));
    ctx.set_output(0, slice.output);
    // New axes and whole ranges only (`x[:, None]`, a mask's expansion): the
    // output is the input's bytes, which TFLite's planner can then share
    // instead of this kernel copying them (OpSpec::MayForwardInput).
    if (slice.is_identity) ctx.set_forwards_input();
    return Status::Ok();
  }
  // The output's shape depends on the values: the kernel sizes it.
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

// The slice as nested loops over input offsets (in elements): dims of size 1
// folded into the base, dims that continue each other merged, so that a
// contiguous tail becomes one run.
struct Loops {
  int64_t base = 0;
  std::vector<int64_t> count, step;  // outermost first; the last is the inner loop
};

Loops MakeLoops(const Shape& input, const DenseSlice& slice) {
  Loops loops;
  int64_t in_stride = 1;
  std::vector<int64_t> count, step;
  for (int d = input.rank() - 1; d >= 0; --d) {
    const auto f = static_cast<size_t>(d);
    loops.base += slice.begin[f] * in_stride;
    if (slice.size[f] != 1) {
      count.push_back(slice.size[f]);
      step.push_back(slice.stride[f] * in_stride);
    }
    in_stride *= input.dim(d);
  }
  // count/step are innermost first here; merge an outer loop into the inner
  // one when it continues it exactly.
  for (size_t k = 0; k < count.size(); ++k) {
    if (!loops.count.empty() && step[k] == loops.count.back() * loops.step.back()) {
      loops.count.back() *= count[k];
    } else {
      loops.count.push_back(count[k]);
      loops.step.push_back(step[k]);
    }
  }
  if (loops.count.empty()) {
    loops.count.push_back(1);
    loops.step.push_back(1);
  }
  std::reverse(loops.count.begin(), loops.count.end());
  std::reverse(loops.step.begin(), loops.step.end());
  return loops;
}

// One row of `n` elements, `step` elements apart in the input (by value, so
// the char stores cannot alias them and they stay in registers).
template <size_t kBytes>
void CopyRow(const char* src, char* dst, int64_t n, int64_t step) {
  if (step == 1) {
    std::memcpy(dst, src, static_cast<size_t>(n) * kBytes);
    return;
  }
  const int64_t src_step = step * static_cast<int64_t>(kBytes);
  for (int64_t j = 0; j < n; ++j, dst += kBytes, src += src_step) std::memcpy(dst, src, kBytes);
}

template <size_t kBytes>
void Copy(KernelContext& ctx, const Loops& loops, const char* in, char* out) {
  const size_t outer_dims = loops.count.size() - 1;
  const int64_t inner = loops.count.back();
  const int64_t inner_step = loops.step.back();
  int64_t rows = 1;
  for (size_t d = 0; d < outer_dims; ++d) rows *= loops.count[d];
  if (rows == 1 && inner_step == 1) {
    // One contiguous run (an identity, a new axis, a whole leading range):
    // split its copy between the threads rather than leave it to one.
    const char* src = in + loops.base * static_cast<int64_t>(kBytes);
    ctx.ParallelFor(inner, 1, [&](int64_t first, int64_t last) {
      std::memcpy(out + static_cast<size_t>(first) * kBytes, src + static_cast<size_t>(first) * kBytes,
                  static_cast<size_t>(last - first) * kBytes);
    });
    return;
  }
  ctx.ParallelFor(rows, inner + 10, [&](int64_t first, int64_t last) {
    // Position of row `first` in the outer loops, then advanced like an odometer.
    std::vector<int64_t> index(outer_dims, 0);
    int64_t offset = loops.base;
    for (int64_t rest = first, d = static_cast<int64_t>(outer_dims) - 1; d >= 0; --d) {
      const auto u = static_cast<size_t>(d);
      index[u] = rest % loops.count[u];
      rest /= loops.count[u];
      offset += index[u] * loops.step[u];
    }
    for (int64_t row = first; row < last; ++row) {
      char* dst = out + static_cast<size_t>(row * inner) * kBytes;
      const char* src = in + offset * static_cast<int64_t>(kBytes);
      CopyRow<kBytes>(src, dst, inner, inner_step);
      for (size_t d = outer_dims; d-- > 0;) {
        offset += loops.step[d];
        if (++index[d] < loops.count[d]) break;
        offset -= loops.count[d] * loops.step[d];
        index[d] = 0;
      }
    }
  });
}

Status StridedSliceKernel(KernelContext& ctx, const StridedSliceParams& p) {
  const ConstTensor& input = ctx.input(0);
  DenseSlice slice;
  OPBRIDGE_RETURN_IF_ERROR(Plan(input.shape(), ctx.input(1), ctx.input(2), ctx.input(3), p, &slice));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, slice.output));
  const Tensor& output = ctx.output(0);
  OPBRIDGE_REQUIRE(output.shape().dims() == slice.output.dims(), "output has shape ", output.shape().ToString(),
                   ", expected ", slice.output.ToString());
  const int64_t bytes = DTypeSize(input.dtype());
  OPBRIDGE_REQUIRE(bytes > 0, "dtype ", DTypeName(input.dtype()), " cannot be sliced");
  if (output.num_elements() == 0) return Status::Ok();

  if (input.rank() > kMaxKernelRank) {
    // TF copies these only through its shortcuts: the identity, or whole rows
    // of dim 0 when a row's bytes are a multiple of Eigen's alignment.
    const int64_t row_bytes = input.num_elements() / input.dim(0) * bytes;
    const bool dim0_aligned = slice.slice_dim0 && row_bytes % kTfAlignBytes == 0;
    OPBRIDGE_REQUIRE(slice.is_identity || dim0_aligned, "Unhandled input dimensions ", input.rank(),
                     " (input 'input' has shape ", TfShape(input.shape()), "; TF slices at most ", kMaxKernelRank,
                     " dimensions)");
  }
  const Loops loops = MakeLoops(input.shape(), slice);
  const char* in = input.data<char>();
  auto* out = output.data<char>();
  switch (bytes) {
    case 1: Copy<1>(ctx, loops, in, out); break;
    case 2: Copy<2>(ctx, loops, in, out); break;
    case 4: Copy<4>(ctx, loops, in, out); break;
    case 8: Copy<8>(ctx, loops, in, out); break;
    case 16: Copy<16>(ctx, loops, in, out); break;
    default: return Errorf("no copy for elements of ", bytes, " bytes");
  }
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("StridedSlice")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Strided slice with begin/end/ellipsis/new-axis/shrink-axis masks (Python "
                              "indexing, tf.strided_slice); the custom op the converter leaves for new axes and "
                              "indices on tensors of unknown shape.")
                         .Input("input: T")
                         .Input("begin: Index")
                         .Input("end: Index")
                         .Input("strides: Index")
                         .Output("output: T")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, complex64, complex128}")
                         .Attr("Index: {int16, int32, int64}")
                         .Params<StridedSliceParams>()
                         .MayForwardInput()
                         .ShapeRule(StridedSliceShape)
                         .Kernel(StridedSliceKernel));

}  // namespace
}  // namespace opbridge
