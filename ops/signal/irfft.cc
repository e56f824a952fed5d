// IRFFT: TF's inverse real DFT over the inner 1 dim(s) (tf.signal.irfft). TFLite
// has no kernel: the converter emits CUSTOM "IRFFT" with {Tcomplex, Treal}
// and fft_length as a second input. Shape rule and kernel: irfft_kernel.h.
#include "irfft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("IRFFT")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse real DFT over the inner 1 dim(s) of a complex tensor (tf.signal.irfft); "
                              "fft_length [1] gives the output lengths.")
                         .Input("input: Tcomplex")
                         .Input("fft_length: int32")
                         .Output("output: Treal")
                         .Params<irfft::Params>()
                         .ShapeRule(irfft::ShapeRule<1>)
                         .Kernel(irfft::Kernel<1>));

}  // namespace
}  // namespace opbridge
