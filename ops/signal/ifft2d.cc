// IFFT2D: TF's inverse complex DFT over the inner 2 dim(s) (tf.signal.ifft2d). TFLite
// has no kernel: the converter emits CUSTOM "IFFT2D" with {Tcomplex}.
// Shape rule and kernel: complex_fft_kernel.h.
#include "complex_fft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("IFFT2D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse complex DFT over the inner 2 dim(s) (tf.signal.ifft2d), scaled by 1/(the product of those dims).")
                         .Input("input: Tcomplex")
                         .Output("output: Tcomplex")
                         .Params<complex_fft::Params>()
                         .ShapeRule(complex_fft::ShapeRule<2>)
                         .Kernel(complex_fft::Kernel<2, false>));

}  // namespace
}  // namespace opbridge
