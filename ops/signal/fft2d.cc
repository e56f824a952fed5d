// FFT2D: TF's forward complex DFT over the inner 2 dim(s) (tf.signal.fft2d). TFLite
// has no kernel: the converter emits CUSTOM "FFT2D" with {Tcomplex}.
// Shape rule and kernel: complex_fft_kernel.h.
#include "complex_fft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("FFT2D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Forward complex DFT over the inner 2 dim(s) (tf.signal.fft2d).")
                         .Input("input: Tcomplex")
                         .Output("output: Tcomplex")
                         .Params<complex_fft::Params>()
                         .ShapeRule(complex_fft::ShapeRule<2>)
                         .Kernel(complex_fft::Kernel<2, true>));

}  // namespace
}  // namespace opbridge
