// HTTP/2 server side of a downstream connection (TLS ALPN "h2" or h2c prior knowledge), on
// nghttp2 with its HTTP messaging checks on. Flow control is manual (no automatic WINDOW_UPDATE):
// request body bytes are acknowledged only once the upstream accepted them, so a slow upstream
// throttles the client instead of growing our buffers. Abuse bounds (rapid reset, control-frame
// and CONTINUATION floods, header-block size) end the connection with GOAWAY ENHANCE_YOUR_CALM.
#pragma once

#include <nghttp2/nghttp2.h>

#include <unordered_map>
#include <memory>

#include "bot/http2_fingerprint.h"
#include "proxy/downstream_connection.h"
#include "proxy/downstream_stream.h"
#include "proxy/exchange.h"

namespace rampart {

class Http2ServerSession;
struct Http2Callbacks;

class Http2Stream final : public DownstreamStream, public Deletable {
 public:
  static constexpr std::size_t kHighWatermark = 256 * 1024;
  static constexpr std::size_t kLowWatermark = 64 * 1024;

  Http2Stream(Http2ServerSession& session, std::int32_t id) : session_(session), id_(id) {}
  ~Http2Stream() override;

  // DownstreamStream
  void encodeHeaders(const ResponseHead& head, bool end_stream) override;
  void encodeData(std::string_view data, bool end_stream) override;
  void encode100Continue() override {}
  void resetStream() override;
  bool outputAboveHighWatermark() const override { return pending_.size() > kHighWatermark; }
  void setRequestBodyPaused(bool paused) override;
  void abandonRequestBody() override { abandoned_ = true; }

 private:
  friend class Http2ServerSession;
  friend struct Http2Callbacks;
  static ssize_t readData(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf,
                                std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                                void* user_data);

  Http2ServerSession& session_;
  std::int32_t id_;
  RequestHead head_;
  std::size_t header_bytes_ = 0;
  std::size_t header_count_ = 0;
  std::string_view header_error_;    // set when a limit was passed while headers arrived
  std::uint16_t header_error_status_ = 0;
  std::string pseudo_header_order_;  // "m,a,s,p" (bot/http2_fingerprint.h)
  std::unique_ptr<ActiveExchange> exchange_;
  std::string pending_;              // response body not yet handed to nghttp2
  bool response_end_ = false;
  bool data_deferred_ = false;
  bool request_paused_ = false;
  bool abandoned_ = false;
  bool reset_sent_ = false;
  bool above_watermark_ = false;
  std::size_t unconsumed_ = 0;       // received body bytes not yet acknowledged (paused)
  std::chrono::steady_clock::time_point started_{};
};

class Http2ServerSession final : public ServerCodec {
 public:
  explicit Http2ServerSession(DownstreamConnection& connection);
  ~Http2ServerSession() override;

  void onInput() override;
  void produceOutput() override;
  void onOutputDrained() override;
  void onConnectionClosed() override;
  void startDrain() override;
  bool wantsClose() const override;

  nghttp2_session* session() { return session_; }
  DownstreamConnection& connection() { return connection_; }
  void consume(std::int32_t stream_id, std::size_t bytes);
  void terminate(std::uint32_t error_code, std::string_view reason);

 private:
  friend struct Http2Callbacks;
  friend class Http2Stream;
  Http2Stream* stream(std::int32_t id);
  void onRequestHeadersComplete(Http2Stream& s, bool end_stream);
  bool countFrame(std::uint8_t type, std::uint8_t flags, std::size_t length);
  void updateIdleTimer();

  DownstreamConnection& connection_;
  nghttp2_session* session_ = nullptr;
  bot::Http2FingerprintBuilder fingerprint_;
  // Looked up by id on every frame and header callback: a hash, not a tree.
  std::unordered_map<std::int32_t, std::unique_ptr<Http2Stream>> streams_;
  std::size_t streams_in_headers_ = 0;
  bool draining_ = false;
  bool closed_ = false;
  bool terminated_ = false;
  // Flood accounting over one-second windows (ev_now based).
  double window_start_ = 0;
  std::uint32_t resets_in_window_ = 0;
  std::uint32_t control_frames_in_window_ = 0;
  std::uint32_t continuation_frames_ = 0;  // in the header block being received
};

}  // namespace rampart
