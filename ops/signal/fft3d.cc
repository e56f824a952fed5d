// FFT3D: TF's forward complex DFT over the inner 3 dim(s) (tf.signal.fft3d). TFLite
// has no kernel: the converter emits CUSTOM "FFT3D" with {Tcomplex}.
// Shape rule and kernel: complex_fft_kernel.h.
#include "complex_fft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("FFT3D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Forward complex DFT over the inner 3 dim(s) (tf.signal.fft3d).")
                         .Input("input: Tcomplex")
                         .Output("output: Tcomplex")
                         .Params<complex_fft::Params>()
                         .ShapeRule(complex_fft::ShapeRule<3>)
                         .Kernel(complex_fft::Kernel<3, true>));

}  // namespace
}  // namespace opbridge
