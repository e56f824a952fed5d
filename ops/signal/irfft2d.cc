// IRFFT2D: TF's inverse real DFT over the inner 2 dim(s) (tf.signal.irfft2d). TFLite
// has no kernel: the converter emits CUSTOM "IRFFT2D" with {Tcomplex, Treal}
// and fft_length as a second input. Shape rule and kernel: irfft_kernel.h.
#include "irfft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("IRFFT2D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse real DFT over the inner 2 dim(s) of a complex tensor (tf.signal.irfft2d); "
                              "fft_length [2] gives the output lengths.")
                         .Input("input: Tcomplex")
                         .Input("fft_length: int32")
                         .Output("output: Treal")
                         .Params<irfft::Params>()
                         .ShapeRule(irfft::ShapeRule<2>)
                         .Kernel(irfft::Kernel<2>));

}  // namespace
}  // namespace opbridge
