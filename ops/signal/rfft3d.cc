// RFFT3D: TF's forward real DFT over the inner 3 dim(s) (tf.signal.rfft3d) with
// {Treal, Tcomplex} and fft_length [3] as a second input. Converter:
// CUSTOM "RFFT3D" (no builtin). Shape rule and kernel: rfft_kernel.h.
#include "rfft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("RFFT3D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Forward real DFT over the inner 3 dim(s) of a real tensor (tf.signal.rfft3d); "
                              "fft_length [3] gives the transform lengths.")
                         .Input("input: Treal")
                         .Input("fft_length: int32")
                         .Output("output: Tcomplex")
                         .Params<rfft::Params>()
                         .ShapeRule(rfft::ShapeRule<3>)
                         .Kernel(rfft::Kernel<3>));

}  // namespace
}  // namespace opbridge
