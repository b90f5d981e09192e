#include "detectors/modsecurity/inspection_pool.h"

#include <pthread.h>

#include <memory>

namespace rampart::modsec {

InspectionPool::InspectionPool(std::size_t threads, std::size_t queue_bound)
    : queue_bound_(queue_bound) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { run(); });
    pthread_setname_np(threads_.back().native_handle(), "rampart-waf");
  }
}

InspectionPool::~InspectionPool() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  dropped.clear();  // outside the lock: destroying a job may free a transaction
}

bool InspectionPool::trySubmit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= queue_bound_) return false;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void InspectionPool::setQueueBound(std::size_t bound) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_bound_ = bound;
}

void InspectionPool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

InspectionPool& InspectionPool::process(std::size_t threads, std::size_t queue_bound) {
  static InspectionPool pool(threads, queue_bound);
  pool.setQueueBound(queue_bound);
  return pool;
}

}  // namespace rampart::modsec
