// TLS to Redis for hiredis 0.14 (Debian 12), which has no TLS of its own (hiredis_ssl came with
// 1.0) and cannot adopt a socket it did not open. So a RedisLimiter with `redis.tls` connects
// hiredis to a private Unix socket of this tunnel, and the tunnel carries the bytes over a TLS
// connection (OpenSSL, peer verified) to the Redis server, on the same worker loop:
//
//   hiredis --unix socket--> RedisTlsTunnel --TLS over TCP--> redis-server (tls-port)
//
// - One tunnel per RedisLimiter (per worker, per node); one link at a time: hiredis' reconnect
//   is a new accept, which replaces the old link. Either side closing closes the other, so
//   hiredis sees every TLS failure (refused, handshake, verification) as a lost connection and
//   the limiter's deadlines, breaker and failure policy apply unchanged.
// - The socket lives in a 0700 directory made once per process (other local users cannot reach
//   it) and is unlinked with the tunnel.
// - Both directions are buffered up to kMaxBuffered bytes; beyond it the tunnel stops reading
//   that side until the other drains (hiredis itself bounds calls in flight with max_pending).
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <string>

#include "proxy/config/config.h"
#include "proxy/event_loop.h"

namespace rampart::state {

class RedisTlsTunnel {
 public:
  static constexpr std::size_t kMaxBuffered = 4u << 20;

  // The client context for `config.tls` (CA, optional client certificate, TLS 1.2+), or null
  // with `error` set. Built once per limiter, on its worker.
  static std::shared_ptr<SSL_CTX> makeContext(const RedisTlsConfig& tls, std::string& error);

  // Listens on a fresh Unix socket; null with `error` set when it cannot.
  static std::unique_ptr<RedisTlsTunnel> open(struct ev_loop* loop, const RedisConfig& config,
                                              std::shared_ptr<SSL_CTX> context,
                                              std::string& error);
  ~RedisTlsTunnel();
  RedisTlsTunnel(const RedisTlsTunnel&) = delete;
  RedisTlsTunnel& operator=(const RedisTlsTunnel&) = delete;

  // Where hiredis connects (redisAsyncConnectUnix).
  const std::string& socketPath() const { return path_; }
  // Why the last link closed ("" while none did): the limiter's log line quotes it.
  const std::string& lastError() const { return last_error_; }

 private:
  class Link;
  RedisTlsTunnel(struct ev_loop* loop, const RedisConfig& config, std::shared_ptr<SSL_CTX> context,
                 int listen_fd, std::string path);
  void onAcceptable();

  struct ev_loop* loop_;
  RedisConfig config_;
  std::shared_ptr<SSL_CTX> context_;
  int listen_fd_;
  std::string path_;
  IoWatcher accept_watcher_;
  std::unique_ptr<Link> link_;
  std::string last_error_;
};

}  // namespace rampart::state
