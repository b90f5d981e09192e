#include "proxy/upstream/http1_upstream_request.h"

#include "proxy/config_snapshot.h"
#include "proxy/forwarding_headers.h"
#include "proxy/http1/parse_error.h"
#include "proxy/http1/response_parser.h"
#include "proxy/http1/serializer.h"
#include "proxy/stats/stats.h"
#include "proxy/upstream/upstream_pools.h"
#include "proxy/worker_context.h"

namespace rampart {
Http1UpstreamRequest::Http1UpstreamRequest(WorkerContext& worker, const ClusterRuntime& cluster,
                                           RequestHead&& head, UpstreamCallbacks& callbacks)
    : worker_(worker), cluster_(cluster), head_(std::move(head)), callbacks_(callbacks) {
  response_method_ = head_.method;
  head_.headers.remove("content-length");
  head_.headers.remove("transfer-encoding");
  if (head_.content_length >= 0) {
    head_.headers.add("content-length", std::to_string(head_.content_length));
    coalesce_ = true;
  } else if (head_.has_body) {
    head_.headers.add("transfer-encoding", "chunked");
    upstream_chunked_ = true;
  }
  if (head_.headers.find("host") == nullptr) {
    // HTTP/1.1 upstream requests need a Host; a Host-less HTTP/1.0 client gets the endpoint's.
    HeaderList with_host;
    with_host.add("host", cluster_.endpoints.empty() ? "localhost"
                                                     : cluster_.endpoints.front().text);
    for (const auto& f : head_.headers) with_host.add(f.name, f.value);
    head_.headers = std::move(with_host);
  }
  http1::appendRequestHead(pending_, head_);
  request_sent_ = !head_.has_body;
  head_.headers.clear();  // no longer needed; keeps the exchange footprint small
  worker_.postLocal([this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired()) attempt();
  });
}

Http1UpstreamRequest::~Http1UpstreamRequest() {
  *alive_ = false;
  if (connection_ != nullptr) releaseConnection(false);
}

void Http1UpstreamRequest::attempt() {
  ++attempts_;
  endpoint_ = worker_.upstreamPools().pickEndpoint(cluster_);
  const SocketAddress& address = cluster_.endpoints[endpoint_];
  reused_connection_ = false;
  if (attempts_ == 1) connection_ = worker_.upstreamPools().takeIdle(address.text);
  if (connection_ != nullptr) {
    reused_connection_ = true;
  } else {
    auto conn = UpstreamConnection::connect(worker_, address);
    if (!conn) {
      worker_.upstreamPools().reportFailure(cluster_, endpoint_);
      worker_.stats().inc(Counter::upstream_connect_errors_total);
      fail(502, "upstream_connect_failed", true);
      return;
    }
    connection_ = std::move(conn.value());
  }
  connection_->setUser(this);
  connection_->setRetainSent(true);
  connection_->write(pending_, request_sent_ || !coalesce_);
  std::string().swap(pending_);
  connection_->timer().setCallback([this] {
    if (!connection_->connected()) {
      worker_.upstreamPools().reportFailure(cluster_, endpoint_);
      worker_.stats().inc(Counter::upstream_timeouts_total);
      fail(504, "upstream_connect_timeout", true);
    } else {
      worker_.stats().inc(Counter::upstream_timeouts_total);
      fail(504, "upstream_timeout", false);
    }
  });
  connection_->setReadEnabled(!paused_);
  if (reused_connection_) {
    onConnectionReady();
  } else {
    connection_->timer().armMs(cluster_.config->connect_timeout_ms);
  }
}

void Http1UpstreamRequest::onConnectionReady() {
  connection_->countRequest();
  callbacks_.onUpstreamConnected(connection_->endpoint());
  armResponseTimer();
}

void Http1UpstreamRequest::armResponseTimer() {
  if (connection_ != nullptr && connection_->connected())
    connection_->timer().armMs(cluster_.config->response_timeout_ms);
}

