// Shared shape rule and kernel of RFFT, RFFT2D and RFFT3D (TF's
// tf.signal.rfft/rfft2d/rfft3d ops): the forward real DFT over the inner
// `Rank` dims of `input` [..., d_1, ..., d_Rank] (float or double), with
// fft_length = [n_1, ..., n_Rank] (int32):
//   - inner dims longer than n_i are cropped, as TF's kernel does; shorter
//     ones are an error (TF's Python wrapper pads them with a Pad op first);
//     empty ones pass and give zeros;
//   - a real DFT over the last axis (its n_Rank/2 + 1 bins), computed in
//     double for both precisions (TF's DUCC kernel computes float in float),
//     then complex DFTs over the others, in the precision
//     fft::TransformAxis chooses;
//   - output [..., n_1, ..., n_{Rank-1}, n_Rank/2 + 1] (0 when n_Rank is 0),
//     complex64 for float, complex128 for double.
// The converter lowers float32 tf.signal.rfft/rfft2d to the builtin RFFT2D,
// which runs power-of-two lengths only; opbridge.convert switches the others
// to this kernel (python/opbridge/fallbacks.py). float64 RFFT2D and every
// RFFT3D stay custom ops.
#pragma once

#include <algorithm>
#include <array>
#include <complex>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "fft.h"
#include "fft_axes.h"
#include "opbridge/op.h"

namespace opbridge {
namespace rfft {

using Params = fft::RealComplexParams;  // Treal, Tcomplex (fft.h)

inline Status CheckTypes(const Params& p) {
  const bool single = p.treal == DType::kFloat32 && p.tcomplex == DType::kComplex64;
  const bool twice = p.treal == DType::kFloat64 && p.tcomplex == DType::kComplex128;
  OPBRIDGE_REQUIRE(single || twice, "Wrong types for forward real FFT: in=", DTypeName(p.treal),
                   " out=", DTypeName(p.tcomplex), " (float gives complex64, double complex128)");
  return Status::Ok();
}

// Reads and checks fft_length and the input dims against it; returns the output shape.
template <int Rank>
Status OutputShape(const Shape& input, const ConstTensor& fft_length, std::array<int64_t, Rank>* lengths,
                   Shape* output) {
  OPBRIDGE_REQUIRE(fft_length.rank() == 1 && fft_length.dim(0) == Rank, "fft_length must have shape [", Rank,
                   "], got ", fft_length.shape().ToString());
  OPBRIDGE_REQUIRE(input.rank() >= Rank, "Input must have rank of at least ", Rank, " but got: ",
                   input.ToString());
  *output = input;
  const int32_t* values = fft_length.data<int32_t>();
  for (int i = 0; i < Rank; ++i) {
    const int64_t n = values[i];
    OPBRIDGE_REQUIRE(n >= 0, "fft_length[", i, "] must >= 0, but got: ", n);
    (*lengths)[static_cast<size_t>(i)] = n;
    const int axis = input.rank() - Rank + i;
    OPBRIDGE_REQUIRE(input.dim(axis) == 0 || input.dim(axis) >= n, "Input dimension ", axis,
                     " must have length of at least ", n, " but got: ", input.dim(axis));
    output->set_dim(axis, i == Rank - 1 && n != 0 ? n / 2 + 1 : n);
  }
  return Status::Ok();
}

template <int Rank>
Status ShapeRule(ShapeContext& ctx, const Params& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckTypes(p));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, Rank));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireDimEquals(1, 0, Rank));
  const Shape& input = ctx.input(0);
  const ConstTensor* fft_length = ctx.input_value(1);
  if (fft_length != nullptr && input.fully_known()) {
    std::array<int64_t, Rank> lengths;
    Shape output;
    OPBRIDGE_RETURN_IF_ERROR(OutputShape<Rank>(input, *fft_length, &lengths, &output));
    ctx.set_output(0, output);
    return Status::Ok();
  }
  ctx.set_output(0, input.rank_known() ? input : Shape::UnknownRank());
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

