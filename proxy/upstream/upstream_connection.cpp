#include "proxy/upstream/upstream_connection.h"

#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "proxy/stats/stats.h"
#include "proxy/worker_context.h"

namespace rampart {

Result<std::unique_ptr<UpstreamConnection>> UpstreamConnection::connect(
    WorkerContext& worker, const SocketAddress& address) {
  int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return Error{ErrorSource::Upstream, 502, "upstream_connect_failed", true, std::strerror(errno)};
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length);
  if (rc != 0 && errno != EINPROGRESS) {
    std::string detail = std::strerror(errno);
    ::close(fd);
    return Error{ErrorSource::Upstream, 502, "upstream_connect_failed", true, detail};
  }
  std::unique_ptr<UpstreamConnection> conn(new UpstreamConnection(worker, fd, address.text));
  conn->connected_ = (rc == 0);
  conn->io_.enableWrite(true);  // completion of connect shows as writability
  worker.stats().gaugeAdd(Gauge::upstream_connections_active, 1);
  return conn;
}

UpstreamConnection::UpstreamConnection(WorkerContext& worker, int fd, std::string endpoint)
    : worker_(worker), fd_(fd), endpoint_(std::move(endpoint)),
      io_(worker.loop(), fd, [this](int revents) { onReady(revents); }),
      timer_(worker.loop(), [] {}) {}

UpstreamConnection::~UpstreamConnection() {
  *alive_ = false;
  io_.stop();
  timer_.disarm();
  ::close(fd_);
  worker_.stats().gaugeAdd(Gauge::upstream_connections_active, -1);
}

void UpstreamConnection::setUser(User* user) {
  user_ = user;
  io_.enableRead(user_ != nullptr ? read_enabled_ : true);
}

void UpstreamConnection::onReady(int revents) {
  if (closed_) return;
  if (!connected_ && (revents & EV_WRITE)) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      fail(true);
      return;
    }
    connected_ = true;
    io_.enableRead(read_enabled_);
    if (user_ != nullptr) user_->onConnectionReady();
    if (closed_) return;
  }
  if (revents & EV_WRITE) flush();
  if (closed_) return;
  if ((revents & EV_READ) && connected_) {
    if (user_ == nullptr) {
      // Idle in the pool: any byte or EOF means the connection is no longer reusable.
      fail(false);
      return;
    }
    char buf[16 * 1024];
    for (int round = 0; round < 4 && read_enabled_; ++round) {
      ssize_t n = ::read(fd_, buf, sizeof(buf));
      if (n > 0) {
        input_.append(buf, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof(buf)) break;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      if (!input_.empty()) user_->onConnectionData();
      if (!closed_) fail(n < 0);
      return;
    }
    if (!input_.empty()) user_->onConnectionData();
  }
}

void UpstreamConnection::write(std::string_view bytes, bool flush_now) {
  if (closed_) return;
  output_.append(bytes);
  if (connected_ && (flush_now || outputBytes() >= kCoalesceBytes)) scheduleFlush();
  if (outputBytes() > kHighWatermark) above_high_ = true;
}

void UpstreamConnection::setRetainSent(bool retain) {
  retain_sent_ = retain;
  if (!retain && output_offset_ > 0 && outputBytes() == 0) {
    output_.clear();
    output_offset_ = 0;
  }
}

std::string UpstreamConnection::takeWritten() {
  std::string all;
  all.swap(output_);
  output_offset_ = 0;
  return all;
}

void UpstreamConnection::scheduleFlush() {
  // One send() per loop iteration, however many pieces (head, body chunks) were written.
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  worker_.postLocal([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    flush_scheduled_ = false;
    if (!closed_) flush();
  });
}

void UpstreamConnection::flush() {
  while (outputBytes() > 0) {
    ssize_t n = ::send(fd_, output_.data() + output_offset_, outputBytes(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      fail(true);
      return;
    }
    output_offset_ += static_cast<std::size_t>(n);
  }
  if (retain_sent_ && output_.size() > kRetainLimit) retain_sent_ = false;  // too much to replay
  if (retain_sent_) {
    // keep sent bytes for a possible replay
  } else if (outputBytes() == 0) {
    output_.clear();
    output_offset_ = 0;
  } else if (output_offset_ > (1 << 20)) {
    output_.erase(0, output_offset_);
    output_offset_ = 0;
  }
  io_.enableWrite(outputBytes() > 0 || !connected_);
  if (above_high_ && outputBytes() < kLowWatermark) {
    above_high_ = false;
    if (user_ != nullptr) user_->onConnectionWritable();
  }
}

void UpstreamConnection::setReadEnabled(bool enabled) {
  read_enabled_ = enabled;
  if (connected_ && !closed_) io_.enableRead(enabled);
}

void UpstreamConnection::fail(bool error) {
  if (closed_) return;
  closed_ = true;
  io_.stop();
  timer_.disarm();
  if (user_ != nullptr) user_->onConnectionClosed(error);
  // the user (or the pool) owns this object and destroys it from its callback, deferred
}

}  // namespace rampart