void Http1UpstreamRequest::writeRequestBytes(std::string_view bytes, bool end_of_request) {
  if (connection_ != nullptr) {
    connection_->write(bytes, end_of_request || !coalesce_);
  } else {
    pending_.append(bytes);  // between a failure and the retry's connect
  }
}

bool Http1UpstreamRequest::replayable() const {
  return connection_ == nullptr ? true : connection_->retainingSent();
}

void Http1UpstreamRequest::sendData(std::string_view data, bool end_stream) {
  if (request_sent_) return;
  if (end_stream) request_sent_ = true;
  if (upstream_chunked_) {
    std::string framed;
    if (!data.empty()) http1::appendChunk(framed, data);
    if (end_stream) http1::appendLastChunk(framed);
    writeRequestBytes(framed, end_stream);
  } else if (!data.empty() || end_stream) {
    writeRequestBytes(data, end_stream);
  }
}

bool Http1UpstreamRequest::requestBodyAboveHighWatermark() const {
  const std::size_t pending = connection_ != nullptr ? connection_->outputBytes() : pending_.size();
  return pending > UpstreamConnection::kHighWatermark;
}

void Http1UpstreamRequest::onConnectionWritable() { callbacks_.onUpstreamRequestBodyDrained(); }

void Http1UpstreamRequest::setResponseReadPaused(bool paused) {
  paused_ = paused;
  if (connection_ == nullptr) return;
  connection_->setReadEnabled(!paused);
  if (!paused && !connection_->input().empty())
    worker_.postLocal([this, alive = std::weak_ptr<bool>(alive_)] {
      if (!alive.expired() && connection_ != nullptr) processResponse();
    });
}

void Http1UpstreamRequest::onConnectionData() {
  if (!response_started_) connection_->setRetainSent(false);  // answered: no replay any more
  response_started_ = true;
  armResponseTimer();
  processResponse();
}

void Http1UpstreamRequest::processResponse() {
  auto alive = std::weak_ptr<bool>(alive_);
  std::string& input = connection_->input();
  while (connection_ != nullptr && !paused_ && state_ != ResponseState::Done) {
    if (state_ == ResponseState::Head) {
      ResponseHead head;
      http1::ParseLimits limits;
      limits.max_header_bytes = 64 * 1024;
      limits.max_header_count = 200;
      auto r = http1::parseResponseHead(input, limits, response_method_, head);
      if (r.status == http1::ParseStatus::NeedMore) return;
      if (r.status == http1::ParseStatus::Error) {
        worker_.stats().inc(Counter::upstream_bad_responses_total);
        fail(502, "upstream_bad_response", false);
        return;
      }
      input.erase(0, r.consumed);
      if (http1::isInterim(head.status)) continue;  // 100 Continue and friends: not forwarded
      worker_.upstreamPools().reportSuccess(cluster_, endpoint_);
      response_keep_alive_ = !headerContainsToken(head.headers, "connection", "close");
      response_chunked_ = head.chunked;
      if (head.chunked) chunked_.emplace();
      body_remaining_ = head.has_body ? head.content_length : 0;
      response_close_delimited_ = head.has_body && !head.chunked && head.content_length < 0;
      if (response_close_delimited_) response_keep_alive_ = false;
      const bool end = !head.has_body || (!head.chunked && head.content_length == 0);
      headers_delivered_ = true;
      state_ = end ? ResponseState::Done : ResponseState::Body;
      if (end) {
        releaseConnection(response_keep_alive_ && request_sent_ && input.empty());
        callbacks_.onUpstreamHeaders(std::move(head), true);
        return;
      }
      callbacks_.onUpstreamHeaders(std::move(head), false);
      if (alive.expired()) return;
      continue;
    }
    // Body
    if (input.empty()) return;
    if (response_chunked_) {
      scratch_.clear();
      auto step = chunked_->feed(input, scratch_);
      input.erase(0, step.consumed);
      if (step.status == http1::ChunkedDecoder::Status::Error) {
        worker_.stats().inc(Counter::upstream_bad_responses_total);
        fail(502, "upstream_bad_response", false);
        return;
      }
      if (step.status == http1::ChunkedDecoder::Status::Done) {
        completeResponse(scratch_);
        return;
      }
      if (!scratch_.empty()) callbacks_.onUpstreamData(scratch_, false);
      if (alive.expired()) return;
      if (step.consumed == 0) return;
    } else if (body_remaining_ >= 0) {
      const std::size_t take =
          static_cast<std::size_t>(std::min<std::int64_t>(body_remaining_, input.size()));
      std::string chunk = input.substr(0, take);
      input.erase(0, take);
      body_remaining_ -= static_cast<std::int64_t>(take);
      if (body_remaining_ == 0) {
        completeResponse(chunk);
        return;
      }
      callbacks_.onUpstreamData(chunk, false);
      if (alive.expired()) return;
    } else {
      std::string chunk;
      chunk.swap(input);
      callbacks_.onUpstreamData(chunk, false);
      if (alive.expired()) return;
    }
  }
}

