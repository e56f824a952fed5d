// Items 0..n-1 through a function returning Status, on the interpreter's
// threads; the error, if any, is the first failing item's, as a serial loop
// reports it (each item is computed alone, so results do not depend on the
// split). For string ops whose items are independent: TF runs most of them on
// one thread, and their per-string work is most of their time.
#pragma once

#include <cstdint>
#include <mutex>
#include <utility>

#include "opbridge/op.h"

namespace opbridge {
namespace strings {

// `cost`: rough nanoseconds per item (KernelContext::ParallelFor).
template <typename Fn>
Status ParallelEach(const KernelContext& ctx, int64_t n, int64_t cost, Fn fn) {
  std::mutex mutex;
  int64_t first_failed = n;
  Status error;
  ctx.ParallelFor(n, cost, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      Status status = fn(i);
      if (status.ok()) continue;
      std::lock_guard<std::mutex> lock(mutex);
      if (i < first_failed) {
        first_failed = i;
        error = std::move(status);
      }
      return;  // later items of this range cannot come first
    }
  });
  return error;
}

}  // namespace strings
}  // namespace opbridge
