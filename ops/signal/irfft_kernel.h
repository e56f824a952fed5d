// Shared shape rule and kernel of IRFFT, IRFFT2D and IRFFT3D (TF's
// tf.signal.irfft/irfft2d/irfft3d ops): the inverse real DFT over the inner
// `Rank` dims of `input` [..., d_1, ..., d_Rank] (complex), with
// fft_length = [n_1, ..., n_Rank] (int32):
//   - inner dims longer than needed are cropped (n_i for i < Rank, n_Rank/2+1
//     for the last), as TF's kernel does; shorter ones are an error (TF's
//     Python wrapper pads them with a Pad op before IRFFT);
//   - complex inverse DFTs over axes 1..Rank-1, then a real inverse DFT over
//     the last, scaled by 1/(n_1 * ... * n_Rank);
//   - output [..., n_1, ..., n_Rank], real of the matching precision.
// fft_length is usually a constant: the output shape is then known at
// prepare; otherwise the output is allocated at run time.
#pragma once

#include <array>
#include <complex>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "fft.h"
#include "fft_axes.h"
#include "opbridge/op.h"

namespace opbridge {
namespace irfft {

// The type attrs of IRFFT, IRFFT2D and IRFFT3D (fft.h): the kernel computes
// in Treal's precision, and the shape rule checks Tcomplex matches it.
using Params = fft::RealComplexParams;

inline Status CheckTypes(const Params& p) {
  const DType complex_type = p.tcomplex;
  const DType real_type = p.treal;
  const bool single = complex_type == DType::kComplex64 && real_type == DType::kFloat32;
  const bool twice = complex_type == DType::kComplex128 && real_type == DType::kFloat64;
  OPBRIDGE_REQUIRE(single || twice, "Wrong types for backward real FFT: in=", DTypeName(complex_type),
                   " out=", DTypeName(real_type), " (complex64 gives float, complex128 double)");
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
    OPBRIDGE_REQUIRE(values[i] >= 0, "fft_length[", i, "] must >= 0, but got: ", values[i]);
    (*lengths)[static_cast<size_t>(i)] = values[i];
    const int axis = input.rank() - Rank + i;
    const int64_t needed = i == Rank - 1 ? values[i] / 2 + 1 : values[i];
    OPBRIDGE_REQUIRE(input.dim(axis) == 0 || input.dim(axis) >= needed, "Input dimension ", axis,
                     " must have length of at least ", needed, " but got: ", input.dim(axis));
    output->set_dim(axis, values[i]);
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
  Real* out = output.data<Real>();
  if (input.num_elements() == 0) {
    // TF leaves such an output uninitialised; zeros are the sum of nothing.
    std::fill(out, out + out_count, Real(0));
    return Status::Ok();
  }

  using InComplex = std::complex<Real>;
  const InComplex* in = input.data<InComplex>();
  const int r = input.rank();
  int64_t batch = 1;
  for (int d = 0; d < r - Rank; ++d) batch *= input.dim(d);
  const int64_t len = n[Rank - 1];
  double total = 1.0;
  for (int64_t d : n) total *= static_cast<double>(d);
  const auto scale = static_cast<Real>(1.0 / total);
  constexpr int kGroup = fft::GroupLanes<Real>();

  if (Rank == 1) {
    // Rows straight from the input (its rows may be longer than len/2 + 1),
    // kGroup at a time.
    const int64_t in_row = input.dim(r - 1);
    const auto plan = fft::SharedPlan<fft::RealInversePlan<InComplex, Real>>(len);
    const int64_t groups = (batch + kGroup - 1) / kGroup;
    ctx.ParallelFor(groups, len * 20 * kGroup, [&](int64_t begin, int64_t end) {
      fft::RealWorkspace<Real> ws;
      for (int64_t g = begin; g < end; ++g) {
        const int64_t row = g * kGroup;
        if (row + kGroup <= batch) {
          plan->template Transform<kGroup>(in + row * in_row, in_row, out + row * len, len, scale, &ws);
        } else {
          for (int64_t rest = row; rest < batch; ++rest) {
            plan->template Transform<1>(in + rest * in_row, in_row, out + rest * len, len, scale, &ws);
          }
        }
      }
    });
    return Status::Ok();
  }

  // The cropped input: [batch, n_1, ..., n_{Rank-1}, half].
  const int64_t half = len / 2 + 1;
  std::array<int64_t, Rank> work_dims;
  for (int i = 0; i < Rank - 1; ++i) work_dims[static_cast<size_t>(i)] = n[static_cast<size_t>(i)];
  work_dims[Rank - 1] = half;
  int64_t block = 1;
  for (int64_t d : work_dims) block *= d;
  using Work = std::complex<Real>;
  // Kept per thread between invokes and only grown: every value used is
  // written below first, and a fresh buffer each call cost its page faults.
  thread_local std::vector<Work> work;
  if (work.size() < static_cast<size_t>(batch * block)) work.resize(static_cast<size_t>(batch * block));
  Work* const buffer = work.data();  // the tasks below run on other threads: not their own `work`

  // Input strides of the inner dims (elements), the input being row-major.
  std::array<int64_t, Rank> in_stride;
  int64_t in_block = 1;
  for (int i = Rank - 1; i >= 0; --i) {
    in_stride[static_cast<size_t>(i)] = in_block;
    in_block *= input.dim(r - Rank + i);
  }
  const int64_t rows = batch * (block / half);
  // An input that needs no cropping has the buffer's layout: the first
  // complex axis then reads it in place of a copy (the copy was 4% of
  // IRFFT3D c64 [2,32,64,65]).
  bool cropped = false;
  for (int i = 0; i < Rank; ++i) cropped = cropped || input.dim(r - Rank + i) != work_dims[static_cast<size_t>(i)];
  const bool read_input = !cropped && work_dims[0] > 1;
  if (!read_input) {
    ctx.ParallelFor(rows, half * 4, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t b = row / (block / half);
        int64_t rest = row % (block / half);
        int64_t offset = b * in_block;
        for (int i = Rank - 2; i >= 0; --i) {
          offset += (rest % work_dims[static_cast<size_t>(i)]) * in_stride[static_cast<size_t>(i)];
          rest /= work_dims[static_cast<size_t>(i)];
        }
        std::copy(in + offset, in + offset + half, buffer + row * half);
      }
    });
  }

