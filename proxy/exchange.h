// One request/response exchange and the pipeline runner (Envoy's filter manager, Pingora's
// phases): runs every stage through the named phases, forwards upstream, turns verdicts and
// errors into local replies, and runs the Log phase exactly once.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/api/exchange.h"
#include "proxy/config_snapshot.h"
#include "proxy/downstream_stream.h"
#include "proxy/event_loop.h"
#include "proxy/upstream/upstream_request.h"
#include "proxy/worker_context.h"

namespace rampart {

class ActiveExchange final : public Exchange, public UpstreamCallbacks, public Deletable {
 public:
  ActiveExchange(WorkerContext& worker, DownstreamStream& downstream,
                 const ConnectionInfo& connection, std::shared_ptr<const ConfigSnapshot> config,
                 RequestHead&& request, std::chrono::steady_clock::time_point started);
  ~ActiveExchange() override;

  // --- driven by the downstream codec ---
  // The request head is complete. `end_stream`: no body follows.
  void start(bool end_stream);
  void onRequestData(std::string_view data, bool end_stream);
  // The codec's response buffer fell below its low watermark.
  void onDownstreamWritable();
  // The client went away or reset the stream.
  void onDownstreamReset(std::string_view reason);
  // A codec-level rejection that arrives after start() (e.g. malformed chunked body).
  void onDownstreamProtocolError(std::uint16_t status, std::string_view reason);
  // A request the codec refused before its head was usable (nghttp2 reset it as malformed): no
  // reply can be sent any more, but it gets its decision record (action error, status 0).
  void recordMalformed(std::string_view reason);
  bool responseComplete() const { return response_complete_; }
  bool requestComplete() const { return request_complete_; }

  // --- Exchange (what stages see) ---
  const RequestHead& request() const override { return request_; }
  RequestHead& mutableRequest() override { return request_; }
  const ResponseHead* response() const override { return response_ ? &*response_ : nullptr; }
  ResponseHead* mutableResponse() override { return response_ ? &*response_ : nullptr; }
  const ConnectionInfo& connection() const override { return connection_; }
  const RouteConfig* route() const override { return route_; }
  const ConfigSnapshot& config() const override { return *config_; }
  std::string_view requestId() const override { return request_id_; }
  DecisionRecord& record() override { return record_; }
  const DecisionRecord& record() const override { return record_; }
  WorkerContext& worker() override { return worker_; }
  void resume(Verdict v) override;
  const canonical::CanonicalRequest* canonicalRequest() const override { return canonical_.get(); }
  void setCanonicalRequest(std::shared_ptr<const canonical::CanonicalRequest> view) override {
    canonical_ = std::move(view);
  }
  bool replaceRequestBody(std::string body) override;

  // --- UpstreamCallbacks ---
  void onUpstreamConnected(const std::string& endpoint) override;
  void onUpstreamHeaders(ResponseHead&& head, bool end_stream) override;
  void onUpstreamData(std::string_view data, bool end_stream) override;
  void onUpstreamFailure(const Error& error) override;
  void onUpstreamRequestBodyDrained() override;

 private:
  // Runs `phase` over the stages from `first`; stops at the first verdict that is not Continue.
  Verdict runPhase(Phase phase, std::size_t first, std::span<const std::byte> chunk, bool end);
  // Acts on a non-Continue verdict. Returns false when the exchange has ended.
  bool applyVerdict(const Verdict& v, Phase phase);
  void continueAfterRequestHeaders();
  void deliverRequestBody(std::string_view data, bool end_stream);
  void startUpstream();
  void sendLocalReply(std::uint16_t status, std::string_view reason, Phase phase,
                      std::string_view action);
  void resetDownstream(std::string_view reason);
  void finalize();
  void armBodyTimer();

  WorkerContext& worker_;
  DownstreamStream& downstream_;
  ConnectionInfo connection_;
  std::shared_ptr<const ConfigSnapshot> config_;
  RequestHead request_;
  std::optional<ResponseHead> response_;
  const RouteConfig* route_ = nullptr;
  const ClusterRuntime* cluster_ = nullptr;
  std::string request_id_;
  DecisionRecord record_;
  std::vector<std::unique_ptr<Stage>> stages_;
  std::unique_ptr<UpstreamRequest> upstream_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point upstream_started_{};
  Timer body_timer_;

  std::string buffered_body_;       // BodyMode::Buffer only, bounded by the route's max_body_bytes
  std::shared_ptr<const canonical::CanonicalRequest> canonical_;  // set by the canonical stage
  bool in_buffered_body_phase_ = false;                           // replaceRequestBody() is allowed
  bool buffer_request_body_ = false;
  bool request_headers_done_ = false;  // RequestHeaders phase passed, body may flow
  bool request_complete_ = false;
  bool response_started_ = false;
  bool response_complete_ = false;
  bool ended_ = false;              // a local reply, reset or completion decided the outcome
  bool logged_ = false;
  bool body_paused_by_upstream_ = false;
  // Pending verdict bookkeeping: which phase and stage to continue from.
  std::optional<Phase> pending_phase_;
  std::size_t pending_stage_ = 0;
};

}  // namespace rampart
