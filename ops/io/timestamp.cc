// Timestamp: tf.timestamp(), the wall-clock time in seconds since the Unix
// epoch as a float64 scalar, as TF's kernel (logging_ops.cc) computes it:
// microseconds from the system clock, divided by 1e6. Models use it to time
// their own steps; no two calls agree, so parity is "within the window the
// caller measured" (tests/test_parity_timestamp.py).
#include <chrono>
#include <cstdint>

#include "opbridge/op.h"

namespace opbridge {
namespace {

Status TimestampShape(ShapeContext& ctx) {
  ctx.set_output(0, Shape());
  return Status::Ok();
}

Status TimestampKernel(KernelContext& ctx) {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const int64_t micros = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
  ctx.output(0).data<double>()[0] = static_cast<double>(micros) / 1000000;
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("Timestamp")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Seconds since the Unix epoch, to the microsecond, as a float64 scalar (tf.timestamp).")
                         .Output("ts: double")
                         .ShapeRule(TimestampShape)
                         .Kernel(TimestampKernel));

}  // namespace opbridge
