// What a Stage sees of one request/response exchange (Envoy's StreamFilterCallbacks, Pingora's
// Session + CTX). Implemented by proxy/exchange.cpp; stage unit tests use a fake.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/api/decision_record.h"
#include "proxy/api/headers.h"
#include "proxy/api/stage.h"

namespace rampart {

namespace canonical {
struct CanonicalRequest;
}

struct RouteConfig;
struct ConfigSnapshot;

// Facts about the downstream connection, fixed for its life.
struct ConnectionInfo {
  std::uint64_t id = 0;
  std::string listener;     // listener name from config
  std::string client_ip;    // textual address, no port
  std::uint16_t client_port = 0;
  bool tls = false;
  std::string tls_version;  // "TLSv1.3", empty on plain
  std::string alpn;         // "h2", "http/1.1", empty when none was negotiated
  std::string sni;          // server name the client asked for, empty when none
  // TLS client fingerprints of the ClientHello (bot/, docs/bots.md); empty on plain listeners
  // and when the hello could not be fingerprinted.
  std::string ja4;
  std::string ja4_r;
  std::string ja3;
};

class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const RequestHead& request() const = 0;
  virtual RequestHead& mutableRequest() = 0;
  // Null before the ResponseHeaders phase.
  virtual const ResponseHead* response() const = 0;
  virtual ResponseHead* mutableResponse() = 0;
  virtual const ConnectionInfo& connection() const = 0;
  // Null when no route matched (the exchange then ends in a 404 after RequestHeaders).
  virtual const RouteConfig* route() const = 0;
  // The snapshot pinned when the exchange started; a reload never changes it mid-request.
  virtual const ConfigSnapshot& config() const = 0;
  virtual std::string_view requestId() const = 0;
  virtual DecisionRecord& record() = 0;
  virtual const DecisionRecord& record() const = 0;
  virtual WorkerContext& worker() = 0;
  // Completes a stage that returned Verdict::pending(); must be called on the same worker.
  virtual void resume(Verdict v) = 0;

  // The canonical request view, parsed once by the canonical stage and read by every later
  // stage; null when the route does not build one (or before the RequestBody phase).
  virtual const canonical::CanonicalRequest* canonicalRequest() const = 0;
  virtual void setCanonicalRequest(std::shared_ptr<const canonical::CanonicalRequest> view) = 0;
  // Replaces the body that will be forwarded upstream (and that later stages see). Only in the
  // RequestBody phase of a buffered body (BodyMode::Buffer); elsewhere returns false and does
  // nothing. The Content-Length sent upstream follows the new body.
  virtual bool replaceRequestBody(std::string body) = 0;
};

}  // namespace rampart
