// IFFT3D: TF's inverse complex DFT over the inner 3 dim(s) (tf.signal.ifft3d). TFLite
// has no kernel: the converter emits CUSTOM "IFFT3D" with {Tcomplex}.
// Shape rule and kernel: complex_fft_kernel.h.
#include "complex_fft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("IFFT3D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse complex DFT over the inner 3 dim(s) (tf.signal.ifft3d), scaled by 1/(the product of those dims).")
                         .Input("input: Tcomplex")
                         .Output("output: Tcomplex")
                         .Params<complex_fft::Params>()
                         .ShapeRule(complex_fft::ShapeRule<3>)
                         .Kernel(complex_fft::Kernel<3, false>));

}  // namespace
}  // namespace opbridge
