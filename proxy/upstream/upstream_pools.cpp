#include "proxy/upstream/upstream_pools.h"

#include "proxy/config_snapshot.h"
#include "proxy/stats/stats.h"
#include "proxy/worker_context.h"

namespace rampart {
namespace {

// While pooled, a connection belongs to the pool; this user drops it on any event.
class IdleUser final : public UpstreamConnection::User {
 public:
  explicit IdleUser(std::function<void()> drop) : drop_(std::move(drop)) {}
  void onConnectionReady() override {}
  void onConnectionData() override { drop_(); }
  void onConnectionWritable() override {}
  void onConnectionClosed(bool) override { drop_(); }

 private:
  std::function<void()> drop_;
};

}  // namespace

UpstreamPools::~UpstreamPools() { idle_.clear(); }

UpstreamPools::ClusterState& UpstreamPools::state(const ClusterRuntime& cluster) {
  return clusters_[cluster.config->name];
}

std::size_t UpstreamPools::pickEndpoint(const ClusterRuntime& cluster) {
  ClusterState& s = state(cluster);
  const std::size_t n = cluster.endpoints.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t candidate = (s.next + i) % n;
    if (!isEjected(cluster, candidate)) {
      s.next = candidate + 1;
      return candidate;
    }
  }
  return s.next++ % n;
}

bool UpstreamPools::isEjected(const ClusterRuntime& cluster, std::size_t endpoint) const {
  auto c = clusters_.find(cluster.config->name);
  if (c == clusters_.end()) return false;
  auto h = c->second.health.find(cluster.endpoints[endpoint].text);
  return h != c->second.health.end() && h->second.ejected_until > ev_now(worker_.loop());
}

void UpstreamPools::reportSuccess(const ClusterRuntime& cluster, std::size_t endpoint) {
  auto& h = state(cluster).health[cluster.endpoints[endpoint].text];
  h.consecutive_failures = 0;
  h.ejected_until = 0;
}

void UpstreamPools::reportFailure(const ClusterRuntime& cluster, std::size_t endpoint) {
  auto& h = state(cluster).health[cluster.endpoints[endpoint].text];
  if (++h.consecutive_failures >= cluster.config->health.failure_threshold) {
    h.ejected_until = ev_now(worker_.loop()) + cluster.config->health.eject_ms / 1000.0;
    h.consecutive_failures = 0;
    worker_.stats().inc(Counter::upstream_endpoint_ejections_total);
  }
}

std::unique_ptr<UpstreamConnection> UpstreamPools::takeIdle(const std::string& endpoint) {
  auto it = idle_.find(endpoint);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  auto conn = std::move(it->second.back());  // most recently used: warmest, least likely stale
  it->second.pop_back();
  conn->timer().disarm();
  conn->setUser(nullptr);
  worker_.stats().gaugeAdd(Gauge::upstream_connections_idle, -1);
  worker_.stats().inc(Counter::upstream_pool_reuse_total);
  return conn;
}

void UpstreamPools::releaseIdle(std::unique_ptr<UpstreamConnection> connection,
                                std::size_t max_idle, std::uint32_t idle_timeout_ms) {
  auto& list = idle_[connection->endpoint()];
  if (list.size() >= max_idle || worker_.draining()) {
    // Not kept: close it, but not from inside one of its own callbacks.
    connection->setUser(nullptr);
    connection->timer().setCallback([] {});
    worker_.postLocal([keep = std::shared_ptr<UpstreamConnection>(std::move(connection))] {});
    return;
  }
  UpstreamConnection* raw = connection.get();
  auto user = std::make_shared<IdleUser>([this, raw] {
    worker_.postLocal([this, raw] { dropIdle(raw); });
  });
  // The user must outlive the connection's callbacks: keep it in the timer's closure.
  raw->setUser(user.get());
  raw->timer().setCallback([this, raw, user] { dropIdle(raw); });
  raw->timer().armMs(idle_timeout_ms);
  raw->setReadEnabled(true);
  list.push_back(std::move(connection));
  worker_.stats().gaugeAdd(Gauge::upstream_connections_idle, 1);
}

void UpstreamPools::dropIdle(UpstreamConnection* connection) {
  for (auto& [endpoint, list] : idle_) {
    for (auto it = list.begin(); it != list.end(); ++it) {
      if (it->get() != connection) continue;
      std::unique_ptr<UpstreamConnection> doomed = std::move(*it);
      list.erase(it);
      worker_.stats().gaugeAdd(Gauge::upstream_connections_idle, -1);
      doomed->setUser(nullptr);
      doomed->timer().setCallback([] {});
      worker_.postLocal([keep = std::shared_ptr<UpstreamConnection>(std::move(doomed))] {});
      return;
    }
  }
}

std::size_t UpstreamPools::idleCount() const {
  std::size_t n = 0;
  for (const auto& [endpoint, list] : idle_) n += list.size();
  return n;
}

}  // namespace rampart
