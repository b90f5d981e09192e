// A worker thread: one libev loop, its own SO_REUSEPORT listening sockets, every connection it
// accepts, its upstream pools. Other threads talk to it only through post().
#pragma once

#include <ev.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "proxy/downstream_connection.h"
#include "proxy/worker_context.h"

namespace rampart {

class Worker {
 public:
  // `listeners` are already bound and listening (one socket per listener for this worker).
  Worker(std::size_t index, std::vector<ListenerRuntime> listeners, LogQueue* log_queue,
         std::shared_ptr<const ConfigSnapshot> config, std::atomic<std::uint64_t>& connection_count);
  ~Worker();

  void start();
  // Runs `fn` on the worker thread. Thread-safe; the mutex guards only this mailbox, never data
  // the data path uses.
  void post(std::function<void()> fn);
  void replaceConfig(std::shared_ptr<const ConfigSnapshot> config);
  // Stops accepting, drains connections (GOAWAY / Connection: close), and ends the loop when
  // they are gone or when `timeout_ms` has passed.
  void drain(std::uint32_t timeout_ms);
  void join();
  WorkerContext& context() { return *context_; }
  bool finished() const { return finished_.load(std::memory_order_acquire); }

 private:
  void run();
  // Runs each stage factory's initWorker() on this worker's context, then swaps the snapshot in.
  void installConfig(std::shared_ptr<const ConfigSnapshot> config);
  void onAccept(ListenerRuntime& listener);
  void onMailbox();
  void checkDrained();

  std::size_t index_;
  struct ev_loop* loop_;
  std::vector<ListenerRuntime> listeners_;
  std::vector<std::unique_ptr<IoWatcher>> accept_watchers_;
  std::unique_ptr<WorkerContext> context_;
  std::atomic<std::uint64_t>& connection_count_;
  std::thread thread_;
  ev_async mailbox_watcher_;
  std::mutex mailbox_mutex_;
  std::vector<std::function<void()>> mailbox_;
  std::unique_ptr<Timer> drain_timer_;
  std::unique_ptr<Timer> drain_check_;
  std::uint64_t next_connection_id_ = 0;
  bool draining_ = false;
  std::atomic<bool> finished_{false};
};

}  // namespace rampart
