#include "proxy/http2/server_session.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "proxy/config_snapshot.h"
#include "proxy/stats/stats.h"

namespace rampart {
namespace {

constexpr std::int32_t kLocalStreamWindow = 256 * 1024;
constexpr std::int32_t kLocalConnectionWindow = 1024 * 1024;

nghttp2_nv makeNv(const std::string& name, const std::string& value) {
  return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
          value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

// nghttp2 callbacks as free functions, registered once per session (nghttpx style).
struct Http2Callbacks {
  static Http2ServerSession& self(void* user_data) {
    return *static_cast<Http2ServerSession*>(user_data);
  }

  static int onBeginFrame(nghttp2_session*, const nghttp2_frame_hd* hd, void* user_data) {
    auto& s = self(user_data);
    if (hd->type == NGHTTP2_CONTINUATION) {
      if (++s.continuation_frames_ > s.connection_.acceptSnapshot().config.limits
                                         .h2_max_continuation_frames) {
        s.terminate(NGHTTP2_ENHANCE_YOUR_CALM, "h2_continuation_flood");
        return NGHTTP2_ERR_CALLBACK_FAILURE;
      }
    } else if (hd->type == NGHTTP2_HEADERS) {
      s.continuation_frames_ = 0;
    }
    return 0;
  }

  static int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& s = self(user_data);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    if (s.draining_) {
      // After GOAWAY, nghttp2 already ignores streams above last_stream_id; this refuses any other.
      nghttp2_submit_rst_stream(s.session_, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                NGHTTP2_REFUSED_STREAM);
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    auto stream = std::make_unique<Http2Stream>(s, frame->hd.stream_id);
    stream->started_ = std::chrono::steady_clock::now();
    stream->head_.protocol = HttpProtocol::Http2;
    s.streams_[frame->hd.stream_id] = std::move(stream);
    if (s.streams_in_headers_++ == 0) {
      s.connection_.timer().armMs(s.connection_.acceptSnapshot().config.limits.header_timeout_ms);
    }
    return 0;
  }

  static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                      std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                      std::uint8_t, void* user_data) {
    auto& s = self(user_data);
    Http2Stream* st = s.stream(frame->hd.stream_id);
    if (st == nullptr) return 0;
    const auto& limits = s.connection_.acceptSnapshot().config.limits;
    st->header_bytes_ += namelen + valuelen;
    ++st->header_count_;
    // Far past the limit: an HPACK bomb or a header flood; stop decoding this connection.
    if (st->header_bytes_ > 4ull * limits.max_header_bytes ||
        st->header_count_ > 4ull * limits.max_header_count) {
      s.terminate(NGHTTP2_ENHANCE_YOUR_CALM, "h2_header_flood");
      return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    if (st->header_bytes_ > limits.max_header_bytes) {
      st->header_error_ = "headers_too_large";
      st->header_error_status_ = 431;
      return 0;
    }
    if (st->header_count_ > limits.max_header_count) {
      st->header_error_ = "too_many_headers";
      st->header_error_status_ = 431;
      return 0;
    }
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;  // trailers: validated, dropped
    if (!n.empty() && n[0] == ':') {
      bot::appendPseudoHeader(st->pseudo_header_order_, n);
      if (n == ":method") st->head_.method = std::move(v);
      else if (n == ":path") st->head_.target = std::move(v);
      else if (n == ":scheme") st->head_.scheme = std::move(v);
      else if (n == ":authority") st->head_.authority = std::move(v);
      return 0;
    }
    if (n == "cookie") {
      // RFC 9113 §8.2.3: split cookie fields are joined for HTTP/1.1 upstreams.
      if (const std::string* prior = st->head_.headers.find("cookie")) {
        std::string joined = *prior + "; " + v;
        st->head_.headers.set("cookie", std::move(joined));
        return 0;
      }
    }
    st->head_.headers.add(std::string(n), std::move(v));
    return 0;
  }

  static int onFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& s = self(user_data);
    if (!s.countFrame(frame->hd.type, frame->hd.flags, frame->hd.length)) return 0;
    Http2Stream* st = s.stream(frame->hd.stream_id);
    switch (frame->hd.type) {
      case NGHTTP2_SETTINGS:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK)) {
          std::array<bot::Http2FingerprintBuilder::SettingEntry,
                     bot::Http2FingerprintBuilder::kMaxSettings>
              entries{};
          const std::size_t n = std::min(frame->settings.niv, entries.size());
          for (std::size_t i = 0; i < n; ++i)
            entries[i] = {frame->settings.iv[i].settings_id, frame->settings.iv[i].value};
          s.fingerprint_.onSettings(entries.data(), n);
        }
        return 0;
      case NGHTTP2_WINDOW_UPDATE:
        s.fingerprint_.onWindowUpdate(frame->hd.stream_id,
                                      frame->window_update.window_size_increment);
        return 0;
      case NGHTTP2_PRIORITY:
        s.fingerprint_.onPriority(frame->hd.stream_id, frame->priority.pri_spec.stream_id,
                                  frame->priority.pri_spec.weight,
                                  frame->priority.pri_spec.exclusive != 0);
        return 0;
      case NGHTTP2_HEADERS:
        if (st == nullptr) return 0;
        if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
          s.fingerprint_.freeze();
          st->head_.h2_fingerprint = bot::http2Fingerprint(s.fingerprint_, st->pseudo_header_order_);
          if (s.streams_in_headers_ > 0 && --s.streams_in_headers_ == 0) s.updateIdleTimer();
          s.onRequestHeadersComplete(*st, frame->hd.flags & NGHTTP2_FLAG_END_STREAM);
        } else if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && st->exchange_ != nullptr) {
          st->exchange_->onRequestData({}, true);  // trailers end the request
        }
        return 0;
      case NGHTTP2_DATA:
        if (st != nullptr && st->exchange_ != nullptr && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
          st->exchange_->onRequestData({}, true);
        return 0;
      default:
        return 0;
    }
  }

  static int onDataChunkRecv(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                             const std::uint8_t* data, std::size_t len, void* user_data) {
    auto& s = self(user_data);
    Http2Stream* st = s.stream(stream_id);
    if (st == nullptr || st->exchange_ == nullptr || st->exchange_->responseComplete()) {
      s.consume(stream_id, len);  // nobody wants it; keep the connection window open
      return 0;
    }
    st->exchange_->onRequestData(std::string_view(reinterpret_cast<const char*>(data), len), false);
    if (st->request_paused_) {
      st->unconsumed_ += len;
    } else {
      s.consume(stream_id, len);
    }
    return 0;
  }

  static int onFrameSend(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& s = self(user_data);
    if (frame->hd.type == NGHTTP2_GOAWAY) s.connection_.worker().stats().inc(Counter::h2_goaway_sent_total);
    if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      Http2Stream* st = s.stream(frame->hd.stream_id);
      // The response is out but the request body never finished: tell the client to stop
      // sending (RFC 9113 §8.1: RST_STREAM NO_ERROR after a complete response).
      if (st != nullptr && st->abandoned_ && !st->reset_sent_) {
        st->reset_sent_ = true;
        nghttp2_submit_rst_stream(s.session_, NGHTTP2_FLAG_NONE, st->id_, NGHTTP2_NO_ERROR);
      }
    }
    return 0;
  }

  static int onStreamClose(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                           void* user_data) {
    auto& s = self(user_data);
    auto it = s.streams_.find(stream_id);
    if (it == s.streams_.end()) return 0;
    std::unique_ptr<Http2Stream> st = std::move(it->second);
    s.streams_.erase(it);
    if (st->exchange_ == nullptr && !s.closed_) {
      // nghttp2 reset a request whose head it found malformed (bad pseudo-headers, connection-
      // specific fields...) before our stage saw it: it still gets its one decision record.
      if (s.streams_in_headers_ > 0) --s.streams_in_headers_;
      st->exchange_ = std::make_unique<ActiveExchange>(
          s.connection_.worker(), *st, s.connection_.info(), s.connection_.worker().config(),
          std::move(st->head_), st->started_);
      st->exchange_->recordMalformed(error_code == NGHTTP2_NO_ERROR ? "h2_stream_closed_before_headers"
                                                                  : "h2_malformed_request");
    } else if (st->exchange_ != nullptr && !st->exchange_->responseComplete())
      st->exchange_->onDownstreamReset(s.closed_ ? "downstream_closed" : "h2_stream_reset");
    s.connection_.worker().deferDelete(std::move(st));
    s.updateIdleTimer();
    return 0;
  }

  static int onInvalidFrameRecv(nghttp2_session*, const nghttp2_frame*, int, void* user_data) {
    auto& s = self(user_data);
    // Malformed frames (bad pseudo-headers, connection-specific headers, content-length
    // mismatches) reset the stream in nghttp2; count them as control frames so a peer cannot
    // spray them for free.
    s.countFrame(NGHTTP2_PRIORITY, 0, 0);
    return 0;
  }
};

