// Shared shape rule and kernel of FFT, IFFT, FFT2D, IFFT2D, FFT3D and IFFT3D
// (TF's tf.signal.fft/ifft/fft2d/...): complex DFTs over the inner `Rank` dims
// of `input` [..., d_1, ..., d_Rank], complex64 or complex128, computed in
// double (complex64 rounded once per axis), but complex64 in float, as TF's
// DUCC kernel computes it, at the lengths fft::TransformsComplex64InFloat
// names (fft_axes.h). The output has the input's shape; the inverse
// transforms are scaled by 1/(d_1 * ... * d_Rank), before the last rounding.
#pragma once

#include <algorithm>
#include <complex>
#include <cstdint>

#include "fft.h"
#include "fft_axes.h"
#include "opbridge/op.h"

namespace opbridge {
namespace complex_fft {

struct Params {
  DType tcomplex = DType::kComplex64;

  static void Declare(ParamBinder& b, Params& p) {
    b.Attr("Tcomplex: {complex64, complex128} = DT_COMPLEX64", &p.tcomplex);
  }
};

template <int Rank>
Status ShapeRule(ShapeContext& ctx, const Params&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, Rank));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

template <typename Real, int Rank, bool Forward>
Status Compute(KernelContext& ctx) {
  using Complex = std::complex<Real>;
  const ConstTensor& input = ctx.input(0);
  const Shape& shape = input.shape();
  OPBRIDGE_REQUIRE(shape.rank() >= Rank, "Input must have rank of at least ", Rank, " but got: ",
                   shape.ToString());
  const int64_t count = input.num_elements();
  if (count == 0) return Status::Ok();
  const Complex* in = input.data<Complex>();
  Complex* out = ctx.output(0).data<Complex>();

  const int r = shape.rank();
  int64_t outer = count, total = 1;
  for (int i = 0; i < Rank; ++i) total *= shape.dim(r - Rank + i);
  outer /= total;
  // Axis i of the transform: [outer * d_1 * ... * d_{i-1}, d_i, d_{i+1} * ... * d_Rank].
  // Length-1 axes are the identity; the scale goes with the last axis transformed.
  const double scale = Forward ? 1.0 : 1.0 / static_cast<double>(total);
  int last = Rank - 1;
  while (last > 0 && shape.dim(r - Rank + last) == 1) --last;
  // The first axis transformed reads the input (its lines cover every
  // element): no copy to the output first. Axis `last` is always transformed.
  int64_t stride = total;
  const Complex* src = in;
  for (int i = 0; i < Rank; ++i) {
    const int64_t len = shape.dim(r - Rank + i);
    stride /= len;
    if (len > 1 || i == last) {
      fft::TransformAxis<Real>(ctx, out, outer, len, stride, !Forward, i == last ? scale : 1.0, src);
      src = out;
    }
    outer *= len;
  }
  return Status::Ok();
}

template <int Rank, bool Forward>
Status Kernel(KernelContext& ctx, const Params& p) {
  return Dispatch<std::complex<float>, std::complex<double>>(p.tcomplex, [&](auto tag) {
    using Real = typename decltype(tag)::type::value_type;
    return Compute<Real, Rank, Forward>(ctx);
  });
}

}  // namespace complex_fft
}  // namespace opbridge
