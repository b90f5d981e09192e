// One request sent to an upstream cluster: a pooled HTTP/1.1 connection or the built-in echo
// upstream. Callbacks are never invoked from inside the call that caused them (no re-entrancy).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "proxy/api/error.h"
#include "proxy/api/headers.h"

namespace rampart {

class WorkerContext;
struct ClusterRuntime;

class UpstreamCallbacks {
 public:
  virtual ~UpstreamCallbacks() = default;
  virtual void onUpstreamConnected(const std::string& endpoint) = 0;
  virtual void onUpstreamHeaders(ResponseHead&& head, bool end_stream) = 0;
  virtual void onUpstreamData(std::string_view data, bool end_stream) = 0;
  // Any failure: before the response head (-> local reply) or after it (-> reset downstream).
  virtual void onUpstreamFailure(const Error& error) = 0;
  // The request body buffer fell below its low watermark: downstream may send more.
  virtual void onUpstreamRequestBodyDrained() = 0;
};

class UpstreamRequest {
 public:
  // Destroying cancels: the connection returns to the pool only if the exchange on it completed.
  virtual ~UpstreamRequest() = default;
  virtual void sendData(std::string_view data, bool end_stream) = 0;
  virtual bool requestBodyAboveHighWatermark() const = 0;
  virtual void setResponseReadPaused(bool paused) = 0;
};

std::unique_ptr<UpstreamRequest> createUpstreamRequest(WorkerContext& worker,
                                                       const ClusterRuntime& cluster,
                                                       RequestHead&& head,
                                                       UpstreamCallbacks& callbacks);

}  // namespace rampart