Http2ServerSession::Http2ServerSession(DownstreamConnection& connection) : connection_(connection) {
  const auto& limits = connection_.acceptSnapshot().config.limits;
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_begin_frame_callback(cbs, &Http2Callbacks::onBeginFrame);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &Http2Callbacks::onBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &Http2Callbacks::onHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &Http2Callbacks::onFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &Http2Callbacks::onDataChunkRecv);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, &Http2Callbacks::onFrameSend);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &Http2Callbacks::onStreamClose);
  nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cbs,
                                                               &Http2Callbacks::onInvalidFrameRecv);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_option_set_max_outbound_ack(opt, 1000);  // SETTINGS/PING ack flood bound
  nghttp2_option_set_max_settings(opt, 32);        // entries per SETTINGS frame
  nghttp2_option_set_max_deflate_dynamic_table_size(opt, 4096);
  // libnghttp2's own CONTINUATION cap (8 by default since the CVE-2024-28182 fix) would fire
  // before h2_max_continuation_frames and drop the connection without GOAWAY; keep it just above
  // ours so onBeginFrame decides (and counts) the flood.
  nghttp2_option_set_max_continuations(opt, limits.h2_max_continuation_frames + 1);
  nghttp2_session_server_new2(&session_, cbs, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cbs);

  nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(kLocalStreamWindow)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, limits.max_header_bytes + 32 * limits.max_header_count},
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kLocalConnectionWindow);
  connection_.timer().setCallback([this] {
    if (closed_) return;
    if (streams_in_headers_ > 0) {
      terminate(NGHTTP2_ENHANCE_YOUR_CALM, "header_timeout");
    } else if (streams_.empty()) {
      terminate(NGHTTP2_NO_ERROR, "keepalive_timeout");
    }
  });
  updateIdleTimer();
  connection_.scheduleFlush();
}

