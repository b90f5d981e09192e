// Small RAII helpers over libev (one loop per worker, epoll backend). libev is C: watchers are
// plain structs whose `data` points back at the owning object.
#pragma once

#include <ev.h>

#include <functional>
#include <utility>

namespace rampart {

// A one-shot or repeating timer that calls a std::function. Owned by the object it serves.
class Timer {
 public:
  explicit Timer(struct ev_loop* loop, std::function<void()> on_fire)
      : loop_(loop), on_fire_(std::move(on_fire)) {
    ev_timer_init(&watcher_, &Timer::fire, 0., 0.);
    watcher_.data = this;
  }
  ~Timer() { disarm(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // (Re)arms the timer to fire once after `ms` milliseconds. 0 disarms.
  void armMs(std::uint32_t ms) {
    ev_timer_stop(loop_, &watcher_);
    if (ms == 0) return;
    ev_timer_set(&watcher_, static_cast<double>(ms) / 1000.0, 0.);
    ev_timer_start(loop_, &watcher_);
  }
  void disarm() { ev_timer_stop(loop_, &watcher_); }
  // Codecs reuse one timer for several deadlines (handshake, head, keep-alive).
  void setCallback(std::function<void()> on_fire) { on_fire_ = std::move(on_fire); }
  bool armed() const { return ev_is_active(&watcher_); }

 private:
  static void fire(struct ev_loop*, ev_timer* w, int) {
    auto* self = static_cast<Timer*>(w->data);
    self->on_fire_();  // may destroy `self` only through deferred deletion
  }
  struct ev_loop* loop_;
  ev_timer watcher_;
  std::function<void()> on_fire_;
};

// Read/write readiness on one fd, with independent enable flags.
class IoWatcher {
 public:
  IoWatcher(struct ev_loop* loop, int fd, std::function<void(int revents)> on_ready)
      : loop_(loop), on_ready_(std::move(on_ready)) {
    ev_io_init(&read_, &IoWatcher::ready, fd, EV_READ);
    ev_io_init(&write_, &IoWatcher::ready, fd, EV_WRITE);
    read_.data = write_.data = this;
  }
  ~IoWatcher() { stop(); }
  IoWatcher(const IoWatcher&) = delete;
  IoWatcher& operator=(const IoWatcher&) = delete;

  void enableRead(bool on) { toggle(read_, on); }
  void enableWrite(bool on) { toggle(write_, on); }
  bool readEnabled() const { return ev_is_active(&read_); }
  bool writeEnabled() const { return ev_is_active(&write_); }
  void stop() {
    ev_io_stop(loop_, &read_);
    ev_io_stop(loop_, &write_);
  }

 private:
  void toggle(ev_io& w, bool on) {
    if (on && !ev_is_active(&w)) ev_io_start(loop_, &w);
    if (!on && ev_is_active(&w)) ev_io_stop(loop_, &w);
  }
  static void ready(struct ev_loop*, ev_io* w, int revents) {
    static_cast<IoWatcher*>(w->data)->on_ready_(revents);
  }
  struct ev_loop* loop_;
  ev_io read_;
  ev_io write_;
  std::function<void(int)> on_ready_;
};

}  // namespace rampart
