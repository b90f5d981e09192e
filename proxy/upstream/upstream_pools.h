// Per-worker upstream state: round robin, passive health (an endpoint that fails is skipped for
// eject_ms) and idle keep-alive connections per endpoint. Worker-local, so no locks.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proxy/upstream/upstream_connection.h"

namespace rampart {

class WorkerContext;
struct ClusterRuntime;

class UpstreamPools {
 public:
  explicit UpstreamPools(WorkerContext& worker) : worker_(worker) {}
  ~UpstreamPools();

  // Next endpoint by round robin, skipping ejected ones; when all are ejected, plain round robin
  // (a panic mode, as Envoy's: better to try than to fail everything).
  std::size_t pickEndpoint(const ClusterRuntime& cluster);
  void reportSuccess(const ClusterRuntime& cluster, std::size_t endpoint);
  void reportFailure(const ClusterRuntime& cluster, std::size_t endpoint);
  bool isEjected(const ClusterRuntime& cluster, std::size_t endpoint) const;

  std::unique_ptr<UpstreamConnection> takeIdle(const std::string& endpoint);
  void releaseIdle(std::unique_ptr<UpstreamConnection> connection, std::size_t max_idle,
                   std::uint32_t idle_timeout_ms);
  std::size_t idleCount() const;

 private:
  struct EndpointHealth {
    std::uint32_t consecutive_failures = 0;
    double ejected_until = 0;
  };
  struct ClusterState {
    std::size_t next = 0;
    std::map<std::string, EndpointHealth> health;  // by endpoint text, survives reloads
  };
  ClusterState& state(const ClusterRuntime& cluster);
  void dropIdle(UpstreamConnection* connection);

  WorkerContext& worker_;
  std::map<std::string, ClusterState> clusters_;
  std::map<std::string, std::deque<std::unique_ptr<UpstreamConnection>>> idle_;
};

}  // namespace rampart