Http2ServerSession::~Http2ServerSession() {
  closed_ = true;
  for (auto& [id, st] : streams_) {
    if (st->exchange_ != nullptr && !st->exchange_->responseComplete())
      st->exchange_->onDownstreamReset("downstream_closed");
    connection_.worker().deferDelete(std::move(st));
  }
  streams_.clear();
  nghttp2_session_del(session_);
}

Http2Stream* Http2ServerSession::stream(std::int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Http2ServerSession::updateIdleTimer() {
  if (closed_ || streams_in_headers_ > 0) return;
  if (streams_.empty()) {
    connection_.timer().armMs(connection_.acceptSnapshot().config.limits.keepalive_idle_timeout_ms);
  } else {
    connection_.timer().disarm();
  }
}

bool Http2ServerSession::countFrame(std::uint8_t type, std::uint8_t flags, std::size_t length) {
  const auto& limits = connection_.acceptSnapshot().config.limits;
  const double now = ev_now(connection_.worker().loop());
  if (now - window_start_ >= 1.0) {
    window_start_ = now;
    resets_in_window_ = 0;
    control_frames_in_window_ = 0;
  }
  bool control = false;
  switch (type) {
    case NGHTTP2_RST_STREAM:
      if (++resets_in_window_ > limits.h2_max_resets_per_second) {
        terminate(NGHTTP2_ENHANCE_YOUR_CALM, "h2_rapid_reset");
        return false;
      }
      return true;
    case NGHTTP2_SETTINGS:
    case NGHTTP2_PING:
    case NGHTTP2_PRIORITY:
    case NGHTTP2_WINDOW_UPDATE:
      control = true;
      break;
    case NGHTTP2_DATA:
      control = length == 0 && !(flags & NGHTTP2_FLAG_END_STREAM);  // empty DATA flood
      break;
    default:
      break;
  }
  if (control && ++control_frames_in_window_ > limits.h2_max_control_frames_per_second) {
    terminate(NGHTTP2_ENHANCE_YOUR_CALM, "h2_control_frame_flood");
    return false;
  }
  return true;
}

void Http2ServerSession::terminate(std::uint32_t error_code, std::string_view reason) {
  if (terminated_) return;
  terminated_ = true;
  if (error_code == NGHTTP2_ENHANCE_YOUR_CALM)
    connection_.worker().stats().inc(Counter::h2_flood_detected_total);
  nghttp2_session_terminate_session(session_, error_code);
  (void)reason;
  connection_.closeAfterFlush();
}

void Http2ServerSession::onRequestHeadersComplete(Http2Stream& st, bool end_stream) {
  RequestHead& head = st.head_;
  head.has_body = !end_stream;
  if (head.authority.empty()) {
    if (const std::string* host = head.headers.find("host")) head.authority = *host;
  }
  if (const std::string* cl = head.headers.find("content-length")) {
    std::int64_t v = -1;
    auto r = std::from_chars(cl->data(), cl->data() + cl->size(), v);
    head.content_length = (r.ec == std::errc() && r.ptr == cl->data() + cl->size()) ? v : -1;
  }
  st.exchange_ = std::make_unique<ActiveExchange>(connection_.worker(), st, connection_.info(),
                                                  connection_.worker().config(),
                                                  std::move(st.head_), st.started_);
  if (!st.header_error_.empty()) {
    st.exchange_->onDownstreamProtocolError(st.header_error_status_, st.header_error_);
    return;
  }
  st.exchange_->start(end_stream);
}

void Http2ServerSession::onInput() {
  if (closed_ || terminated_) {
    connection_.input().clear();
    return;
  }
  auto& input = connection_.input();
  ssize_t rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(input.data()),
                                        input.size());
  if (rv < 0) {
    input.clear();
    if (rv == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS) {
      terminate(NGHTTP2_ENHANCE_YOUR_CALM, "h2_continuation_flood");  // GOAWAY, counted
      return;
    }
    if (!terminated_) {
      // nghttp2 has queued GOAWAY for protocol errors; send it, then close.
      terminated_ = true;
      connection_.closeAfterFlush();
    }
    return;
  }
  input.erase(0, static_cast<std::size_t>(rv));
  connection_.scheduleFlush();
}

