// IFFT: TF's inverse complex DFT over the inner 1 dim(s) (tf.signal.ifft). TFLite
// has no kernel: the converter emits CUSTOM "IFFT" with {Tcomplex}.
// Shape rule and kernel: complex_fft_kernel.h.
#include "complex_fft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("IFFT")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse complex DFT over the inner 1 dim(s) (tf.signal.ifft), scaled by 1/(the product of those dims).")
                         .Input("input: Tcomplex")
                         .Output("output: Tcomplex")
                         .Params<complex_fft::Params>()
                         .ShapeRule(complex_fft::ShapeRule<1>)
                         .Kernel(complex_fft::Kernel<1, false>));

}  // namespace
}  // namespace opbridge
