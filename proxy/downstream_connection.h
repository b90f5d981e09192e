// One accepted client connection: socket, optional TLS, buffers, protocol detection, and the
// codec (HTTP/1.1 or HTTP/2) that turns bytes into exchanges. Lives on one worker for life.
#pragma once

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <memory>
#include <string>

#include "bot/tls_fingerprint_capture.h"
#include "proxy/api/exchange.h"
#include "proxy/config/config.h"
#include "proxy/event_loop.h"
#include "proxy/worker_context.h"

namespace rampart {

class DownstreamConnection;
struct ConfigSnapshot;
class TlsServerContext;

// The protocol half of a connection. The connection calls these; codecs write through
// DownstreamConnection::write().
class ServerCodec {
 public:
  virtual ~ServerCodec() = default;
  // New bytes are in connection.input(); consume what can be consumed (erase from the front).
  virtual void onInput() = 0;
  // Called before the connection writes to the socket: h2 serialises pending frames here.
  virtual void produceOutput() {}
  // The output buffer fell below its low watermark.
  virtual void onOutputDrained() = 0;
  // The socket is gone (peer close, error, shutdown): abort every exchange. No writes after this.
  virtual void onConnectionClosed() = 0;
  // Graceful shutdown began: finish in-flight requests, accept no new ones.
  virtual void startDrain() = 0;
  // The client half-closed (EOF on read). Returns true to keep the connection open so the
  // response in progress can still be written (then it closes); false to close now.
  virtual bool onPeerHalfClosed() { return false; }
  // True when the codec wants the connection closed once output is flushed.
  virtual bool wantsClose() const = 0;
};

struct ListenerRuntime {
  ListenerConfig config;
  int fd = -1;
  bool allow_http1 = false;
  bool allow_h2c = false;
};

class DownstreamConnection final : public Deletable {
 public:
  static constexpr std::size_t kOutputHighWatermark = 256 * 1024;
  static constexpr std::size_t kOutputLowWatermark = 64 * 1024;

  DownstreamConnection(WorkerContext& worker, int fd, const ListenerRuntime& listener,
                       const sockaddr_storage& peer, std::uint64_t id);
  ~DownstreamConnection() override;

  void start();
  std::string& input() { return input_; }
  void write(std::string_view bytes);
  std::size_t outputBytes() const { return output_.size() - output_offset_; }
  void setReadEnabled(bool enabled);
  // Flushes on this loop iteration (after the current callback). Cheap to call often.
  void scheduleFlush();
  // Closes once the output is flushed: first the write side (FIN), then unread input is drained
  // for a short while (bounded) so the kernel does not answer it with a RST that could destroy
  // the response before the client read it (nginx's lingering close).
  void closeAfterFlush();
  void close(std::string_view reason);
  void startDrain();
  bool closed() const { return closed_; }

  WorkerContext& worker() { return worker_; }
  const ConnectionInfo& info() const { return info_; }
  const ListenerRuntime& listener() const { return listener_; }
  // The snapshot in force when this connection was accepted (limits for the connection itself;
  // each exchange pins the worker's newest snapshot when it starts).
  const ConfigSnapshot& acceptSnapshot() const { return *accept_snapshot_; }
  Timer& timer() { return timer_; }
  // Runs when the connection object is destroyed (the worker's connection count).
  void onDestroy(std::function<void()> fn) { on_destroy_ = std::move(fn); }

 private:
  enum class State : std::uint8_t { Handshaking, Detecting, Active, Closed };

  void onReady(int revents);
  void doHandshake();
  void doRead();
  void flush();
  void startLingering();
  void detectProtocol();
  void installCodec(bool http2);
  // Returns bytes read, 0 on EOF, -1 on would-block, -2 on error.
  long readSome(char* buf, std::size_t len);
  long writeSome(const char* buf, std::size_t len);

  WorkerContext& worker_;
  int fd_;
  const ListenerRuntime& listener_;
  std::shared_ptr<const ConfigSnapshot> accept_snapshot_;
  ConnectionInfo info_;
  SSL* ssl_ = nullptr;
  // Filled by the ClientHello capture during the handshake, then moved into info_.
  bot::TlsFingerprint tls_fingerprint_;
  State state_ = State::Detecting;
  IoWatcher io_;
  Timer timer_;
  std::unique_ptr<ServerCodec> codec_;
  std::string input_;
  std::string output_;
  std::size_t output_offset_ = 0;
  bool read_enabled_ = true;
  bool flush_scheduled_ = false;
  bool close_after_flush_ = false;
  bool closed_ = false;
  bool above_high_watermark_ = false;
  // TLS: a write that wants a read (or the reverse) retries on the other readiness.
  bool ssl_write_wants_read_ = false;
  bool peer_half_closed_ = false;
  bool lingering_ = false;
  std::size_t linger_budget_ = 0;
  std::function<void()> on_destroy_;
};

}  // namespace rampart