  // Complex inverse DFTs along the outer transformed axes, kGroup lines at a
  // time, in Real's precision (fft_axes.h with W = Real, no scale).
  for (int axis = 0; axis < Rank - 1; ++axis) {
    const int64_t axis_len = work_dims[static_cast<size_t>(axis)];
    if (axis_len <= 1) continue;
    int64_t stride = 1;
    for (int i = axis + 1; i < Rank; ++i) stride *= work_dims[static_cast<size_t>(i)];
    const int64_t lines = batch * (block / axis_len);
    fft::TransformLines<Real>(ctx, buffer, lines / stride, axis_len, stride, true, 1.0,
                              axis == 0 && read_input ? in : nullptr);
  }

  // Real inverse DFTs along the last axis, scaled, kGroup rows at a time.
  const auto last_plan = fft::SharedPlan<fft::RealInversePlan<Work, Real>>(len);
  const int64_t groups = (rows + kGroup - 1) / kGroup;
  ctx.ParallelFor(groups, len * 20 * kGroup, [&](int64_t begin, int64_t end) {
    fft::RealWorkspace<Real> ws;
    for (int64_t g = begin; g < end; ++g) {
      const int64_t row = g * kGroup;
      if (row + kGroup <= rows) {
        last_plan->template Transform<kGroup>(buffer + row * half, half, out + row * len, len, scale, &ws);
      } else {
        for (int64_t rest = row; rest < rows; ++rest) {
          last_plan->template Transform<1>(buffer + rest * half, half, out + rest * len, len, scale, &ws);
        }
      }
    }
  });
  return Status::Ok();
}

template <int Rank>
Status Kernel(KernelContext& ctx, const Params& p) {
  return Dispatch<float, double>(p.treal,
                                 [&](auto tag) { return Compute<typename decltype(tag)::type, Rank>(ctx); });
}

}  // namespace irfft
}  // namespace opbridge
