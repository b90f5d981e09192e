// One TCP connection to an upstream endpoint: non-blocking connect, buffered writes, reads
// delivered to whoever uses it now (an HTTP/1.1 upstream request, or the idle pool).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "proxy/api/error.h"
#include "proxy/config_snapshot.h"
#include "proxy/event_loop.h"

namespace rampart {

class WorkerContext;

class UpstreamConnection {
 public:
  class User {
   public:
    virtual ~User() = default;
    virtual void onConnectionReady() = 0;         // connect finished (or pooled connection reused)
    virtual void onConnectionData() = 0;          // new bytes in input()
    virtual void onConnectionWritable() = 0;      // output fell below the low watermark
    virtual void onConnectionClosed(bool error) = 0;  // peer closed or socket error
  };
  static constexpr std::size_t kHighWatermark = 256 * 1024;
  static constexpr std::size_t kLowWatermark = 64 * 1024;

  // Starts a non-blocking connect. An immediate failure is returned as an error.
  static Result<std::unique_ptr<UpstreamConnection>> connect(WorkerContext& worker,
                                                             const SocketAddress& address);
  ~UpstreamConnection();
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  void setUser(User* user);
  const std::string& endpoint() const { return endpoint_; }
  bool connected() const { return connected_; }
  std::string& input() { return input_; }
  // Appends to the output. `flush_now` false lets small writes of one request coalesce into one
  // send() (flushed anyway once kCoalesceBytes are pending, so watermarks always make progress).
  void write(std::string_view bytes, bool flush_now = true);
  static constexpr std::size_t kCoalesceBytes = 192 * 1024;  // below kHighWatermark
  // While retaining, bytes already sent stay in the buffer (up to kRetainLimit) so a request can
  // be replayed on a fresh connection if this one turns out dead before answering.
  static constexpr std::size_t kRetainLimit = 64 * 1024;
  void setRetainSent(bool retain);
  bool retainingSent() const { return retain_sent_; }
  // Everything written so far (sent or not), for a replay; leaves the buffer empty.
  std::string takeWritten();
  std::size_t outputBytes() const { return output_.size() - output_offset_; }
  void setReadEnabled(bool enabled);
  bool readEnabled() const { return read_enabled_; }
  Timer& timer() { return timer_; }
  std::uint32_t requestsServed() const { return requests_served_; }
  void countRequest() { ++requests_served_; }

 private:
  UpstreamConnection(WorkerContext& worker, int fd, std::string endpoint);
  void onReady(int revents);
  void flush();
  void scheduleFlush();
  void fail(bool error);

  WorkerContext& worker_;
  int fd_;
  std::string endpoint_;
  IoWatcher io_;
  Timer timer_;
  User* user_ = nullptr;
  std::string input_;
  std::string output_;
  std::size_t output_offset_ = 0;
  bool connected_ = false;
  bool read_enabled_ = true;
  bool closed_ = false;
  bool above_high_ = false;
  bool flush_scheduled_ = false;
  bool retain_sent_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::uint32_t requests_served_ = 0;
};

}  // namespace rampart
