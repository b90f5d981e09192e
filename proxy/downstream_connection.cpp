#include "proxy/downstream_connection.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/err.h>

#include "proxy/config_snapshot.h"
#include "proxy/http1/server_codec.h"
#include "proxy/http2/server_session.h"
#include "proxy/stats/stats.h"

namespace rampart {
namespace {

constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

void describePeer(const sockaddr_storage& peer, ConnectionInfo& info) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (peer.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&peer);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    info.client_port = ntohs(a->sin_port);
  } else if (peer.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&peer);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    info.client_port = ntohs(a->sin6_port);
  }
  info.client_ip = buf;
}

}  // namespace

DownstreamConnection::DownstreamConnection(WorkerContext& worker, int fd,
                                           const ListenerRuntime& listener,
                                           const sockaddr_storage& peer, std::uint64_t id)
    : worker_(worker), fd_(fd), listener_(listener), accept_snapshot_(worker.config()),
      io_(worker.loop(), fd, [this](int revents) { onReady(revents); }),
      timer_(worker.loop(), [] {}) {
  info_.id = id;
  info_.listener = listener.config.name;
  info_.tls = listener.config.has_tls;
  describePeer(peer, info_);
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  worker_.addConnection(this);
  worker_.stats().gaugeAdd(Gauge::downstream_connections_active, 1);
  worker_.stats().inc(Counter::downstream_connections_total);
}

DownstreamConnection::~DownstreamConnection() {
  codec_.reset();
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
  if (on_destroy_) on_destroy_();
}

void DownstreamConnection::start() {
  const auto& limits = accept_snapshot_->config.limits;
  if (listener_.config.has_tls) {
    const TlsServerContext* tls = accept_snapshot_->tlsFor(listener_.config.name);
    ssl_ = tls == nullptr ? nullptr : tls->newSession();
    if (ssl_ == nullptr) {
      close("tls_setup_failed");
      return;
    }
    SSL_set_fd(ssl_, fd_);
    SSL_set_accept_state(ssl_);
    bot::captureClientHello(ssl_, &tls_fingerprint_);
    state_ = State::Handshaking;
  } else {
    state_ = State::Detecting;
  }
  // The handshake and the first request head share the header timeout (slowloris).
  timer_.setCallback([this] {
    if (codec_ == nullptr) close(ssl_ != nullptr ? "handshake_timeout" : "header_timeout");
  });
  timer_.armMs(limits.header_timeout_ms);
  io_.enableRead(true);
  if (!listener_.allow_h2c && !listener_.config.has_tls) installCodec(false);
}

void DownstreamConnection::onReady(int revents) {
  if (closed_) return;
  if (state_ == State::Handshaking) {
    doHandshake();
    return;
  }
  if ((revents & EV_WRITE) || (ssl_write_wants_read_ && (revents & EV_READ))) flush();
  if (closed_) return;
  if ((revents & EV_READ) && (read_enabled_ || lingering_)) doRead();
}

void DownstreamConnection::doHandshake() {
  ERR_clear_error();
  int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    info_.tls_version = SSL_get_version(ssl_);
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(ssl_, &alpn, &alpn_len);
    info_.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
    if (const char* sni = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name)) info_.sni = sni;
    // Hashed once here for the connection's life; every exchange copies the strings.
    if (tls_fingerprint_.status != bot::TlsFingerprint::Status::Fingerprinted)
      worker_.stats().inc(Counter::tls_fingerprint_failures_total);
    info_.ja4 = std::move(tls_fingerprint_.ja4);
    info_.ja4_r = std::move(tls_fingerprint_.ja4_r);
    info_.ja3 = std::move(tls_fingerprint_.ja3);
    io_.enableWrite(false);
    io_.enableRead(true);
    state_ = State::Active;
    const bool h2 = info_.alpn == "h2";
    const TlsServerContext* tls = accept_snapshot_->tlsFor(listener_.config.name);
    if (!h2 && tls != nullptr && !tls->allowsHttp1()) {
      close("alpn_required");
      return;
    }
    installCodec(h2);
    doRead();  // application data may already sit in OpenSSL's buffer
    return;
  }
  int err = SSL_get_error(ssl_, rc);
  if (err == SSL_ERROR_WANT_READ) {
    io_.enableWrite(false);
    io_.enableRead(true);
  } else if (err == SSL_ERROR_WANT_WRITE) {
    io_.enableWrite(true);
  } else {
    worker_.stats().inc(Counter::tls_handshake_errors_total);
    drainOpenSslErrors();
    close("tls_handshake_failed");
  }
}

