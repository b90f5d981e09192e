// A FakeExchange for stage unit tests (conventions §6: drive the stage, assert the verdict, the
// reason and the counters; no sockets). It owns a real WorkerContext on a private ev loop and a
// real ConfigSnapshot built by buildSnapshot() from a small Config: one plain listener, one echo
// cluster and one catch-all route.
#pragma once

#include <ev.h>

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proxy/api/exchange.h"
#include "proxy/api/stage.h"
#include "proxy/config/config.h"
#include "proxy/config_snapshot.h"
#include "proxy/worker_context.h"

namespace rampart::test {

// An ev loop owned by a test; destroyed last (declare it before anything that uses it).
class TestLoop {
 public:
  TestLoop() : loop_(ev_loop_new(0)) { REQUIRE(loop_ != nullptr); }
  ~TestLoop() { ev_loop_destroy(loop_); }
  TestLoop(const TestLoop&) = delete;
  TestLoop& operator=(const TestLoop&) = delete;
  struct ev_loop* get() const {
    return loop_;
  }
  // One non-blocking loop iteration: prepare watchers (posted work, deferred deletes) run.
  void runOnce() const { ev_run(loop_, EVRUN_NOWAIT); }

 private:
  struct ev_loop* loop_;
};

// One listener ("main", plain HTTP/1.1), one echo cluster ("echo"), one route ("default", every
// host, every path, max_body_bytes 1024).
inline Config makeTestConfig() {
  Config config;
  config.source_file = "fake_exchange.yaml";
  config.workers = 1;
  ListenerConfig listener;
  listener.name = "main";
  listener.address = "127.0.0.1:8080";
  listener.host = "127.0.0.1";
  listener.port = 8080;
  listener.protocols = {ListenerProtocol::Http1};
  config.listeners.push_back(std::move(listener));
  ClusterConfig echo;
  echo.name = "echo";
  echo.type = ClusterType::Echo;
  config.clusters.push_back(std::move(echo));
  RouteConfig route;
  route.name = "default";
  route.hosts = {"*"};
  route.path_prefix = "/";
  route.cluster = "echo";
  route.max_body_bytes = 1024;
  config.routes.push_back(std::move(route));
  return config;
}

inline std::shared_ptr<const ConfigSnapshot> makeTestSnapshot(Config config = makeTestConfig()) {
  auto built = buildSnapshot(std::move(config), 1);
  if (!built) FAIL("buildSnapshot failed: " << built.error().detail);
  return built.value();
}

// A plain HTTP/1.1 GET / for example.com, as the h1 codec would deliver it.
inline RequestHead makeGet(std::string target = "/", HttpProtocol protocol = HttpProtocol::Http11) {
  RequestHead req;
  req.method = "GET";
  req.scheme = "http";
  req.authority = "example.com";
  req.target = std::move(target);
  req.protocol = protocol;
  if (protocol != HttpProtocol::Http2) req.headers.add("host", "example.com");
  req.headers.add("user-agent", "rampart-test/1");
  req.headers.add("accept", "*/*");
  req.content_length = protocol == HttpProtocol::Http2 ? -1 : 0;
  return req;
}

class FakeExchange final : public Exchange {
 public:
  explicit FakeExchange(std::shared_ptr<const ConfigSnapshot> snapshot = makeTestSnapshot())
      : snapshot_(std::move(snapshot)), worker_(0, loop_.get(), nullptr) {
    worker_.setConfig(snapshot_);
    request_id_ = worker_.newRequestId();
    connection_.id = 1;
    connection_.listener = "main";
    connection_.client_ip = "192.0.2.10";
    connection_.client_port = 40000;
    request_ = makeGet();
    route_ = &snapshot_->config.routes.front();
    record_.request_id = request_id_;
  }

  // --- set-up helpers ---
  void setRequest(RequestHead req) { request_ = std::move(req); }
  void setRoute(const RouteConfig* route) { route_ = route; }
  // Routes the current request the way the real exchange does.
  void matchRoute() {
    route_ = snapshot_->matchRoute(hostOfAuthority(request_.authority), request_.target);
  }
  void setResponse(ResponseHead head) { response_ = std::move(head); }
  ConnectionInfo& mutableConnection() { return connection_; }
  TestLoop& loop() { return loop_; }

  // --- what tests assert on ---
  const std::vector<Verdict>& resumed() const { return resumed_; }

  // --- Exchange ---
  const RequestHead& request() const override { return request_; }
  RequestHead& mutableRequest() override { return request_; }
  const ResponseHead* response() const override { return response_ ? &*response_ : nullptr; }
  ResponseHead* mutableResponse() override { return response_ ? &*response_ : nullptr; }
  const ConnectionInfo& connection() const override { return connection_; }
  const RouteConfig* route() const override { return route_; }
  const ConfigSnapshot& config() const override { return *snapshot_; }
  std::string_view requestId() const override { return request_id_; }
  DecisionRecord& record() override { return record_; }
  const DecisionRecord& record() const override { return record_; }
  WorkerContext& worker() override { return worker_; }
  void resume(Verdict v) override { resumed_.push_back(v); }
  const canonical::CanonicalRequest* canonicalRequest() const override { return canonical_.get(); }
  void setCanonicalRequest(std::shared_ptr<const canonical::CanonicalRequest> view) override {
    canonical_ = std::move(view);
  }
  // The fake accepts a replacement whenever a body is set (tests drive the buffered phase).
  bool replaceRequestBody(std::string body) override {
    body_ = std::move(body);
    body_replaced_ = true;
    return true;
  }
  const std::string& body() const { return body_; }
  bool bodyReplaced() const { return body_replaced_; }

 private:
  std::shared_ptr<const canonical::CanonicalRequest> canonical_;
  std::string body_;
  bool body_replaced_ = false;
  TestLoop loop_;  // first: outlives the WorkerContext that uses it
  std::shared_ptr<const ConfigSnapshot> snapshot_;
  WorkerContext worker_;
  RequestHead request_;
  std::optional<ResponseHead> response_;
  ConnectionInfo connection_;
  const RouteConfig* route_ = nullptr;
  std::string request_id_;
  DecisionRecord record_;
  std::vector<Verdict> resumed_;
};

}  // namespace rampart::test

namespace Catch {
template <>
struct StringMaker<rampart::Verdict::Kind> {
  static std::string convert(rampart::Verdict::Kind k) {
    static constexpr const char* kKinds[] = {"Continue", "Respond", "Drop", "Pending"};
    return kKinds[static_cast<int>(k)];
  }
};
template <>
struct StringMaker<rampart::Verdict> {
  static std::string convert(const rampart::Verdict& v) {
    return "Verdict{" + StringMaker<rampart::Verdict::Kind>::convert(v.kind) + ", " +
           std::to_string(v.status) + ", \"" + std::string(v.reason) + "\"}";
  }
};
}  // namespace Catch
