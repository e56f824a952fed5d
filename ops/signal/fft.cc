// FFT: TF's forward complex DFT over the inner 1 dim(s) (tf.signal.fft). TFLite
// has no kernel: the converter emits CUSTOM "FFT" with {Tcomplex}.
// Shape rule and kernel: complex_fft_kernel.h.
#include "complex_fft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("FFT")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Forward complex DFT over the inner 1 dim(s) (tf.signal.fft).")
                         .Input("input: Tcomplex")
                         .Output("output: Tcomplex")
                         .Params<complex_fft::Params>()
                         .ShapeRule(complex_fft::ShapeRule<1>)
                         .Kernel(complex_fft::Kernel<1, true>));

}  // namespace
}  // namespace opbridge