void Http1UpstreamRequest::completeResponse(std::string_view last_data) {
  state_ = ResponseState::Done;
  std::string last(last_data);
  const bool clean = connection_->input().empty();
  releaseConnection(response_keep_alive_ && request_sent_ && clean);
  callbacks_.onUpstreamData(last, true);
}

void Http1UpstreamRequest::onConnectionClosed(bool error) {
  if (connection_ != nullptr && !connection_->connected()) {
    // The non-blocking connect failed (refused, unreachable): a connect failure for the
    // reason and for passive health, not an upstream reset.
    worker_.upstreamPools().reportFailure(cluster_, endpoint_);
    worker_.stats().inc(Counter::upstream_connect_errors_total);
    fail(502, "upstream_connect_failed", true);
    return;
  }
  if (state_ == ResponseState::Body && response_close_delimited_ && !error) {
    completeResponse({});
    return;
  }
  if (state_ == ResponseState::Done) return;
  if (!response_started_ && reused_connection_) {
    // A pooled connection the upstream had already closed: retry once on a fresh one.
    fail(502, "upstream_reset", true);
    return;
  }
  fail(502, headers_delivered_ ? "upstream_reset_mid_response" : "upstream_reset", false);
}

void Http1UpstreamRequest::fail(std::uint16_t status, std::string_view reason, bool retryable) {
  const bool can_retry = retryable && replayable() && !response_started_ && !headers_delivered_ &&
                         attempts_ < std::max<std::size_t>(2, cluster_.endpoints.size());
  if (can_retry && connection_ != nullptr) pending_ = connection_->takeWritten();
  if (connection_ != nullptr) releaseConnection(false);
  if (can_retry) {
    worker_.postLocal([this, alive = std::weak_ptr<bool>(alive_)] {
      if (!alive.expired()) attempt();
    });
    return;
  }
  state_ = ResponseState::Done;
  callbacks_.onUpstreamFailure(Error{ErrorSource::Upstream, status, reason, retryable, {}});
}

void Http1UpstreamRequest::releaseConnection(bool reusable) {
  std::unique_ptr<UpstreamConnection> conn = std::move(connection_);
  if (conn == nullptr) return;
  conn->setUser(nullptr);
  conn->setRetainSent(false);
  conn->timer().setCallback([] {});
  conn->timer().disarm();
  if (reusable) {
    worker_.upstreamPools().releaseIdle(std::move(conn), cluster_.config->max_idle_connections,
                                        cluster_.config->idle_timeout_ms);
  } else {
    // Closed after the current callback returns: we may be inside one of its callbacks.
    worker_.postLocal([keep = std::shared_ptr<UpstreamConnection>(std::move(conn))] {});
  }
}

}  // namespace rampart
