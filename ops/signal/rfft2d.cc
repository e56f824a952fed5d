// RFFT2D: TF's forward real DFT over the inner 2 dims (tf.signal.rfft2d) with
// {Treal, Tcomplex} and fft_length [2] as a second input. float64: the
// converter emits CUSTOM "RFFT2D". float32 (rfft2d, and rfft reshaped to
// [..., 1, n] with fft_length [1, n], as in stft): the builtin RFFT2D, which
// runs powers of two only; opbridge.convert switches the other nodes (and
// those whose fft_length is computed) to this kernel
// (python/opbridge/fallbacks.py). Shape rule and kernel: rfft_kernel.h.
#include "rfft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("RFFT2D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Forward real DFT over the inner 2 dim(s) of a real tensor (tf.signal.rfft2d); "
                              "fft_length [2] gives the transform lengths.")
                         .Input("input: Treal")
                         .Input("fft_length: int32")
                         .Output("output: Tcomplex")
                         .Params<rfft::Params>()
                         .ShapeRule(rfft::ShapeRule<2>)
                         .Kernel(rfft::Kernel<2>));

}  // namespace
}  // namespace opbridge