void Http2ServerSession::produceOutput() {
  if (closed_) return;
  while (connection_.outputBytes() < DownstreamConnection::kOutputHighWatermark) {
    const std::uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      connection_.close("h2_send_error");
      return;
    }
    if (n == 0) break;
    connection_.write(std::string_view(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n)));
  }
}

void Http2ServerSession::onOutputDrained() { connection_.scheduleFlush(); }

bool Http2ServerSession::wantsClose() const {
  if (closed_) return true;
  if (terminated_) return true;
  if (draining_ && streams_.empty()) return true;
  return !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_);
}

void Http2ServerSession::onConnectionClosed() {
  closed_ = true;
  for (auto& [id, st] : streams_) {
    if (st->exchange_ != nullptr && !st->exchange_->responseComplete())
      st->exchange_->onDownstreamReset("downstream_closed");
    connection_.worker().deferDelete(std::move(st));
  }
  streams_.clear();
}

void Http2ServerSession::startDrain() {
  if (draining_ || closed_) return;
  draining_ = true;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  connection_.scheduleFlush();
}

void Http2ServerSession::consume(std::int32_t stream_id, std::size_t bytes) {
  if (bytes == 0 || closed_) return;
  nghttp2_session_consume(session_, stream_id, bytes);
  connection_.scheduleFlush();
}

