// RFFT: TF's forward real DFT over the inner 1 dim (tf.signal.rfft) with
// {Treal, Tcomplex} and fft_length [1] as a second input. The converter never
// emits it (it lowers tf.signal.rfft to RFFT2D with fft_length [1, n]); the
// kernel serves models that hold the TF op. Shape rule and kernel: rfft_kernel.h.
#include "rfft_kernel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("RFFT")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Forward real DFT over the inner 1 dim(s) of a real tensor (tf.signal.rfft); "
                              "fft_length [1] gives the transform lengths.")
                         .Input("input: Treal")
                         .Input("fft_length: int32")
                         .Output("output: Tcomplex")
                         .Params<rfft::Params>()
                         .ShapeRule(rfft::ShapeRule<1>)
                         .Kernel(rfft::Kernel<1>));

}  // namespace
}  // namespace opbridge
