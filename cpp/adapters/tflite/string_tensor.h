// TFLite's string tensors, read and written by us from the public format
// (tensorflow/lite/string_util.h): an int32 count N, N + 1 int32 offsets
// from the buffer's start (the last is the buffer's length), then the bytes.
// The runtime's own reader checks nothing; ours checks everything before a
// kernel sees a byte, since a model's or caller's buffer may claim anything.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adapters/tflite/abi.h"
#include "opbridge/shape.h"
#include "opbridge/status.h"

namespace opbridge {

// Views of a string tensor's elements, after checking the whole buffer
// against `shape`. `name` is the input's name, for errors.
Status StringViews(const tflite_abi::TfLiteTensor* tensor, const Shape& shape, const std::string& name,
                   std::vector<std::string_view>* out);

// The most strings an output may hold: each needs a 4-byte offset in a
// buffer whose offsets are int32. Checked before a kernel allocates them.
Status CheckStringCount(int64_t n, const std::string& name);

// Serializes an output's elements into a new buffer and hands it to `tensor`
// (a string tensor, which TFLite always allocates as kTfLiteDynamic and frees
// with free()), with dims `shape`. Element k is (*views)[k] where the kernel
// set that view, else strings[k] (opbridge/tensor.h); the views are
// overwritten with what was written. Refuses totals past int32 offsets and
// tensors the runtime did not make dynamic.
Status WriteStrings(tflite_abi::TfLiteContext* context, tflite_abi::TfLiteTensor* tensor, const Shape& shape,
                    const std::vector<std::string>& strings, std::vector<std::string_view>* views,
                    const std::string& name);

}  // namespace opbridge
