#include "adapters/tflite/thread_pool.h"

#include <algorithm>
#include <atomic>

#include "core/float_mode.h"

namespace opbridge {

struct ThreadPool::Job {
  const std::function<void(int64_t, int64_t)>* fn;
  bool flush_denormals;
  int64_t total;
  int64_t chunks;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex mutex;
  std::condition_variable finished;
};

ThreadPool& ThreadPool::Global() {
  // Leaked on purpose: joining workers during static destruction can deadlock
  // with a runtime that is tearing down at the same time.
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::EnsureWorkers(size_t count) {
  // Called with mutex_ held.
  const size_t limit = std::max<size_t>(1, std::thread::hardware_concurrency()) * 2;
  count = std::min(count, limit);
  while (workers_.size() < count) workers_.emplace_back([this] { WorkerLoop(); });
}

// A pause between polls: the sibling hyperthread keeps the core.
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::shared_ptr<Job> job;
    // Poll for a job for up to kSpin, then sleep until one is queued.
    const auto until = std::chrono::steady_clock::now() + kSpin;
    for (int polls = 0; queued_.load(std::memory_order_acquire) == 0; ++polls) {
      CpuRelax();
      if (polls % 64 == 63 && std::chrono::steady_clock::now() > until) break;
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      queued_.fetch_sub(1, std::memory_order_relaxed);
    }
    RunChunks(*job);
  }
}

void ThreadPool::RunChunks(Job& job) {
  const ScopedFloatMode mode(job.flush_denormals);
  for (;;) {
    const int64_t chunk = job.next.fetch_add(1);
    if (chunk >= job.chunks) return;
    const int64_t begin = job.total * chunk / job.chunks;
    const int64_t end = job.total * (chunk + 1) / job.chunks;
    (*job.fn)(begin, end);
    if (job.done.fetch_add(1) + 1 == job.chunks) {
      std::lock_guard<std::mutex> lock(job.mutex);
      job.finished.notify_all();
    }
  }
}

void ThreadPool::ParallelFor(int64_t total, int num_threads, bool flush_denormals,
                             const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t chunks = std::min<int64_t>(total, num_threads);
  if (chunks <= 1) {
    fn(0, total);
    return;
  }
  auto job = std::make_shared<Job>();
  job->fn = &fn;
  job->flush_denormals = flush_denormals;
  job->total = total;
  job->chunks = chunks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    EnsureWorkers(static_cast<size_t>(chunks - 1));
    for (int64_t k = 0; k < chunks - 1; ++k) queue_.push_back(job);
    queued_.fetch_add(chunks - 1, std::memory_order_release);
  }
  wake_.notify_all();
  RunChunks(*job);
  // The workers' last chunks are usually about to finish: poll before sleeping.
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (int polls = 0; job->done.load() != job->chunks; ++polls) {
    CpuRelax();
    if (polls % 64 == 63 && std::chrono::steady_clock::now() > until) break;
  }
  std::unique_lock<std::mutex> lock(job->mutex);
  job->finished.wait(lock, [&] { return job->done.load() == job->chunks; });
}

void TfLiteParallelism::ParallelFor(int64_t total, int64_t cost_per_unit,
                                    const std::function<void(int64_t, int64_t)>& fn) {
  // Below ~50us of work a thread hand-off costs more than it saves.
  constexpr int64_t kMinCostPerThread = 50000;
  const int64_t cost = std::max<int64_t>(1, cost_per_unit);
  const int64_t useful = std::max<int64_t>(1, total * cost / kMinCostPerThread);
  const int threads = static_cast<int>(std::min<int64_t>(num_threads_, useful));
  ThreadPool::Global().ParallelFor(total, threads, flush_denormals_, fn);
}

}  // namespace opbridge
