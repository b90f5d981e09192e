#include "proxy/server.h"

#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "proxy/admin/admin_server.h"
#include "proxy/config/loader.h"
#include "proxy/listener_socket.h"
#include "proxy/log/log_writer.h"
#include "proxy/worker.h"

namespace rampart {
namespace {

void logLine(const std::string& line) { std::fprintf(stderr, "rampart: %s\n", line.c_str()); }

// Listeners and the worker count are fixed for the life of the process: their sockets and
// threads exist already. A reload that changes them is refused rather than half-applied.
std::string listenerIncompatibility(const Config& old_config, const Config& new_config) {
  auto effective = [](std::uint32_t w) {
    return w == 0 ? std::max(1u, std::thread::hardware_concurrency()) : w;
  };
  if (effective(old_config.workers) != effective(new_config.workers))
    return "'workers' cannot change on reload (restart instead)";
  if (old_config.listeners.size() != new_config.listeners.size())
    return "listeners cannot be added or removed on reload (restart instead)";
  for (std::size_t i = 0; i < old_config.listeners.size(); ++i) {
    const auto& a = old_config.listeners[i];
    const auto& b = new_config.listeners[i];
    if (a.name != b.name || a.host != b.host || a.port != b.port || a.protocols != b.protocols ||
        a.has_tls != b.has_tls)
      return "listener '" + a.name + "' cannot change on reload (restart instead)";
  }
  if (old_config.admin.address != new_config.admin.address)
    return "'admin.address' cannot change on reload (restart instead)";
  if (old_config.decision_log.path != new_config.decision_log.path ||
      old_config.decision_log.queue_lines != new_config.decision_log.queue_lines)
    return "'decision_log' cannot change on reload (restart instead)";
  return {};
}

}  // namespace

Server::Server(std::string config_path) : config_path_(std::move(config_path)) {}

Server::~Server() {
  admin_.reset();
  workers_.clear();
  if (log_writer_) log_writer_->stop();
  if (loop_ != nullptr) ev_loop_destroy(loop_);
}

int Server::run() {
  auto config = loadConfigFile(config_path_);
  if (!config) {
    logLine("config error: " + config.error().detail);
    return 2;
  }
  // Stamped before the files are read, so a change during the build is seen on the next tick.
  watched_ = stampFiles(watchedFiles(config.value()));
  auto snapshot = buildSnapshot(std::move(config.value()), 1);
  if (!snapshot) {
    logLine("config error: " + snapshot.error().detail);
    return 2;
  }
  snapshot_ = std::move(snapshot.value());
  loop_ = ev_loop_new(static_cast<unsigned>(EVBACKEND_EPOLL) | static_cast<unsigned>(EVFLAG_NOENV));
  signal(SIGPIPE, SIG_IGN);
  if (auto started = startWorkers(); !started) {
    logLine(started.error().detail);
    return 1;
  }
  const auto& admin = snapshot_->config.admin;
  auto admin_server = AdminServer::start(loop_, *this, admin.host, admin.port);
  if (!admin_server) {
    logLine("admin: " + admin_server.error().detail);
    beginDrain();
  } else {
    admin_ = std::move(admin_server.value());
  }
  ev_signal_init(&sighup_, &Server::onSignal, SIGHUP);
  ev_signal_init(&sigterm_, &Server::onSignal, SIGTERM);
  ev_signal_init(&sigint_, &Server::onSignal, SIGINT);
  ev_signal_init(&sigusr1_, &Server::onSignal, SIGUSR1);  // decision log rotation
  for (ev_signal* s : {&sighup_, &sigterm_, &sigint_, &sigusr1_}) {
    s->data = this;
    ev_signal_start(loop_, s);
  }
  restartFileWatch();
  std::string listening;
  for (const auto& l : snapshot_->config.listeners) listening += " " + l.name + "=" + l.address;
  logLine("serving with " + std::to_string(workers_.size()) + " workers;" + listening +
          " admin=" + admin.address);
  ev_run(loop_, 0);
  for (auto& w : workers_) w->join();
  admin_.reset();
  if (log_writer_) log_writer_->stop();
  logLine("drained, exiting");
  return admin_server ? 0 : 1;
}

Status Server::startWorkers() {
  const Config& c = snapshot_->config;
  const std::size_t count =
      c.workers == 0 ? std::max(1u, std::thread::hardware_concurrency()) : c.workers;
  auto writer = LogWriter::create(c.decision_log.path, count, c.decision_log.queue_lines);
  if (writer.writer == nullptr)
    return Error{ErrorSource::Config, 0, "decision_log_failed", false, writer.error};
  log_writer_ = std::move(writer.writer);
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<ListenerRuntime> listeners;
    for (const auto& l : c.listeners) {
      auto fd = openListenSocket(l.host, l.port, true);
      if (!fd) {
        for (auto& opened : listeners) ::close(opened.fd);
        return fd.error();
      }
      ListenerRuntime runtime;
      runtime.config = l;
      runtime.fd = fd.value();
      for (auto p : l.protocols) {
        if (p == ListenerProtocol::Http1) runtime.allow_http1 = true;
        if (p == ListenerProtocol::H2c) runtime.allow_h2c = true;
      }
      listeners.push_back(std::move(runtime));
    }
    workers_.push_back(std::make_unique<Worker>(i, std::move(listeners),
                                                log_writer_->enabled() ? log_writer_->queueForWorker(i) : nullptr, snapshot_,
                                                connection_count_));
  }
  for (auto& w : workers_) w->start();
  return Ok{};
}

