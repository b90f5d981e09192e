// A bounded pool of inspection threads: CRS costs ~1 ms per GET and up to ~55 ms per 64 KB form,
// so libmodsecurity's request phases run here, off the workers' event loops; a worker never
// stalls its other connections behind one slow inspection. A job hands its result back with
// WorkerContext::postFromAnyThread (see ModSecurityStage).
//
// Two lanes keep cheap inspections fast while expensive ones queue:
// - Light jobs (small requests: a GET, a short JSON call) have threads of their own, so they
//   never wait behind a 64 KB form; heavy threads also take light jobs when they have nothing
//   else to do.
// - Heavy threads run at a lower CPU priority (nice +kHeavyNice), so when the cores are
//   saturated by forms, the event loops and light inspections still get the CPU first; heavy
//   work keeps about a quarter of the share it would have at equal priority, so it is slowed,
//   never starved.
// Each lane has its own bounded queue; a full lane refuses (the stage answers 503).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rampart::modsec {

enum class InspectionLane { Light, Heavy };

class InspectionPool {
 public:
  static constexpr int kHeavyNice = 5;

  // 0 threads = number of cores (per lane).
  InspectionPool(std::size_t heavy_threads, std::size_t light_threads, std::size_t queue_bound);
  ~InspectionPool();  // drops queued jobs (destroying them), joins the threads
  InspectionPool(const InspectionPool&) = delete;
  InspectionPool& operator=(const InspectionPool&) = delete;

  // Queues `job` on `lane`; false when that lane already has `queue_bound` jobs waiting (the
  // caller answers 503).
  bool trySubmit(InspectionLane lane, std::function<void()> job);
  void setQueueBound(std::size_t bound);
  std::size_t threads() const { return threads_.size(); }
  std::size_t threads(InspectionLane lane) const {
    return lane == InspectionLane::Light ? light_threads_ : threads_.size() - light_threads_;
  }

  // The process's pool, started on first use with the first config's sizes; a reload can change
  // the queue bound but not the thread counts.
  static InspectionPool& process(std::size_t heavy_threads, std::size_t light_threads,
                                 std::size_t queue_bound);

 private:
  void run(InspectionLane lane);
  std::deque<std::function<void()>>& queueOf(InspectionLane lane) {
    return lane == InspectionLane::Light ? light_queue_ : heavy_queue_;
  }

  std::mutex mutex_;
  std::condition_variable wake_light_;  // light threads: a light job arrived
  std::condition_variable wake_heavy_;  // heavy threads: any job arrived
  std::deque<std::function<void()>> light_queue_;
  std::deque<std::function<void()>> heavy_queue_;
  std::size_t queue_bound_;
  bool stopping_ = false;
  std::size_t light_threads_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace rampart::modsec
