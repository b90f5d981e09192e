#include "detectors/modsecurity/inspection_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

namespace rampart::modsec {

namespace {

std::size_t orCores(std::size_t threads) {
  return threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

InspectionPool::InspectionPool(std::size_t heavy_threads, std::size_t light_threads,
                               std::size_t queue_bound)
    : queue_bound_(queue_bound), light_threads_(orCores(light_threads)) {
  for (std::size_t i = 0; i < light_threads_; ++i) {
    threads_.emplace_back([this] { run(InspectionLane::Light); });
    pthread_setname_np(threads_.back().native_handle(), "rampart-waf-l");
  }
  for (std::size_t i = 0, n = orCores(heavy_threads); i < n; ++i) {
    threads_.emplace_back([this] { run(InspectionLane::Heavy); });
    pthread_setname_np(threads_.back().native_handle(), "rampart-waf-h");
  }
}

InspectionPool::~InspectionPool() {
  std::deque<std::function<void()>> dropped_light;
  std::deque<std::function<void()>> dropped_heavy;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    dropped_light.swap(light_queue_);
    dropped_heavy.swap(heavy_queue_);
  }
  wake_light_.notify_all();
  wake_heavy_.notify_all();
  for (auto& t : threads_) t.join();
  // outside the lock: destroying a job may free a transaction
  dropped_light.clear();
  dropped_heavy.clear();
}

bool InspectionPool::trySubmit(InspectionLane lane, std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& queue = queueOf(lane);
    if (stopping_ || queue.size() >= queue_bound_) return false;
    queue.push_back(std::move(job));
  }
  if (lane == InspectionLane::Light) wake_light_.notify_one();
  // Heavy threads take light jobs too when idle; waking one for a light job costs a spurious
  // wake-up at most.
  wake_heavy_.notify_one();
  return true;
}

void InspectionPool::setQueueBound(std::size_t bound) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_bound_ = bound;
}

void InspectionPool::run(InspectionLane lane) {
  if (lane == InspectionLane::Heavy) {
    // Linux applies PRIO_PROCESS with a thread id to that thread alone. Raising one's own nice
    // value needs no privilege; failure only loses the preference, so it is ignored.
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kHeavyNice);
  }
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (lane == InspectionLane::Light) {
        wake_light_.wait(lock, [this] { return stopping_ || !light_queue_.empty(); });
        if (stopping_) return;
        job = std::move(light_queue_.front());
        light_queue_.pop_front();
      } else {
        wake_heavy_.wait(lock, [this] {
          return stopping_ || !heavy_queue_.empty() || !light_queue_.empty();
        });
        if (stopping_) return;
        auto& queue = heavy_queue_.empty() ? light_queue_ : heavy_queue_;
        job = std::move(queue.front());
        queue.pop_front();
      }
    }
    job();
  }
}

InspectionPool& InspectionPool::process(std::size_t heavy_threads, std::size_t light_threads,
                                        std::size_t queue_bound) {
  static InspectionPool pool(heavy_threads, light_threads, queue_bound);
  pool.setQueueBound(queue_bound);
  return pool;
}

}  // namespace rampart::modsec
