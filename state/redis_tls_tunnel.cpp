#include "state/redis_tls_tunnel.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "proxy/tls_context.h"

namespace rampart::state {
namespace {

// The 0700 directory holding every tunnel socket of this process, removed at exit.
class TunnelDirectory {
 public:
  TunnelDirectory() {
    char templ[] = "/tmp/rampart-redis-XXXXXX";
    if (::mkdtemp(templ) != nullptr) path_ = templ;
  }
  ~TunnelDirectory() {
    if (!path_.empty()) ::rmdir(path_.c_str());  // empty once every tunnel is gone
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const std::string& tunnelDirectory() {
  static TunnelDirectory directory;
  return directory.path();
}

// A TCP connection to host:port started without blocking (IP literals and `localhost` only,
// as the loader allows): -1 with `error` set when it cannot even start.
int startTcpConnect(const std::string& host, std::uint16_t port, std::string& error) {
  sockaddr_storage address{};
  socklen_t length = 0;
  const std::string literal = host == "localhost" ? "127.0.0.1" : host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (::inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
  } else {
    error = "not an IP address: " + host;
    return -1;
  }
  const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 && errno != EINPROGRESS) {
    error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

// One hiredis connection (plain, Unix side) joined to one TLS connection (TCP side).
class RedisTlsTunnel::Link {
 public:
  Link(RedisTlsTunnel& tunnel, int plain_fd, int tls_fd, SSL* ssl)
      : tunnel_(tunnel), plain_fd_(plain_fd), tls_fd_(tls_fd), ssl_(ssl),
        plain_watcher_(tunnel.loop_, plain_fd, [this](int) { pump(false); }),
        tls_watcher_(tunnel.loop_, tls_fd, [this](int revents) { pump(revents & EV_WRITE); }) {
    tls_watcher_.enableWrite(true);  // the TCP connect completes as writable
    plain_watcher_.enableRead(true);
  }
  ~Link() { release(); }
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

 private:
  enum class State { Connecting, Handshaking, Open, Closed };

  // Moves whatever can move without blocking. On any end of either side the link is closed:
  // fds, SSL and buffers released at once (hiredis sees the drop), the object itself stays until
  // the tunnel's next accept or its end, since this runs inside the link's own watcher callback.
  void pump(bool tls_writable) {
    if (state_ == State::Closed) return;
    if (state_ == State::Connecting) {
      if (!tls_writable) {  // hiredis spoke first: keep its bytes until TLS is up
        readPlain();
        return;
      }
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(tls_fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return close(std::string("connect: ") + std::strerror(err));
      state_ = State::Handshaking;
    }
    if (state_ == State::Handshaking) {
      ERR_clear_error();
      const int rc = SSL_connect(ssl_);
      if (rc != 1) {
        const int why = SSL_get_error(ssl_, rc);
        if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE) {
          tls_watcher_.enableRead(why == SSL_ERROR_WANT_READ);
          tls_watcher_.enableWrite(why == SSL_ERROR_WANT_WRITE);
          readPlain();  // hiredis' first commands wait in to_redis_
          return;
        }
        const long verify = SSL_get_verify_result(ssl_);
        return close("TLS handshake failed: " +
                     (verify != X509_V_OK
                          ? std::string(X509_verify_cert_error_string(verify))
                          : drainOpenSslErrors()));
      }
      state_ = State::Open;
    }
    if (!readPlain()) return;
    if (!writeTls()) return;
    if (!readTls()) return;
    if (!writePlain()) return;
    plain_watcher_.enableRead(to_redis_.size() < kMaxBuffered);
    plain_watcher_.enableWrite(!to_client_.empty());
    tls_watcher_.enableRead(to_client_.size() < kMaxBuffered);
    tls_watcher_.enableWrite(tls_wants_write_);
  }

  bool readPlain() {
    char buffer[16384];
    while (to_redis_.size() < kMaxBuffered) {
      const ssize_t n = ::read(plain_fd_, buffer, sizeof(buffer));
      if (n > 0) {
        to_redis_.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
      close(n == 0 ? "" : std::string("read: ") + std::strerror(errno));
      return false;
    }
    plain_watcher_.enableRead(to_redis_.size() < kMaxBuffered);
    return true;
  }

  bool writeTls() {
    tls_wants_write_ = false;
    while (!to_redis_.empty()) {
      ERR_clear_error();
      const int n = SSL_write(ssl_, to_redis_.data(), static_cast<int>(to_redis_.size()));
      if (n > 0) {
        to_redis_.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      const int why = SSL_get_error(ssl_, n);
      if (why == SSL_ERROR_WANT_WRITE) tls_wants_write_ = true;
      if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE) break;
      close("TLS write: " + drainOpenSslErrors());
      return false;
    }
    return true;
  }

  bool readTls() {
    char buffer[16384];
    while (to_client_.size() < kMaxBuffered) {
      ERR_clear_error();
      const int n = SSL_read(ssl_, buffer, sizeof(buffer));
      if (n > 0) {
        to_client_.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      const int why = SSL_get_error(ssl_, n);
      if (why == SSL_ERROR_WANT_WRITE) tls_wants_write_ = true;
      if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE) break;
      close(why == SSL_ERROR_ZERO_RETURN ? "redis closed the TLS connection"
                                         : "TLS read: " + drainOpenSslErrors());
      return false;
    }
    return true;
  }

  bool writePlain() {
    while (!to_client_.empty()) {
      const ssize_t n = ::send(plain_fd_, to_client_.data(), to_client_.size(), MSG_NOSIGNAL);
      if (n > 0) {
        to_client_.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
      close(std::string("write: ") + std::strerror(errno));
      return false;
    }
    return true;
  }

  void close(std::string why) {
    if (!why.empty()) tunnel_.last_error_ = std::move(why);
    release();
  }

  void release() {
    if (state_ == State::Closed) return;
    state_ = State::Closed;
    plain_watcher_.stop();
    tls_watcher_.stop();
    SSL_free(ssl_);
    ::close(plain_fd_);
    ::close(tls_fd_);
    std::string().swap(to_redis_);
    std::string().swap(to_client_);
  }

  RedisTlsTunnel& tunnel_;
  int plain_fd_;
  int tls_fd_;
  SSL* ssl_;
  IoWatcher plain_watcher_;
  IoWatcher tls_watcher_;
  State state_ = State::Connecting;
  bool tls_wants_write_ = false;
  std::string to_redis_;   // from hiredis, not yet written to TLS
  std::string to_client_;  // from Redis, not yet written to hiredis
};

std::shared_ptr<SSL_CTX> RedisTlsTunnel::makeContext(const RedisTlsConfig& tls,
                                                     std::string& error) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) {
    error = "SSL_CTX_new failed: " + drainOpenSslErrors();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // SSL_write retries after WANT_WRITE with the same bytes, but std::string may move them.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (tls.verify) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    const bool loaded = tls.ca_file.empty()
                            ? SSL_CTX_set_default_verify_paths(ctx.get()) == 1
                            : SSL_CTX_load_verify_locations(ctx.get(), tls.ca_file.c_str(),
                                                            nullptr) == 1;
    if (!loaded) {
      error = "cannot load CA certificates " + tls.ca_file + ": " + drainOpenSslErrors();
      return nullptr;
    }
  }
  if (!tls.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1) {
      error = "cannot use client certificate " + tls.cert_file + ": " + drainOpenSslErrors();
      return nullptr;
    }
  }
  return ctx;
}

std::unique_ptr<RedisTlsTunnel> RedisTlsTunnel::open(struct ev_loop* loop,
                                                     const RedisConfig& config,
                                                     std::shared_ptr<SSL_CTX> context,
                                                     std::string& error) {
  static std::atomic<unsigned> next_socket{0};
  const std::string& directory = tunnelDirectory();
  if (directory.empty()) {
    error = "cannot create the tunnel directory under /tmp";
    return nullptr;
  }
  std::string path = directory + "/" + std::to_string(next_socket.fetch_add(1)) + ".sock";
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    error = "tunnel socket path too long";
    return nullptr;
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return nullptr;
  }
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, 4) != 0) {
    error = "cannot listen on " + path + ": " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<RedisTlsTunnel>(
      new RedisTlsTunnel(loop, config, std::move(context), fd, std::move(path)));
}

RedisTlsTunnel::RedisTlsTunnel(struct ev_loop* loop, const RedisConfig& config,
                               std::shared_ptr<SSL_CTX> context, int listen_fd, std::string path)
    : loop_(loop), config_(config), context_(std::move(context)), listen_fd_(listen_fd),
      path_(std::move(path)), accept_watcher_(loop, listen_fd, [this](int) { onAcceptable(); }) {
  accept_watcher_.enableRead(true);
}

RedisTlsTunnel::~RedisTlsTunnel() {
  link_.reset();
  accept_watcher_.stop();
  ::close(listen_fd_);
  ::unlink(path_.c_str());
}

void RedisTlsTunnel::onAcceptable() {
  for (;;) {
    const int plain = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (plain < 0) return;  // EAGAIN, or nothing we can do about it: hiredis times out
    link_.reset();          // hiredis reconnected: the old link is dead to it
    std::string error;
    const int tls_fd = startTcpConnect(config_.host, config_.port, error);
    SSL* ssl = tls_fd < 0 ? nullptr : SSL_new(context_.get());
    if (ssl == nullptr) {
      last_error_ = tls_fd < 0 ? error : "SSL_new failed: " + drainOpenSslErrors();
      if (tls_fd >= 0) ::close(tls_fd);
      ::close(plain);  // hiredis sees the connection drop
      continue;
    }
    SSL_set_fd(ssl, tls_fd);
    const std::string& name =
        config_.tls.server_name.empty() ? config_.host : config_.tls.server_name;
    in6_addr probe{};
    const bool is_ip = ::inet_pton(AF_INET, name.c_str(), &probe) == 1 ||
                       ::inet_pton(AF_INET6, name.c_str(), &probe) == 1;
    if (!is_ip) SSL_set_tlsext_host_name(ssl, name.c_str());
    if (config_.tls.verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
      }
    }
    link_ = std::make_unique<Link>(*this, plain, tls_fd, ssl);
  }
}

}  // namespace rampart::state