// ---------------------------------------------------------------------------------------------

Http2Stream::~Http2Stream() { exchange_.reset(); }

void Http2Stream::encodeHeaders(const ResponseHead& head, bool end_stream) {
  if (session_.closed_) return;
  std::vector<std::string> storage;
  storage.reserve(2 + head.headers.size() * 2);
  std::vector<nghttp2_nv> nva;
  nva.reserve(1 + head.headers.size());
  static const std::string kStatus = ":status";
  storage.push_back(std::to_string(head.status));
  nva.push_back(makeNv(kStatus, storage.back()));
  for (const auto& f : head.headers) nva.push_back(makeNv(f.name, f.value));
  response_end_ = end_stream;
  if (end_stream) {
    nghttp2_submit_response(session_.session(), id_, nva.data(), nva.size(), nullptr);
  } else {
    nghttp2_data_provider provider{};
    provider.source.ptr = this;
    provider.read_callback = &Http2Stream::readData;
    nghttp2_submit_response(session_.session(), id_, nva.data(), nva.size(), &provider);
  }
  session_.connection().scheduleFlush();
}

void Http2Stream::encodeData(std::string_view data, bool end_stream) {
  if (session_.closed_) return;
  pending_.append(data);
  response_end_ = response_end_ || end_stream;
  if (pending_.size() > kHighWatermark) above_watermark_ = true;
  if (data_deferred_) {
    data_deferred_ = false;
    nghttp2_session_resume_data(session_.session(), id_);
  }
  session_.connection().scheduleFlush();
}

ssize_t Http2Stream::readData(nghttp2_session*, std::int32_t, std::uint8_t* buf,
                              std::size_t length, std::uint32_t* flags, nghttp2_data_source* source,
                              void*) {
  auto* st = static_cast<Http2Stream*>(source->ptr);
  const std::size_t n = std::min(length, st->pending_.size());
  std::memcpy(buf, st->pending_.data(), n);
  st->pending_.erase(0, n);
  if (st->pending_.empty() && st->response_end_) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
  } else if (n == 0) {
    st->data_deferred_ = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  if (st->above_watermark_ && st->pending_.size() < kLowWatermark) {
    st->above_watermark_ = false;
    // Resume the upstream after nghttp2 returns (no re-entrancy into the session).
    auto* session = &st->session_;
    std::int32_t id = st->id_;
    session->connection().worker().postLocal([session, id] {
      if (Http2Stream* s = session->stream(id); s != nullptr && s->exchange_ != nullptr)
        s->exchange_->onDownstreamWritable();
    });
  }
  return static_cast<ssize_t>(n);
}

void Http2Stream::resetStream() {
  if (session_.closed_ || reset_sent_) return;
  reset_sent_ = true;
  nghttp2_submit_rst_stream(session_.session(), NGHTTP2_FLAG_NONE, id_, NGHTTP2_INTERNAL_ERROR);
  session_.connection().scheduleFlush();
}

void Http2Stream::setRequestBodyPaused(bool paused) {
  request_paused_ = paused;
  if (!paused && unconsumed_ > 0) {
    session_.consume(id_, unconsumed_);
    unconsumed_ = 0;
  }
}

}  // namespace rampart
