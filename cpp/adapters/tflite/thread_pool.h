// The worker threads behind KernelContext::ParallelFor in TFLite.
//
// TFLite gives a kernel only a thread count (recommended_num_threads), not
// threads, so opbridge keeps one process-wide pool. Many interpreters may
// invoke at once (invoke releases the GIL), so the caller always works on its
// own job too: it never waits on workers that are busy elsewhere, it finishes
// the remaining chunks itself.
//
// A worker that finds the queue empty polls it for a short while before it
// sleeps (kSpin), as TF's Eigen pool does: a kernel's consecutive
// ParallelFor calls (one per phase, per axis, per pass) then reach a worker
// within a microsecond instead of a futex wake-up, which on a VM costs tens
// of microseconds, as much as a small kernel's whole half of the work.
#pragma once

#include <atomic>
#include <chrono>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {

class ThreadPool {
 public:
  static ThreadPool& Global();
  ~ThreadPool();

  // Runs fn over [0, total) in up to `num_threads` chunks, the caller included.
  // Workers run their chunks in the caller's float mode (flush_denormals).
  void ParallelFor(int64_t total, int num_threads, bool flush_denormals,
                   const std::function<void(int64_t, int64_t)>& fn);

 private:
  struct Job;
  ThreadPool() = default;
  void EnsureWorkers(size_t count);
  void WorkerLoop();
  static void RunChunks(Job& job);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
  std::atomic<int64_t> queued_{0};  // queue_.size(), readable without the mutex while polling
  static constexpr std::chrono::microseconds kSpin{200};
};

// Parallelism for one TFLite invoke: the context's thread count on the shared pool.
class TfLiteParallelism : public Parallelism {
 public:
  TfLiteParallelism(int num_threads, bool flush_denormals)
      : num_threads_(num_threads < 1 ? 1 : num_threads), flush_denormals_(flush_denormals) {}
  int num_threads() const override { return num_threads_; }
  void ParallelFor(int64_t total, int64_t cost_per_unit,
                   const std::function<void(int64_t, int64_t)>& fn) override;

 private:
  int num_threads_;
  bool flush_denormals_;
};

}  // namespace opbridge
