// A request forwarded over a pooled HTTP/1.1 keep-alive connection: endpoint choice (round
// robin, passive health), connect/response timeouts, one retry on a fresh connection when a
// reused one turns out stale or a connect fails, strict response parsing, and reuse decisions.
#pragma once

#include <memory>
#include <optional>

#include "proxy/api/headers.h"
#include "proxy/http1/chunked_decoder.h"
#include "proxy/upstream/upstream_connection.h"
#include "proxy/upstream/upstream_request.h"

namespace rampart {

class Http1UpstreamRequest final : public UpstreamRequest, public UpstreamConnection::User {
 public:
  Http1UpstreamRequest(WorkerContext& worker, const ClusterRuntime& cluster, RequestHead&& head,
                       UpstreamCallbacks& callbacks);
  ~Http1UpstreamRequest() override;

  // UpstreamRequest
  void sendData(std::string_view data, bool end_stream) override;
  bool requestBodyAboveHighWatermark() const override;
  void setResponseReadPaused(bool paused) override;

  // UpstreamConnection::User
  void onConnectionReady() override;
  void onConnectionData() override;
  void onConnectionWritable() override;
  void onConnectionClosed(bool error) override;

 private:
  enum class ResponseState : std::uint8_t { Head, Body, Done };

  void attempt();
  void fail(std::uint16_t status, std::string_view reason, bool retryable);
  void processResponse();
  void completeResponse(std::string_view last_data);
  void releaseConnection(bool reusable);
  void armResponseTimer();
  void writeRequestBytes(std::string_view bytes, bool end_of_request);
  bool replayable() const;

  WorkerContext& worker_;
  const ClusterRuntime& cluster_;
  RequestHead head_;
  UpstreamCallbacks& callbacks_;
  std::unique_ptr<UpstreamConnection> connection_;
  std::size_t endpoint_ = 0;
  std::size_t attempts_ = 0;
  bool reused_connection_ = false;
  bool upstream_chunked_ = false;     // we send the body chunked (length unknown)
  bool request_sent_ = false;         // end of request written to the connection
  bool response_started_ = false;     // any response byte seen
  bool headers_delivered_ = false;
  bool paused_ = false;
  bool coalesce_ = false;             // known-length body: send head and body in few send()s
  std::string pending_;               // request bytes written before a connection exists
  ResponseState state_ = ResponseState::Head;
  std::string response_method_;
  std::int64_t body_remaining_ = -1;  // -1: until close (or chunked)
  bool response_chunked_ = false;
  bool response_close_delimited_ = false;
  bool response_keep_alive_ = true;
  std::optional<http1::ChunkedDecoder> chunked_;
  std::string scratch_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace rampart
