#include "proxy/exchange.h"

#include <sys/time.h>

#include "detectors/canonical/canonical_request.h"
#include "proxy/forwarding_headers.h"
#include "proxy/local_reply.h"
#include "proxy/stats/stats.h"

namespace rampart {
namespace {

std::int64_t wallClockMicros() {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  return static_cast<std::int64_t>(tv.tv_sec) * 1000000 + tv.tv_usec;
}

std::int64_t microsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

// A client-supplied request id is kept only when trusted and harmless in logs and headers.
bool isAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
  return true;
}

std::span<const std::byte> asBytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace

ActiveExchange::ActiveExchange(WorkerContext& worker, DownstreamStream& downstream,
                               const ConnectionInfo& connection,
                               std::shared_ptr<const ConfigSnapshot> config, RequestHead&& request,
                               std::chrono::steady_clock::time_point started)
    : worker_(worker), downstream_(downstream), connection_(connection),
      config_(std::move(config)), request_(std::move(request)), started_(started),
      body_timer_(worker.loop(), [this] {
        if (!response_started_) {
          sendLocalReply(408, "body_timeout", Phase::RequestBody, "error");
        } else {
          resetDownstream("body_timeout");
        }
      }) {
  const auto* incoming = request_.headers.find("x-request-id");
  if (config_->config.forwarding.trust_incoming_request_id && incoming != nullptr &&
      isAcceptableRequestId(*incoming)) {
    request_id_ = *incoming;
  } else {
    request_id_ = worker_.newRequestId();
  }
  record_.start_unix_us = wallClockMicros() - microsSince(started_);
  record_.request_id = request_id_;
  record_.client_ip = connection_.client_ip;
  record_.client_port = connection_.client_port;
  record_.listener = connection_.listener;
  record_.tls_version = connection_.tls_version;
  record_.alpn = connection_.alpn;
  record_.sni = connection_.sni;
  record_.ja4 = connection_.ja4;
  record_.ja4_r = connection_.ja4_r;
  record_.ja3 = connection_.ja3;
  record_.protocol = std::string(protocolName(request_.protocol));
  record_.method = request_.method;
  record_.authority = request_.authority;
  record_.path = request_.target;
  for (const auto& factory : config_->stage_factories) stages_.push_back(factory->create(worker_));
  worker_.stats().gaugeAdd(Gauge::downstream_streams_active, 1);
}

ActiveExchange::~ActiveExchange() {
  upstream_.reset();
  if (!logged_) {
    if (record_.reason.empty()) {
      record_.action = "reset";
      record_.reason = "downstream_reset";
    }
    finalize();
  }
  worker_.stats().gaugeAdd(Gauge::downstream_streams_active, -1);
}

void ActiveExchange::start(bool end_stream) {
  request_complete_ = end_stream;
  route_ = config_->matchRoute(hostOfAuthority(request_.authority), request_.target);
  if (route_ != nullptr) {
    record_.route = route_->name;
    cluster_ = &config_->clusterFor(*route_);
    record_.upstream_cluster = cluster_->config->name;
  }
  for (const auto& stage : stages_)
    if (stage->requestBodyMode(*this) == BodyMode::Buffer) buffer_request_body_ = true;
  // The Connection phase runs per exchange, as ModSecurity's processConnection does: the facts
  // are the connection's (address, TLS), the verdict applies to this request.
  Verdict v = runPhase(Phase::Connection, 0, {}, false);
  if (v.kind == Verdict::Kind::Pending) {
    pending_phase_.reset();
    sendLocalReply(500, "internal_stage_pending_unsupported", Phase::Connection, "error");
    return;
  }
  if (!applyVerdict(v, Phase::Connection)) return;
  v = runPhase(Phase::RequestHeaders, 0, {}, false);
  if (v.kind == Verdict::Kind::Pending) return;
  if (!applyVerdict(v, Phase::RequestHeaders)) return;
  continueAfterRequestHeaders();
}

void ActiveExchange::continueAfterRequestHeaders() {
  if (route_ == nullptr) {
    sendLocalReply(404, "no_route", Phase::RequestHeaders, "error");  // docs: no_route is an error
    return;
  }
  request_headers_done_ = true;
  if (request_.expect_continue && !request_complete_) downstream_.encode100Continue();
  if (!buffer_request_body_) startUpstream();
  if (ended_) return;
  if (request_complete_) {
    deliverRequestBody({}, true);  // phase 2 always runs, also without a body
  } else {
    armBodyTimer();
  }
}

void ActiveExchange::armBodyTimer() {
  body_timer_.armMs(config_->config.limits.body_idle_timeout_ms);
}

void ActiveExchange::onRequestData(std::string_view data, bool end_stream) {
  if (ended_ || request_complete_) return;
  record_.bytes_in += data.size();
  if (route_ != nullptr && record_.bytes_in > route_->max_body_bytes) {
    sendLocalReply(413, "body_too_large", Phase::RequestBody, "block");
    return;
  }
  request_complete_ = end_stream;
  if (end_stream) {
    body_timer_.disarm();
  } else {
    armBodyTimer();
  }
  if (!request_headers_done_) {
    // A Pending RequestHeaders stage: hold the bytes (bounded by max_body_bytes above).
    buffered_body_.append(data);
    return;
  }
  deliverRequestBody(data, end_stream);
}

void ActiveExchange::deliverRequestBody(std::string_view data, bool end_stream) {
  if (buffer_request_body_) {
    buffered_body_.append(data);
    if (!end_stream) return;
    Verdict v = runPhase(Phase::RequestBody, 0, asBytes(buffered_body_), true);
    if (v.kind == Verdict::Kind::Pending) return;
    if (!applyVerdict(v, Phase::RequestBody)) return;
    startUpstream();
    if (ended_ || upstream_ == nullptr) return;
    upstream_->sendData(buffered_body_, true);
    std::string().swap(buffered_body_);
    return;
  }
  Verdict v = runPhase(Phase::RequestBody, 0, asBytes(data), end_stream);
  if (v.kind == Verdict::Kind::Pending) {
    // Streaming stages cannot pause mid-body: that would need unbounded buffering.
    sendLocalReply(500, "internal_stage_pending_on_stream", Phase::RequestBody, "error");
    return;
  }
  if (!applyVerdict(v, Phase::RequestBody)) return;
  if (upstream_ == nullptr) return;
  if (!data.empty() || end_stream) upstream_->sendData(data, end_stream);
  if (!ended_ && upstream_ != nullptr && upstream_->requestBodyAboveHighWatermark() &&
      !body_paused_by_upstream_) {
    body_paused_by_upstream_ = true;
    downstream_.setRequestBodyPaused(true);
  }
}

void ActiveExchange::onUpstreamRequestBodyDrained() {
  if (body_paused_by_upstream_) {
    body_paused_by_upstream_ = false;
    downstream_.setRequestBodyPaused(false);
  }
}

bool ActiveExchange::replaceRequestBody(std::string body) {
  if (!in_buffered_body_phase_) return false;
  buffered_body_ = std::move(body);
  return true;
}

Verdict ActiveExchange::runPhase(Phase phase, std::size_t first, std::span<const std::byte> chunk,
                                 bool end) {
  // A buffered body may be replaced by a stage (the canonical view's rewritten form): every
  // later stage then sees, and the upstream gets, the replacement. So the chunk is re-read from
  // the buffer before each stage instead of being a view that a replacement would invalidate.
  const bool buffered_body = phase == Phase::RequestBody && buffer_request_body_;
  in_buffered_body_phase_ = buffered_body;
  for (std::size_t i = first; i < stages_.size(); ++i) {
    Stage& stage = *stages_[i];
    if (buffered_body) chunk = asBytes(buffered_body_);
    Verdict v;
    switch (phase) {
      case Phase::Connection: v = stage.onConnection(*this); break;
      case Phase::RequestHeaders: v = stage.onRequestHeaders(*this); break;
      case Phase::RequestBody: v = stage.onRequestBody(*this, chunk, end); break;
      case Phase::ResponseHeaders: v = stage.onResponseHeaders(*this); break;
      case Phase::ResponseBody: v = stage.onResponseBody(*this, chunk, end); break;
      case Phase::Log: return Verdict::next();
    }
    if (v.kind == Verdict::Kind::Pending) {
      in_buffered_body_phase_ = false;
      pending_phase_ = phase;
      pending_stage_ = i + 1;
      return v;
    }
    if (!v.isContinue()) {
      in_buffered_body_phase_ = false;
      return v;
    }
  }
  in_buffered_body_phase_ = false;
  return Verdict::next();
}

bool ActiveExchange::applyVerdict(const Verdict& v, Phase phase) {
  switch (v.kind) {
    case Verdict::Kind::Continue:
      return !ended_;
    case Verdict::Kind::Respond:
      sendLocalReply(v.status == 0 ? 403 : v.status, v.reason.empty() ? "blocked" : v.reason,
                     phase, "block");
      return false;
    case Verdict::Kind::Drop:
      record_.phase = phaseName(phase);
      resetDownstream(v.reason.empty() ? "dropped" : v.reason);
      return false;
    case Verdict::Kind::Pending:
      return false;
  }
  return false;
}

void ActiveExchange::resume(Verdict v) {
  if (ended_ || !pending_phase_) return;
  const Phase phase = *pending_phase_;
  pending_phase_.reset();
  if (v.isContinue()) v = runPhase(phase, pending_stage_, asBytes(buffered_body_), request_complete_);
  if (v.kind == Verdict::Kind::Pending) return;
  if (!applyVerdict(v, phase)) return;
  if (phase == Phase::RequestHeaders) {
    std::string early;
    early.swap(buffered_body_);
    const bool was_complete = request_complete_;
    continueAfterRequestHeaders();
    if (!ended_ && !early.empty()) deliverRequestBody(early, was_complete);
  } else if (phase == Phase::RequestBody) {
    startUpstream();
    if (!ended_ && upstream_ != nullptr) upstream_->sendData(buffered_body_, true);
  } else {
    sendLocalReply(500, "internal_stage_pending_unsupported", phase, "error");
  }
}

void ActiveExchange::startUpstream() {
  if (ended_ || upstream_ != nullptr || cluster_ == nullptr) return;
  RequestHead head = buildUpstreamRequestHead(request_, connection_, config_->config.forwarding,
                                              request_id_);
  if (buffer_request_body_) {
    // The whole body is known now: send it with a Content-Length.
    head.chunked = false;
    head.content_length = static_cast<std::int64_t>(buffered_body_.size());
    head.has_body = !buffered_body_.empty() || request_.content_length >= 0;
  }
  upstream_started_ = std::chrono::steady_clock::now();
  worker_.stats().inc(Counter::upstream_requests_total);
  upstream_ = createUpstreamRequest(worker_, *cluster_, std::move(head), *this);
}

void ActiveExchange::onUpstreamConnected(const std::string& endpoint) {
  record_.upstream_endpoint = endpoint;
}

void ActiveExchange::onUpstreamHeaders(ResponseHead&& head, bool end_stream) {
  if (ended_) return;
  stripHopByHopHeaders(head.headers);
  head.headers.set("x-request-id", request_id_);
  response_ = std::move(head);
  Verdict v = runPhase(Phase::ResponseHeaders, 0, {}, end_stream);
  if (v.kind == Verdict::Kind::Pending) {
    sendLocalReply(500, "internal_stage_pending_unsupported", Phase::ResponseHeaders, "error");
    return;
  }
  if (!applyVerdict(v, Phase::ResponseHeaders)) return;
  if (end_stream) {
    // A header-only response still passes the ResponseBody phase (empty, end), and its verdict
    // counts: nothing has been sent yet, so a block is an ordinary local reply.
    Verdict body = runPhase(Phase::ResponseBody, 0, {}, true);
    if (body.kind == Verdict::Kind::Pending)
      body = Verdict::respond(500, "internal_stage_pending_unsupported");
    if (!applyVerdict(body, Phase::ResponseBody)) return;
  }
  response_started_ = true;
  record_.status = response_->status;
  if (end_stream) {
    response_complete_ = true;
    ended_ = true;
    record_.upstream_duration_us = microsSince(upstream_started_);
    downstream_.encodeHeaders(*response_, true);
    finalize();
    return;
  }
  downstream_.encodeHeaders(*response_, false);
}

void ActiveExchange::onUpstreamData(std::string_view data, bool end_stream) {
  if (ended_) return;
  Verdict v = runPhase(Phase::ResponseBody, 0, asBytes(data), end_stream);
  if (!v.isContinue()) {
    record_.phase = phaseName(Phase::ResponseBody);
    record_.action = "block";
    resetDownstream(v.reason.empty() ? "late_block" : v.reason);
    return;
  }
  record_.bytes_out += data.size();
  if (end_stream) {
    response_complete_ = true;
    ended_ = true;
    record_.upstream_duration_us = microsSince(upstream_started_);
    downstream_.encodeData(data, true);
    finalize();
    return;
  }
  downstream_.encodeData(data, false);
  if (upstream_ != nullptr && downstream_.outputAboveHighWatermark())
    upstream_->setResponseReadPaused(true);
}

void ActiveExchange::onDownstreamWritable() {
  if (upstream_ != nullptr && !ended_) upstream_->setResponseReadPaused(false);
}

void ActiveExchange::onUpstreamFailure(const Error& error) {
  if (ended_) return;
  if (record_.upstream_duration_us < 0 && upstream_started_.time_since_epoch().count() != 0)
    record_.upstream_duration_us = microsSince(upstream_started_);
  if (cluster_ != nullptr) worker_.stats().recordUpstreamError(cluster_->config->name, error.reason);
  if (response_started_) {
    record_.phase = phaseName(Phase::ResponseBody);
    resetDownstream(error.reason);
  } else {
    sendLocalReply(error.status, error.reason, Phase::RequestBody, "error");
  }
}

void ActiveExchange::onDownstreamReset(std::string_view reason) {
  if (ended_) return;
  ended_ = true;
  upstream_.reset();
  body_timer_.disarm();
  record_.action = "reset";
  record_.reason = reason;
  finalize();
}

void ActiveExchange::recordMalformed(std::string_view reason) {
  if (ended_) return;
  ended_ = true;
  record_.action = "error";
  record_.reason = reason;
  record_.phase = phaseName(Phase::RequestHeaders);
  finalize();
}

void ActiveExchange::onDownstreamProtocolError(std::uint16_t status, std::string_view reason) {
  if (ended_) return;
  if (response_started_) {
    resetDownstream(reason);
  } else {
    // A malformed request is an `error` (docs/decision-record.md), decided while reading the
    // head (request_headers) or, for a bad chunked body, while reading the body.
    sendLocalReply(status, reason,
                   request_headers_done_ ? Phase::RequestBody : Phase::RequestHeaders, "error");
  }
}

void ActiveExchange::sendLocalReply(std::uint16_t status, std::string_view reason, Phase phase,
                                    std::string_view action) {
  if (ended_) return;
  if (response_started_) {
    // Never a second status line: cut the stream instead (late_block).
    record_.phase = phaseName(phase);
    resetDownstream(reason);
    return;
  }
  ended_ = true;
  upstream_.reset();
  body_timer_.disarm();
  worker_.stats().inc(Counter::local_replies_total);
  record_.status = status;
  record_.reason = reason;
  record_.action = action;
  record_.phase = phaseName(phase);
  // A stage may answer with its own document (the challenge page) instead of the JSON body.
  LocalReply reply =
      record_.local_reply_content_type.empty()
          ? makeLocalReply(status, reason, request_id_)
          : makeLocalReplyWithBody(status, request_id_, std::move(record_.local_reply_content_type),
                                   std::move(record_.local_reply_body));
  // A stage that redirects (WAF redirect intervention) leaves the target in the record.
  if (!record_.redirect_location.empty()) reply.head.headers.add("location", record_.redirect_location);
  // A stage that limits (rate limits) leaves Retry-After and RateLimit-* in the record.
  for (const HeaderField& h : record_.local_reply_headers) reply.head.headers.add(h.name, h.value);
  response_ = reply.head;
  response_started_ = true;
  response_complete_ = true;
  if (!request_complete_) downstream_.abandonRequestBody();
  record_.bytes_out += reply.body.size();
  const bool head_only = request_.method == "HEAD";
  downstream_.encodeHeaders(*response_, head_only);
  if (!head_only) downstream_.encodeData(reply.body, true);
  finalize();
}

void ActiveExchange::resetDownstream(std::string_view reason) {
  if (ended_ && logged_) return;
  ended_ = true;
  upstream_.reset();
  body_timer_.disarm();
  record_.late_reset = response_started_;
  if (record_.action == "allow") record_.action = "reset";
  record_.reason = reason;
  downstream_.resetStream();
  finalize();
}

void ActiveExchange::finalize() {
  if (logged_) return;
  logged_ = true;
  body_timer_.disarm();
  record_.duration_us = microsSince(started_);
  if (record_.reason.empty()) record_.reason = "ok";
  for (const auto& stage : stages_) stage->onLog(*this);
  worker_.stats().recordRequest(record_.route, record_.status, record_.reason, record_.duration_us);
}

}  // namespace rampart
