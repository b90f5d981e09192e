// HTTP/1.1 server side of a downstream connection: keep-alive, pipelining (one request at a time,
// the next parsed only after the current response completed), chunked and Content-Length bodies,
// Expect: 100-continue, and the head/keep-alive timeouts that defeat slowloris.
#pragma once

#include <memory>
#include <optional>

#include "proxy/downstream_connection.h"
#include "proxy/downstream_stream.h"
#include "proxy/exchange.h"
#include "proxy/http1/chunked_decoder.h"
#include "proxy/http1/request_parser.h"

namespace rampart {

class Http1ServerCodec final : public ServerCodec, public DownstreamStream {
 public:
  explicit Http1ServerCodec(DownstreamConnection& connection);
  ~Http1ServerCodec() override;

  // ServerCodec
  void onInput() override;
  void onOutputDrained() override;
  void onConnectionClosed() override;
  void startDrain() override;
  bool onPeerHalfClosed() override;
  bool wantsClose() const override { return close_when_idle_ && exchange_ == nullptr; }

  // DownstreamStream
  void encodeHeaders(const ResponseHead& head, bool end_stream) override;
  void encodeData(std::string_view data, bool end_stream) override;
  void encode100Continue() override;
  void resetStream() override;
  bool outputAboveHighWatermark() const override;
  void setRequestBodyPaused(bool paused) override;
  void abandonRequestBody() override;

 private:
  enum class BodyFraming : std::uint8_t { None, ContentLength, Chunked };

  void processInput();
  void consumeAvailable();
  std::string_view unconsumedInput() const;
  void parseHead();
  void processBody();
  void rejectHead(std::uint16_t status, std::string_view reason, RequestHead&& partial);
  void finishExchange();
  void armKeepAliveTimer();
  void onTimer();
  // A response that ends before the request body was read: can the rest be read and dropped
  // (small, and the client is not waiting for 100-continue), or must the connection close?
  bool willDiscardRequestRemainder() const;

  DownstreamConnection& connection_;
  std::unique_ptr<ActiveExchange> exchange_;
  BodyFraming framing_ = BodyFraming::None;
  std::uint64_t body_remaining_ = 0;
  std::optional<http1::ChunkedDecoder> chunked_;
  std::string decoded_;               // scratch for chunked payload
  bool request_body_done_ = true;
  bool body_paused_ = false;
  bool response_chunked_ = false;     // we chose chunked framing for the response
  bool response_body_allowed_ = true; // HEAD / 204 / 304 carry none
  bool close_after_response_ = false;
  bool close_when_idle_ = false;
  bool head_timer_running_ = false;
  // The response ended before the request body was read: the rest of a small body is read and
  // dropped so the connection can be reused (nginx's discard body), else the connection closes.
  static constexpr std::uint64_t kMaxDiscardBytes = 256 * 1024;
  bool discarding_body_ = false;
  std::uint64_t discard_budget_ = 0;
  bool sent_100_continue_ = false;
  bool expect_continue_ = false;
  bool closed_ = false;
  HttpProtocol request_protocol_ = HttpProtocol::Http11;
  std::uint32_t requests_served_ = 0;
  std::chrono::steady_clock::time_point head_started_{};
  // Validation progress inside a partial head, so a trickled head is not rescanned per byte.
  http1::HeadCursor head_cursor_;
  // Bytes at the front of connection_.input() already consumed in this pass (erased once at its end).
  std::size_t input_offset_ = 0;
};

}  // namespace rampart
