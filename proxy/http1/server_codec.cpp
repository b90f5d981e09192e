#include "proxy/http1/server_codec.h"

#include <algorithm>

#include "proxy/config_snapshot.h"
#include "proxy/forwarding_headers.h"
#include "proxy/http1/parse_error.h"
#include "proxy/http1/request_parser.h"
#include "proxy/http1/serializer.h"

namespace rampart {
namespace {

// For the decision record of a head that failed to parse: the method, target and Host as sent
// (bounded), so operators see what was refused. Never used for routing or forwarding.
void describeRejectedHead(std::string_view input, std::size_t max_line, RequestHead& head) {
  std::string_view line = input.substr(0, std::min(input.find('\n'), max_line));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const auto first_space = line.find(' ');
  if (head.method.empty()) head.method = std::string(line.substr(0, std::min<std::size_t>(first_space, 64)));
  if (first_space != std::string_view::npos && head.target.empty()) {
    std::string_view rest = line.substr(first_space + 1);
    head.target = std::string(rest.substr(0, rest.rfind(' ')));
  }
  if (head.authority.empty()) {
    for (std::size_t at = input.find('\n'); at != std::string_view::npos && at < 65536;
         at = input.find('\n', at + 1)) {
      std::string_view next = input.substr(at + 1, 5);
      if (next.size() == 5 && (next[0] | 0x20) == 'h' && (next[1] | 0x20) == 'o' &&
          (next[2] | 0x20) == 's' && (next[3] | 0x20) == 't' && next[4] == ':') {
        std::string_view value = input.substr(at + 6);
        value = value.substr(0, std::min<std::size_t>(value.find_first_of("\r\n"), 256));
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        head.authority = std::string(value);
        break;
      }
    }
  }
}

}  // namespace

Http1ServerCodec::Http1ServerCodec(DownstreamConnection& connection) : connection_(connection) {
  connection_.timer().setCallback([this] { onTimer(); });
  head_timer_running_ = true;
  connection_.timer().armMs(connection_.acceptSnapshot().config.limits.header_timeout_ms);
}

Http1ServerCodec::~Http1ServerCodec() { exchange_.reset(); }

void Http1ServerCodec::onTimer() {
  if (closed_) return;
  if (discarding_body_) {
    connection_.close("discard_body_timeout");
    return;
  }
  if (exchange_ != nullptr) return;  // the exchange runs its own body timer
  if (head_timer_running_ && !connection_.input().empty()) {
    rejectHead(408, "header_timeout", RequestHead{});
  } else {
    connection_.close(requests_served_ == 0 ? "header_timeout" : "keepalive_timeout");
  }
}

void Http1ServerCodec::onInput() { processInput(); }

void Http1ServerCodec::processInput() {
  if (closed_) return;
  consumeAvailable();
  // Consumed bytes leave the buffer once per pass: erasing a head from the front of a buffer
  // that also holds a 64 KiB body would move the whole body.
  if (input_offset_ > 0) {
    connection_.input().erase(0, input_offset_);
    input_offset_ = 0;
  }
  // Pipelined bytes wait while a response is outstanding; reading stops once enough is queued.
  if (!closed_ && exchange_ != nullptr && request_body_done_) {
    const auto& limits = connection_.acceptSnapshot().config.limits;
    connection_.setReadEnabled(connection_.input().size() < limits.max_header_bytes);
  }
}

void Http1ServerCodec::consumeAvailable() {
  if (discarding_body_) {
    processBody();
    if (closed_ || discarding_body_) return;
  }
  if (exchange_ == nullptr) {
    if (close_when_idle_ || close_after_response_) return;
    parseHead();
    if (closed_ || exchange_ == nullptr) return;
  }
  if (!request_body_done_) processBody();
}

std::string_view Http1ServerCodec::unconsumedInput() const {
  return std::string_view(connection_.input()).substr(input_offset_);
}

void Http1ServerCodec::parseHead() {
  const std::string_view input = unconsumedInput();
  if (input.empty()) return;
  const ConfigSnapshot& config = *connection_.worker().config();
  const auto& limits = config.config.limits;
  if (!head_timer_running_) {
    // First byte of a new request: the whole head must arrive within header_timeout_ms.
    head_timer_running_ = true;
    head_started_ = std::chrono::steady_clock::now();
    connection_.timer().armMs(limits.header_timeout_ms);
  }
  if (head_started_.time_since_epoch().count() == 0) head_started_ = std::chrono::steady_clock::now();
  http1::ParseLimits parse_limits;
  parse_limits.max_request_line = limits.max_request_line_bytes;
  parse_limits.max_header_bytes = limits.max_header_bytes;
  parse_limits.max_header_count = limits.max_header_count;
  RequestHead head;
  auto result = http1::parseRequestHead(input, parse_limits, head, head_cursor_);
  if (result.status == http1::ParseStatus::NeedMore) return;
  if (result.status == http1::ParseStatus::Error) {
    if (result.error == http1::ParseError::Http09Request) {
      // An HTTP/0.9 client cannot parse a status line: record the refusal and just close.
      describeRejectedHead(input, limits.max_request_line_bytes, head);
      auto exchange = std::make_unique<ActiveExchange>(
          connection_.worker(), *this, connection_.info(), connection_.worker().config(),
          std::move(head), head_started_.time_since_epoch().count() != 0
                               ? head_started_ : std::chrono::steady_clock::now());
      exchange->recordMalformed(http1::reasonOf(result.error));
      connection_.worker().deferDelete(std::move(exchange));
      connection_.close("http09_request");
      return;
    }
    rejectHead(http1::statusOf(result.error), http1::reasonOf(result.error), std::move(head));
    return;
  }
  input_offset_ += result.consumed;
  head_cursor_ = {};
  head_timer_running_ = false;
  connection_.timer().disarm();
  head.scheme = connection_.info().tls ? "https" : "http";
  request_protocol_ = head.protocol;
  ++requests_served_;
  close_after_response_ =
      head.protocol == HttpProtocol::Http10 || headerContainsToken(head.headers, "connection", "close") ||
      requests_served_ >= limits.max_requests_per_connection || connection_.worker().draining();
  if (head.chunked) {
    framing_ = BodyFraming::Chunked;
    chunked_.emplace();
    request_body_done_ = false;
  } else if (head.content_length > 0) {
    framing_ = BodyFraming::ContentLength;
    body_remaining_ = static_cast<std::uint64_t>(head.content_length);
    request_body_done_ = false;
  } else {
    framing_ = BodyFraming::None;
    request_body_done_ = true;
  }
  response_body_allowed_ = head.method != "HEAD";
  body_paused_ = false;
  expect_continue_ = head.expect_continue;
  sent_100_continue_ = false;
  const bool end_stream = request_body_done_;
  exchange_ = std::make_unique<ActiveExchange>(connection_.worker(), *this, connection_.info(),
                                               connection_.worker().config(), std::move(head),
                                               head_started_);
  head_started_ = {};
  exchange_->start(end_stream);
}

void Http1ServerCodec::rejectHead(std::uint16_t status, std::string_view reason,
                                  RequestHead&& partial) {
  // The head is unusable, so the connection cannot be reused: reply, then close. The exchange
  // exists only so the rejection gets its decision record and counters like any other request.
  head_timer_running_ = false;
  connection_.timer().disarm();
  connection_.setReadEnabled(false);
  describeRejectedHead(unconsumedInput(),
                       connection_.acceptSnapshot().config.limits.max_request_line_bytes, partial);
  connection_.input().clear();
  input_offset_ = 0;
  close_after_response_ = true;
  request_body_done_ = true;
  response_body_allowed_ = true;
  partial.scheme = connection_.info().tls ? "https" : "http";
  auto started = head_started_.time_since_epoch().count() != 0 ? head_started_
                                                               : std::chrono::steady_clock::now();
  exchange_ = std::make_unique<ActiveExchange>(connection_.worker(), *this, connection_.info(),
                                               connection_.worker().config(), std::move(partial),
                                               started);
  exchange_->onDownstreamProtocolError(status, reason);
}

void Http1ServerCodec::processBody() {
  while (!closed_ && (exchange_ != nullptr || discarding_body_) && !request_body_done_ &&
         !body_paused_) {
    const std::string_view input = unconsumedInput();
    if (input.empty()) break;
    std::string_view data;
    std::size_t consumed = 0;
    if (framing_ == BodyFraming::ContentLength) {
      consumed = static_cast<std::size_t>(std::min<std::uint64_t>(body_remaining_, input.size()));
      body_remaining_ -= consumed;
      request_body_done_ = body_remaining_ == 0;
      data = input.substr(0, consumed);
    } else {
      decoded_.clear();
      auto step = chunked_->feed(input, decoded_);
      consumed = step.consumed;
      if (step.status == http1::ChunkedDecoder::Status::Error) {
        input_offset_ += consumed;
        request_body_done_ = true;
        close_after_response_ = true;
        if (discarding_body_) {
          connection_.close("discarded_body_malformed");
          return;
        }
        exchange_->onDownstreamProtocolError(http1::statusOf(step.error),
                                             http1::reasonOf(step.error));
        return;
      }
      request_body_done_ = step.status == http1::ChunkedDecoder::Status::Done;
      data = decoded_;
    }
    if (discarding_body_) {
      if (data.size() > discard_budget_) {
        connection_.close("discarded_body_too_large");
        return;
      }
      discard_budget_ -= data.size();
    } else if (!data.empty() || request_body_done_) {
      // The exchange copies what it forwards; the view stays valid until the next pass compacts.
      exchange_->onRequestData(data, request_body_done_);
    }
    input_offset_ += consumed;
    if (consumed == 0) break;
  }
  if (discarding_body_ && request_body_done_ && !closed_) {
    discarding_body_ = false;
    connection_.timer().disarm();
    if (close_after_response_) {
      close_when_idle_ = true;
      connection_.closeAfterFlush();
      return;
    }
    armKeepAliveTimer();
    connection_.worker().postLocal([this, conn = &connection_] {
      if (!conn->closed() && !closed_) processInput();
    });
  }
}

void Http1ServerCodec::encode100Continue() {
  sent_100_continue_ = true;
  connection_.write("HTTP/1.1 100 Continue\r\n\r\n");
}

void Http1ServerCodec::encodeHeaders(const ResponseHead& head, bool end_stream) {
  HeaderList headers;
  bool has_length = false;
  for (const auto& f : head.headers) {
    if (f.name == "content-length") has_length = true;
    headers.add(f.name, f.value);
  }
  const bool bodiless = head.status == 204 || head.status == 304 || head.status < 200;
  response_chunked_ = false;
  if (!bodiless && response_body_allowed_ && !has_length) {
    if (end_stream) {
      headers.add("content-length", "0");
    } else if (request_protocol_ == HttpProtocol::Http11) {
      headers.add("transfer-encoding", "chunked");
      response_chunked_ = true;
    } else {
      close_after_response_ = true;  // HTTP/1.0: the body ends at close
    }
  }
  if (connection_.worker().draining()) close_after_response_ = true;
  if (!request_body_done_ && !willDiscardRequestRemainder()) close_after_response_ = true;
  if (close_after_response_) headers.add("connection", "close");
  std::string out;
  out.reserve(256 + head.headers.bytes());
  http1::appendResponseHead(out, head.status, http1::defaultReasonPhrase(head.status), headers);
  connection_.write(out);
  if (end_stream) finishExchange();
}

void Http1ServerCodec::encodeData(std::string_view data, bool end_stream) {
  if (response_body_allowed_) {
    if (response_chunked_) {
      std::string out;
      if (!data.empty()) http1::appendChunk(out, data);
      if (end_stream) http1::appendLastChunk(out);
      connection_.write(out);
    } else {
      connection_.write(data);
    }
  }
  if (end_stream) finishExchange();
}

void Http1ServerCodec::finishExchange() {
  if (exchange_ == nullptr) return;
  connection_.worker().deferDelete(std::move(exchange_));
  if (!request_body_done_) {
    // Answered before the body was read. A client that waits for 100-continue will not send the
    // body; anything it sends anyway must never be parsed as a next request. So: drop a small
    // remainder and keep the connection, otherwise close (lingering).
    if (willDiscardRequestRemainder() && !close_after_response_) {
      discarding_body_ = true;
      discard_budget_ = kMaxDiscardBytes;
      body_paused_ = false;
      connection_.setReadEnabled(true);
      connection_.timer().armMs(connection_.acceptSnapshot().config.limits.body_idle_timeout_ms);
      connection_.worker().postLocal([this, conn = &connection_] {
        if (!conn->closed() && !closed_) processInput();
      });
      return;
    }
    close_after_response_ = true;
  }
  if (close_after_response_) {
    close_when_idle_ = true;
    connection_.setReadEnabled(false);
    connection_.closeAfterFlush();
    return;
  }
  armKeepAliveTimer();
  connection_.setReadEnabled(true);
  // Parse a pipelined request after this call stack unwinds (no re-entrancy into the exchange).
  connection_.worker().postLocal([this, conn = &connection_] {
    if (!conn->closed() && !closed_) processInput();
  });
}

void Http1ServerCodec::armKeepAliveTimer() {
  head_timer_running_ = false;
  connection_.timer().armMs(connection_.acceptSnapshot().config.limits.keepalive_idle_timeout_ms);
}

void Http1ServerCodec::resetStream() {
  // HTTP/1.1 has no stream reset: closing is the only way to say the response is incomplete.
  close_after_response_ = true;
  if (exchange_ != nullptr) connection_.worker().deferDelete(std::move(exchange_));
  connection_.close("late_reset");
}

bool Http1ServerCodec::outputAboveHighWatermark() const {
  return connection_.outputBytes() > DownstreamConnection::kOutputHighWatermark;
}

void Http1ServerCodec::onOutputDrained() {
  if (exchange_ != nullptr) exchange_->onDownstreamWritable();
}

void Http1ServerCodec::setRequestBodyPaused(bool paused) {
  body_paused_ = paused;
  connection_.setReadEnabled(!paused);
  if (!paused)
    connection_.worker().postLocal([this, conn = &connection_] {
      if (!conn->closed() && !closed_) processInput();
    });
}

void Http1ServerCodec::abandonRequestBody() {
  // Decided in finishExchange(): discard a small remainder, or close.
}

void Http1ServerCodec::onConnectionClosed() {
  closed_ = true;
  if (exchange_ != nullptr) {
    exchange_->onDownstreamReset("downstream_closed");
    connection_.worker().deferDelete(std::move(exchange_));
  }
}

bool Http1ServerCodec::willDiscardRequestRemainder() const {
  const bool small = framing_ == BodyFraming::Chunked ||
                     (framing_ == BodyFraming::ContentLength && body_remaining_ <= kMaxDiscardBytes);
  const bool client_waits = expect_continue_ && !sent_100_continue_;
  return small && !client_waits;
}

bool Http1ServerCodec::onPeerHalfClosed() {
  // A client may half-close after its last request (shutdown(SHUT_WR)); finish that response,
  // then close. Without a complete request in flight there is nothing left to answer.
  if (exchange_ == nullptr || !request_body_done_) return false;
  close_after_response_ = true;
  return true;
}

void Http1ServerCodec::startDrain() {
  close_when_idle_ = true;
  close_after_response_ = true;
  if (exchange_ == nullptr) connection_.closeAfterFlush();
}

}  // namespace rampart