template <typename Real, int Rank>
Status Compute(KernelContext& ctx) {
  using Complex = std::complex<Real>;
  const ConstTensor& input = ctx.input(0);
  std::array<int64_t, Rank> n;
  Shape out_shape;
  OPBRIDGE_RETURN_IF_ERROR(OutputShape<Rank>(input.shape(), ctx.input(1), &n, &out_shape));
  if (!ctx.output(0).shape().rank_known()) {
    // fft_length was not a constant: the shape rule left the output dynamic.
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, out_shape));
  }
  const Tensor& output = ctx.output(0);
  OPBRIDGE_REQUIRE(output.shape().dims() == out_shape.dims(), "output has shape ", output.shape().ToString(),
                   ", expected ", out_shape.ToString());
  const int64_t out_count = out_shape.num_elements();
  if (out_count == 0) return Status::Ok();
  Complex* out = output.data<Complex>();
  if (input.num_elements() == 0) {
    // An empty inner input dim: TF leaves the output uninitialised; the DFT of no samples is 0.
    std::fill(out, out + out_count, Complex(0));
    return Status::Ok();
  }

  const Real* in = input.data<Real>();
  const int r = input.rank();
  const int64_t len = n[Rank - 1], half = len / 2 + 1;
  // Rows of the cropped input: [batch, n_1, ..., n_{Rank-1}], each read from
  // the first len values of an input row and written to an output row.
  std::array<int64_t, Rank> in_stride;
  int64_t in_block = 1;
  for (int i = Rank - 1; i >= 0; --i) {
    in_stride[static_cast<size_t>(i)] = in_block;
    in_block *= input.dim(r - Rank + i);
  }
  int64_t rows_per_batch = 1;
  for (int i = 0; i < Rank - 1; ++i) rows_per_batch *= n[static_cast<size_t>(i)];
  const int64_t rows = out_count / half;
  const auto row_input = [&](int64_t row) {
    const int64_t b = row / rows_per_batch;
    int64_t rest = row % rows_per_batch, offset = b * in_block;
    for (int i = Rank - 2; i >= 0; --i) {
      offset += (rest % n[static_cast<size_t>(i)]) * in_stride[static_cast<size_t>(i)];
      rest /= n[static_cast<size_t>(i)];
    }
    return in + offset;
  };
  {
    using W = double;  // for both precisions, as fft::TransformAxis
    const std::shared_ptr<const fft::RealForwardPlan<W>> plan = fft::SharedPlan<fft::RealForwardPlan<W>>(len);
    const int64_t groups = (rows + fft::kLanes - 1) / fft::kLanes;
    ctx.ParallelFor(groups, len * 20 * fft::kLanes, [&](int64_t begin, int64_t end) {
      fft::RealWorkspace<W> ws;
      const Real* sources[fft::kLanes];
      Complex* targets[fft::kLanes];
      for (int64_t g = begin; g < end; ++g) {
        const int64_t first = g * fft::kLanes;
        if (first + fft::kLanes <= rows) {
          for (int l = 0; l < fft::kLanes; ++l) {
            sources[l] = row_input(first + l);
            targets[l] = out + (first + l) * half;
          }
          plan->template Transform<fft::kLanes>(sources, targets, &ws);
        } else {
          for (int64_t row = first; row < rows; ++row) {
            sources[0] = row_input(row);
            targets[0] = out + row * half;
            plan->template Transform<1>(sources, targets, &ws);
          }
        }
      }
    });
  }

  // Complex DFTs along the other transformed axes, in place in the output.
  int64_t outer = rows / rows_per_batch, stride = rows_per_batch * half;
  for (int i = 0; i < Rank - 1; ++i) {
    const int64_t axis_len = n[static_cast<size_t>(i)];
    stride /= axis_len;
    // A length-1 DFT is the identity (unscaled): skip the pass over the whole
    // output (the converter's RFFT2D for a 1-D rfft has fft_length [1, n]).
    if (axis_len > 1) fft::TransformAxis<Real>(ctx, out, outer, axis_len, stride, false);
    outer *= axis_len;
  }
  return Status::Ok();
}

template <int Rank>
Status Kernel(KernelContext& ctx, const Params& p) {
  return Dispatch<float, double>(p.treal,
                                 [&](auto tag) { return Compute<typename decltype(tag)::type, Rank>(ctx); });
}

}  // namespace rfft
}  // namespace opbridge
