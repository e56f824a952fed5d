// IRFFT3D: TF's inverse real DFT over the inner 3 dim(s) (tf.signal.irfft3d). TFLite
// has no kernel: the converter emits CUSTOM "IRFFT3D" with {Tcomplex, Treal}
// and fft_length as a second input. Shape rule and kernel: irfft_kernel.h.
#include "irfft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("IRFFT3D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse real DFT over the inner 3 dim(s) of a complex tensor (tf.signal.irfft3d); "
                              "fft_length [3] gives the output lengths.")
                         .Input("input: Tcomplex")
                         .Input("fft_length: int32")
                         .Output("output: Treal")
                         .Params<irfft::Params>()
                         .ShapeRule(irfft::ShapeRule<3>)
                         .Kernel(irfft::Kernel<3>));

}  // namespace
}  // namespace opbridge
