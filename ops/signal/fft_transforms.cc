// Plan<S>::Transform, defined and instantiated once for the FFT ops (fft.h
// says why): S float or double, L 1 (single sequences) or kLanes (batches).
// Registers no op; a selective build links it for any FFT op that calls it.
#include "fft.h"

namespace opbridge {
namespace fft {

template <typename S>
template <int L>
void Plan<S>::Transform(S* re, S* im, bool inverse, Workspace<S>* ws, double scale) const {
#if defined(__x86_64__)
  if (n_ > 1 && math::UseAvx2()) {
    TransformAvx2<L>(re, im, inverse, ws, scale);
    return;
  }
#endif
  TransformBaseline<L>(re, im, inverse, ws, scale);
}

// Not inlined into Transform: Bluestein's kernel calls it too, and one copy serves both.
template <typename S>
template <int L>
__attribute__((noinline)) void Plan<S>::TransformBaseline(S* re, S* im, bool inverse, Workspace<S>* ws,
                                                          double scale) const {
  if (n_ <= 1) {
    // The DFT of one value is itself; the scale still applies.
    for (int64_t i = 0; scale != 1.0 && i < n_ * L; ++i) {
      re[i] = static_cast<S>(static_cast<double>(re[i]) * scale);
      im[i] = static_cast<S>(static_cast<double>(im[i]) * scale);
    }
    return;
  }
  Run<L, 16>(re, im, inverse, ws, scale);
}

template void Plan<float>::Transform<1>(float*, float*, bool, Workspace<float>*, double) const;
template void Plan<float>::Transform<kLanes>(float*, float*, bool, Workspace<float>*, double) const;
template void Plan<float>::Transform<2 * kLanes>(float*, float*, bool, Workspace<float>*, double) const;
template void Plan<double>::Transform<1>(double*, double*, bool, Workspace<double>*, double) const;
template void Plan<double>::Transform<kLanes>(double*, double*, bool, Workspace<double>*, double) const;
template void Plan<double>::TransformBaseline<1>(double*, double*, bool, Workspace<double>*, double) const;

}  // namespace fft
}  // namespace opbridge
