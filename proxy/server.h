// The main thread: loads and compiles config, starts the workers, handles signals (SIGHUP
// reload, SIGTERM/SIGINT drain), runs the admin listener, publishes new config snapshots.
#pragma once

#include <ev.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "proxy/api/error.h"
#include "proxy/config_snapshot.h"
#include "proxy/file_watch.h"
#include "proxy/stats/stats.h"

namespace rampart {

class Worker;
class LogWriter;
class AdminServer;

class Server {
 public:
  explicit Server(std::string config_path);
  ~Server();

  // Runs until drained. Returns the process exit code (0 after a clean drain).
  int run();

  // Loads the config file again and publishes it. The old snapshot keeps serving on error.
  Result<std::uint64_t> reload();
  StatsSnapshot collectStats();
  bool draining() const { return draining_; }
  std::uint64_t generation() const { return snapshot_ ? snapshot_->generation : 0; }
  void beginDrain();

 private:
  static void onSignal(struct ev_loop*, ev_signal* w, int);
  static void onFileWatch(struct ev_loop*, ev_timer* w, int);
  Status startWorkers();
  // (Re)arms the client_intel file watch for the current snapshot's files and interval.
  void restartFileWatch();

  std::string config_path_;
  struct ev_loop* loop_ = nullptr;
  std::shared_ptr<const ConfigSnapshot> snapshot_;
  std::unique_ptr<LogWriter> log_writer_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<AdminServer> admin_;
  std::atomic<std::uint64_t> connection_count_{0};
  WorkerStats main_stats_;  // reload counters live on the main thread
  ev_signal sighup_{}, sigterm_{}, sigint_{}, sigusr1_{};
  ev_timer drain_watch_{};
  // client_intel files: stamps as of the last reload attempt, and a change seen on the previous
  // tick that must hold still for one more tick before it is read (a file still being written
  // is not loaded half-way).
  ev_timer file_watch_{};
  std::vector<FileStamp> watched_;
  std::vector<FileStamp> settling_;
  bool draining_ = false;
};

}  // namespace rampart