Result<std::uint64_t> Server::reload() {
  auto fail = [this](Error e) -> Result<std::uint64_t> {
    main_stats_.inc(Counter::config_reload_failures_total);
    logLine("reload refused, still serving generation " + std::to_string(generation()) + ": " +
            e.detail);
    return e;
  };
  if (draining_) return fail(Error{ErrorSource::Config, 0, "draining", false, "server is draining"});
  auto config = loadConfigFile(config_path_);
  if (!config) return fail(config.error());
  if (auto why = listenerIncompatibility(snapshot_->config, config.value()); !why.empty())
    return fail(Error{ErrorSource::Config, 0, "config_invalid", false, why});
  std::vector<FileStamp> stamps = stampFiles(watchedFiles(config.value()));
  // Compiled here, off the data path; workers only swap a pointer.
  auto snapshot = buildSnapshot(std::move(config.value()), generation() + 1);
  if (!snapshot) return fail(snapshot.error());
  snapshot_ = std::move(snapshot.value());
  watched_ = std::move(stamps);
  restartFileWatch();
  for (auto& w : workers_) w->replaceConfig(snapshot_);
  main_stats_.inc(Counter::config_reloads_total);
  logLine("reloaded: generation " + std::to_string(snapshot_->generation));
  return snapshot_->generation;
}

StatsSnapshot Server::collectStats() {
  // Each worker copies its own counters on its own thread; the main thread waits at most 1 s.
  struct Collection {
    std::mutex mutex;
    std::condition_variable done;
    StatsSnapshot merged;
    std::size_t pending = 0;
  };
  auto collection = std::make_shared<Collection>();
  collection->merged = main_stats_.snapshot();
  collection->pending = workers_.size();
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->post([collection, worker] {
      StatsSnapshot s = worker->context().stats().snapshot();
      std::lock_guard<std::mutex> lock(collection->mutex);
      collection->merged.merge(s);
      if (--collection->pending == 0) collection->done.notify_one();
    });
  }
  std::unique_lock<std::mutex> lock(collection->mutex);
  collection->done.wait_for(lock, std::chrono::seconds(1), [&] { return collection->pending == 0; });
  return collection->merged;
}

void Server::restartFileWatch() {
  ev_timer_stop(loop_, &file_watch_);
  settling_.clear();
  const std::uint32_t interval_ms = snapshot_->config.client_intel.reload_check_ms;
  if (interval_ms == 0 || watched_.empty() || draining_) return;
  const double seconds = interval_ms / 1000.0;
  ev_timer_init(&file_watch_, &Server::onFileWatch, seconds, seconds);
  file_watch_.data = this;
  ev_timer_start(loop_, &file_watch_);
}

void Server::onFileWatch(struct ev_loop*, ev_timer* w, int) {
  auto* self = static_cast<Server*>(w->data);
  std::vector<FileStamp> now = stampFiles(watchedFiles(self->snapshot_->config));
  if (now == self->watched_) {
    self->settling_.clear();
    return;
  }
  // Reload only once a change has held still for a whole interval.
  if (now != self->settling_) {
    self->settling_ = std::move(now);
    return;
  }
  const std::string changed = changedPaths(self->watched_, now);
  // Remembered even when the reload is refused: a broken file is reported once, and read again
  // when it changes next.
  self->watched_ = std::move(now);
  self->settling_.clear();
  self->main_stats_.inc(Counter::client_intel_file_changes_total);
  logLine("client_intel files changed (" + changed + "), reloading");
  (void)self->reload();
}

void Server::beginDrain() {
  if (draining_) return;
  draining_ = true;
  ev_timer_stop(loop_, &file_watch_);
  const std::uint32_t timeout = snapshot_->config.limits.drain_timeout_ms;
  logLine("draining (up to " + std::to_string(timeout) + " ms)");
  for (auto& w : workers_) w->drain(timeout);
  // Stop the main loop once every worker loop has ended; checked on a short timer.
  ev_timer_init(&drain_watch_, [](struct ev_loop* loop, ev_timer* t, int) {
    auto* self = static_cast<Server*>(t->data);
    for (auto& w : self->workers_)
      if (!w->finished()) return;
    ev_timer_stop(loop, t);
    ev_break(loop, EVBREAK_ALL);
  }, 0.01, 0.01);
  drain_watch_.data = this;
  ev_timer_start(loop_, &drain_watch_);
}

void Server::onSignal(struct ev_loop*, ev_signal* w, int) {
  auto* self = static_cast<Server*>(w->data);
  if (w->signum == SIGHUP) {
    (void)self->reload();
  } else if (w->signum == SIGUSR1) {
    if (self->log_writer_) {
      std::string error = self->log_writer_->reopen();
      if (!error.empty()) logLine("decision log reopen failed, still writing the old file: " + error);
    }
  } else {
    self->beginDrain();
  }
}

}  // namespace rampart