long DownstreamConnection::readSome(char* buf, std::size_t len) {
  if (ssl_ == nullptr) {
    for (;;) {
      ssize_t n = ::read(fd_, buf, len);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      return (errno == EAGAIN || errno == EWOULDBLOCK) ? -1 : -2;
    }
  }
  ERR_clear_error();
  int n = SSL_read(ssl_, buf, static_cast<int>(len));
  if (n > 0) return n;
  int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_WANT_READ) return -1;
  if (err == SSL_ERROR_WANT_WRITE) {
    io_.enableWrite(true);
    return -1;
  }
  if (err == SSL_ERROR_ZERO_RETURN) return 0;
  drainOpenSslErrors();
  return -2;
}

long DownstreamConnection::writeSome(const char* buf, std::size_t len) {
  if (ssl_ == nullptr) {
    for (;;) {
      ssize_t n = ::send(fd_, buf, len, MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      return (errno == EAGAIN || errno == EWOULDBLOCK) ? -1 : -2;
    }
  }
  ERR_clear_error();
  ssl_write_wants_read_ = false;
  int n = SSL_write(ssl_, buf, static_cast<int>(std::min<std::size_t>(len, 1 << 30)));
  if (n > 0) return n;
  int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_WANT_WRITE) return -1;
  if (err == SSL_ERROR_WANT_READ) {
    ssl_write_wants_read_ = true;
    return -1;
  }
  drainOpenSslErrors();
  return -2;
}

