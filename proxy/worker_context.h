// Everything one worker thread owns: its loop, stats, log queue, upstream pools, the config
// snapshot it currently serves, and deferred deletion. Only its own thread touches it; other
// threads reach it by Worker::post().
#pragma once

#include <ev.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "proxy/stats/stats.h"

namespace rampart {

struct ConfigSnapshot;
class LogQueue;
class UpstreamPools;
class DownstreamConnection;

// Objects destroyed at the end of the current loop iteration, never inside their own callback
// (Envoy's deferredDelete): a codec may finish an exchange from deep inside that exchange's call.
class Deletable {
 public:
  virtual ~Deletable() = default;
};

// Something another folder keeps per worker for the worker's life, across config generations
// (state/'s Redis connections: a reload must not reconnect). Shared, so a request that still
// uses one keeps it alive if a newer generation replaced it.
class WorkerResource {
 public:
  virtual ~WorkerResource() = default;
};

class WorkerContext {
 public:
  WorkerContext(std::size_t index, struct ev_loop* loop, LogQueue* log_queue);
  ~WorkerContext();
  WorkerContext(const WorkerContext&) = delete;
  WorkerContext& operator=(const WorkerContext&) = delete;

  std::size_t index() const { return index_; }
  struct ev_loop* loop() const { return loop_; }
  WorkerStats& stats() { return stats_; }
  LogQueue* logQueue() const { return log_queue_; }
  UpstreamPools& upstreamPools() { return *pools_; }

  const std::shared_ptr<const ConfigSnapshot>& config() const { return config_; }
  void setConfig(std::shared_ptr<const ConfigSnapshot> c) { config_ = std::move(c); }

  void deferDelete(std::unique_ptr<Deletable> object);
  // Runs `fn` on this worker after the current callback returns (same thread, next iteration).
  void postLocal(std::function<void()> fn);
  // Runs `fn` on this worker's thread; callable from any thread (e.g. an inspection pool handing
  // a result back so the stage can Exchange::resume() on its own worker). Thread-safe.
  void postFromAnyThread(std::function<void()> fn) { remote_poster_(std::move(fn)); }
  void setRemotePoster(std::function<void(std::function<void()>)> poster) {
    remote_poster_ = std::move(poster);
  }

  // Scratch space for socket reads on this worker (no per-connection zero-filled buffers).
  static constexpr std::size_t kReadScratchBytes = 128 * 1024;
  char* readScratch() { return read_scratch_.get(); }

  // The resource stored under `key`, or null.
  std::shared_ptr<WorkerResource> resource(std::string_view key) const;
  // Stores `r` under `key`. Beyond kMaxResources, resources nothing else holds any more are
  // dropped (oldest first), so reloads that keep changing a Redis address cannot pile them up.
  static constexpr std::size_t kMaxResources = 8;
  void putResource(std::string key, std::shared_ptr<WorkerResource> r);

  // A new 128-bit random request id as 32 hex characters.
  std::string newRequestId();

  // Connections this worker owns (for drain and shutdown).
  void addConnection(DownstreamConnection* c) { connections_.insert(c); }
  void removeConnection(DownstreamConnection* c) { connections_.erase(c); }
  const std::unordered_set<DownstreamConnection*>& connections() const { return connections_; }
  bool draining() const { return draining_; }
  void setDraining() { draining_ = true; }

 private:
  static void onPrepare(struct ev_loop*, ev_prepare* w, int);
  void runDeferred();

  std::size_t index_;
  struct ev_loop* loop_;
  LogQueue* log_queue_;
  WorkerStats stats_;
  std::unique_ptr<UpstreamPools> pools_;
  std::shared_ptr<const ConfigSnapshot> config_;
  std::vector<std::unique_ptr<Deletable>> deferred_;
  std::vector<std::function<void()>> posted_;
  ev_prepare prepare_;
  ev_idle idle_;  // keeps the loop from blocking while deferred work is queued
  std::uint64_t id_seed_[2];
  std::uint64_t id_counter_ = 0;
  std::unordered_set<DownstreamConnection*> connections_;
  std::unique_ptr<char[]> read_scratch_ = std::make_unique<char[]>(kReadScratchBytes);
  bool draining_ = false;
  std::vector<std::pair<std::string, std::shared_ptr<WorkerResource>>> resources_;
  std::function<void(std::function<void()>)> remote_poster_ = [](std::function<void()>) {};
};

}  // namespace rampart
