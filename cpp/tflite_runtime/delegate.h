// An external delegate that runs this library's ops (see delegate.cc).
#pragma once

#include "adapters/tflite/abi.h"

namespace opbridge {

tflite_abi::TfLiteDelegate* CreateDelegate();
void DestroyDelegate(tflite_abi::TfLiteDelegate* delegate);

}  // namespace opbridge