void DownstreamConnection::doRead() {
  // Bounded: a few reads per readiness event so one client cannot starve the worker, and the
  // input buffer never grows past what the codec allows (it disables reading).
  char* scratch = worker_.readScratch();
  if (lingering_) {
    for (;;) {
      long n = ::read(fd_, scratch, WorkerContext::kReadScratchBytes);
      if (n > 0 && static_cast<std::size_t>(n) < linger_budget_) {
        linger_budget_ -= static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      close(n == 0 ? "closed_after_response" : "linger_budget_exceeded");
      return;
    }
  }
  bool would_block = false;
  for (int round = 0; round < 8 && read_enabled_ && !closed_; ++round) {
    long n = readSome(scratch, WorkerContext::kReadScratchBytes);
    if (n == -1) {
      would_block = true;
      break;
    }
    if (n == 0 && codec_ != nullptr && codec_->onPeerHalfClosed()) {
      peer_half_closed_ = true;
      read_enabled_ = false;
      io_.enableRead(false);
      break;
    }
    if (n == 0 || n == -2) {
      close(n == 0 ? "downstream_closed" : "downstream_read_error");
      return;
    }
    input_.append(scratch, static_cast<std::size_t>(n));
    if (codec_ == nullptr) {
      detectProtocol();
      if (codec_ == nullptr || closed_) return;
    } else {
      codec_->onInput();
    }
    if (closed_) return;
    if (ssl_ == nullptr && static_cast<std::size_t>(n) < WorkerContext::kReadScratchBytes) break;
  }
  if (input_.empty() && input_.capacity() > 64 * 1024) std::string().swap(input_);
  // Stopped by the round limit with records still buffered inside OpenSSL: no socket event will
  // come for them, so continue on the next iteration. (After WANT_READ the socket wakes us.)
  if (ssl_ != nullptr && !would_block && read_enabled_ && !closed_ && SSL_has_pending(ssl_))
    worker_.postLocal([this] { if (!closed_ && read_enabled_) doRead(); });
  scheduleFlush();
}

void DownstreamConnection::detectProtocol() {
  // Plain listener with h2c: the HTTP/2 connection preface selects h2 (prior knowledge).
  const std::size_t n = std::min(input_.size(), kH2Preface.size());
  if (listener_.allow_h2c && input_.compare(0, n, kH2Preface.substr(0, n)) == 0) {
    if (n < kH2Preface.size()) return;  // wait for the whole preface
    installCodec(true);
  } else if (listener_.allow_http1) {
    installCodec(false);
  } else {
    close("h2c_preface_required");
    return;
  }
  if (codec_ != nullptr && !closed_) codec_->onInput();
}

void DownstreamConnection::installCodec(bool http2) {
  state_ = State::Active;
  timer_.disarm();
  if (http2) {
    codec_ = std::make_unique<Http2ServerSession>(*this);
  } else {
    codec_ = std::make_unique<Http1ServerCodec>(*this);
  }
  if (worker_.draining()) codec_->startDrain();
}

void DownstreamConnection::write(std::string_view bytes) {
  if (closed_ || lingering_) return;
  output_.append(bytes);
  // A producer that sees the output above the high watermark pauses itself until
  // onOutputDrained(). The flush is deferred and may drain everything in one go, so the flag
  // must be set here, or flush() never sees "above" and the producer stays paused forever.
  if (outputBytes() > kOutputHighWatermark) above_high_watermark_ = true;
  scheduleFlush();
}

void DownstreamConnection::scheduleFlush() {
  if (flush_scheduled_ || closed_) return;
  flush_scheduled_ = true;
  worker_.postLocal([this] {
    flush_scheduled_ = false;
    if (!closed_) flush();
  });
}

void DownstreamConnection::flush() {
  if (closed_ || lingering_ || state_ == State::Handshaking) return;
  if (codec_ != nullptr) codec_->produceOutput();
  while (outputBytes() > 0) {
    long n = writeSome(output_.data() + output_offset_, outputBytes());
    if (n == -1) break;
    if (n < 0) {
      close("downstream_write_error");
      return;
    }
    output_offset_ += static_cast<std::size_t>(n);
    if (outputBytes() == 0) {
      output_.clear();
      output_offset_ = 0;
      if (codec_ != nullptr) codec_->produceOutput();  // h2: more frames may be ready now
    }
  }
  if (output_offset_ > (1 << 20)) {  // compact occasionally, not on every partial write
    output_.erase(0, output_offset_);
    output_offset_ = 0;
  }
  io_.enableWrite(outputBytes() > 0 && !ssl_write_wants_read_);
  if (ssl_write_wants_read_) io_.enableRead(true);
  const bool above = outputBytes() > kOutputHighWatermark;
  if (above_high_watermark_ && outputBytes() < kOutputLowWatermark) {
    above_high_watermark_ = false;
    if (codec_ != nullptr) codec_->onOutputDrained();
  } else if (above) {
    above_high_watermark_ = true;
  }
  if (closed_) return;
  if (outputBytes() == 0 && (close_after_flush_ || (codec_ != nullptr && codec_->wantsClose()))) {
    startLingering();
  }
}

void DownstreamConnection::startLingering() {
  if (lingering_ || closed_) return;
  if (peer_half_closed_ || state_ != State::Active) {
    close("closed_after_response");
    return;
  }
  lingering_ = true;
  if (ssl_ != nullptr) SSL_shutdown(ssl_);  // close_notify
  ::shutdown(fd_, SHUT_WR);
  linger_budget_ = 1024 * 1024;
  timer_.setCallback([this] { close("linger_timeout"); });
  timer_.armMs(2000);
  read_enabled_ = true;
  io_.enableRead(true);
  io_.enableWrite(false);
}

void DownstreamConnection::setReadEnabled(bool enabled) {
  if (closed_ || peer_half_closed_ || lingering_) return;
  read_enabled_ = enabled;
  io_.enableRead(enabled || ssl_write_wants_read_);
  if (enabled && ssl_ != nullptr && SSL_has_pending(ssl_))
    worker_.postLocal([this] { if (!closed_ && read_enabled_) doRead(); });
}

void DownstreamConnection::closeAfterFlush() {
  close_after_flush_ = true;
  scheduleFlush();
}

void DownstreamConnection::startDrain() {
  if (closed_) return;
  if (codec_ == nullptr) {
    close("draining");
    return;
  }
  codec_->startDrain();
  scheduleFlush();
}

void DownstreamConnection::close(std::string_view) {
  if (closed_) return;
  closed_ = true;
  state_ = State::Closed;
  io_.stop();
  timer_.disarm();
  if (ssl_ != nullptr && output_.empty()) SSL_shutdown(ssl_);  // best effort close_notify
  if (codec_ != nullptr) codec_->onConnectionClosed();
  ::shutdown(fd_, SHUT_RDWR);
  worker_.removeConnection(this);
  worker_.stats().gaugeAdd(Gauge::downstream_connections_active, -1);
  worker_.deferDelete(std::unique_ptr<Deletable>(this));
}

}  // namespace rampart
