#include "proxy/worker.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "proxy/config_snapshot.h"
#include "proxy/stats/stats.h"
#include "proxy/upstream/upstream_pools.h"

namespace rampart {

Worker::Worker(std::size_t index, std::vector<ListenerRuntime> listeners, LogQueue* log_queue,
               std::shared_ptr<const ConfigSnapshot> config,
               std::atomic<std::uint64_t>& connection_count)
    : index_(index), loop_(ev_loop_new(static_cast<unsigned>(EVBACKEND_EPOLL) | static_cast<unsigned>(EVFLAG_NOENV))),
      listeners_(std::move(listeners)), connection_count_(connection_count) {
  context_ = std::make_unique<WorkerContext>(index, loop_, log_queue);
  installConfig(std::move(config));
  context_->setRemotePoster([this](std::function<void()> fn) { post(std::move(fn)); });
  next_connection_id_ = static_cast<std::uint64_t>(index) << 48;
  ev_async_init(&mailbox_watcher_, [](struct ev_loop*, ev_async* w, int) {
    static_cast<Worker*>(w->data)->onMailbox();
  });
  mailbox_watcher_.data = this;
  ev_async_start(loop_, &mailbox_watcher_);
  for (auto& listener : listeners_) {
    ListenerRuntime* l = &listener;
    auto watcher = std::make_unique<IoWatcher>(loop_, listener.fd, [this, l](int) { onAccept(*l); });
    watcher->enableRead(true);
    accept_watchers_.push_back(std::move(watcher));
  }
}

Worker::~Worker() {
  join();
  accept_watchers_.clear();
  for (auto& l : listeners_)
    if (l.fd >= 0) ::close(l.fd);
  drain_timer_.reset();
  drain_check_.reset();
  context_.reset();
  ev_async_stop(loop_, &mailbox_watcher_);
  ev_loop_destroy(loop_);
}

void Worker::start() { thread_ = std::thread([this] { run(); }); }

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::run() {
  ev_run(loop_, 0);
  // Loop ended (drained or timed out): close whatever is left, then free it all on this thread.
  std::vector<DownstreamConnection*> left(context_->connections().begin(),
                                          context_->connections().end());
  for (auto* c : left) c->close("shutdown");
  ev_run(loop_, EVRUN_NOWAIT);  // run deferred deletions
  finished_.store(true, std::memory_order_release);
}

void Worker::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mailbox_mutex_);
    mailbox_.push_back(std::move(fn));
  }
  ev_async_send(loop_, &mailbox_watcher_);
}

void Worker::onMailbox() {
  std::vector<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(mailbox_mutex_);
    work.swap(mailbox_);
  }
  for (auto& fn : work) fn();
}

void Worker::replaceConfig(std::shared_ptr<const ConfigSnapshot> config) {
  post([this, config = std::move(config)]() mutable { installConfig(std::move(config)); });
}

void Worker::installConfig(std::shared_ptr<const ConfigSnapshot> config) {
  // Per-thread state a stage needs for this generation (Hyperscan scratch), made here, when
  // the worker receives the snapshot, rather than by the first request that uses it.
  if (config)
    for (const auto& factory : config->stage_factories) factory->initWorker(*context_);
  context_->setConfig(std::move(config));
}

void Worker::onAccept(ListenerRuntime& listener) {
  const auto& limits = context_->config()->config.limits;
  for (int i = 0; i < 64; ++i) {  // bounded batch: accepting must not starve existing clients
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    int fd = ::accept4(listener.fd, reinterpret_cast<sockaddr*>(&peer), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN, or EMFILE and friends: try again on the next readiness
    }
    if (connection_count_.fetch_add(1, std::memory_order_relaxed) >= limits.max_connections) {
      connection_count_.fetch_sub(1, std::memory_order_relaxed);
      context_->stats().inc(Counter::downstream_connections_rejected_total);
      ::close(fd);
      continue;
    }
    auto* conn = new DownstreamConnection(*context_, fd, listener, peer, ++next_connection_id_);
    conn->onDestroy([this] { connection_count_.fetch_sub(1, std::memory_order_relaxed); });
    conn->start();
  }
}

void Worker::drain(std::uint32_t timeout_ms) {
  post([this, timeout_ms] {
    if (draining_) return;
    draining_ = true;
    context_->setDraining();
    accept_watchers_.clear();  // stop accepting; the sockets close with the worker
    for (auto& l : listeners_) {
      if (l.fd >= 0) ::close(l.fd);
      l.fd = -1;
    }
    std::vector<DownstreamConnection*> conns(context_->connections().begin(),
                                             context_->connections().end());
    for (auto* c : conns) c->startDrain();
    drain_timer_ = std::make_unique<Timer>(loop_, [this] { ev_break(loop_, EVBREAK_ALL); });
    drain_timer_->armMs(std::max<std::uint32_t>(1, timeout_ms));  // 0 = close at once
    drain_check_ = std::make_unique<Timer>(loop_, [this] { checkDrained(); });
    drain_check_->armMs(10);
  });
}

void Worker::checkDrained() {
  if (context_->connections().empty()) {
    ev_break(loop_, EVBREAK_ALL);
    return;
  }
  drain_check_->armMs(10);
}

}  // namespace rampart
