// A bounded pool of inspection threads: CRS costs ~1 ms per GET and up to ~55 ms per 64 KB form,
// so libmodsecurity's request phases run here, off the workers' event loops; a worker never
// stalls its other connections behind one slow inspection. A job hands its result back with
// WorkerContext::postFromAnyThread (see ModSecurityStage).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rampart::modsec {

class InspectionPool {
 public:
  // `threads` 0 = number of cores.
  InspectionPool(std::size_t threads, std::size_t queue_bound);
  ~InspectionPool();  // drops queued jobs (destroying them), joins the threads
  InspectionPool(const InspectionPool&) = delete;
  InspectionPool& operator=(const InspectionPool&) = delete;

  // Queues `job`; false when `queue_bound` jobs are already waiting (the caller answers 503).
  bool trySubmit(std::function<void()> job);
  void setQueueBound(std::size_t bound);
  std::size_t threads() const { return threads_.size(); }

  // The process's pool, started on first use with the first config's sizes; a reload can change
  // the queue bound but not the thread count.
  static InspectionPool& process(std::size_t threads, std::size_t queue_bound);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::size_t queue_bound_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace rampart::modsec
