#include "proxy/upstream/upstream_pools.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "proxy/config_snapshot.h"
#include "proxy/worker_context.h"
#include "tests/unit/fakes/fake_exchange.h"

namespace rampart {
namespace {

// A worker on its own loop plus a static cluster of three loopback endpoints. No sockets: the
// round robin and the passive health only look at endpoint texts and the loop's clock.
struct PoolHarness {
  explicit PoolHarness(std::uint32_t failure_threshold = 1, std::uint32_t eject_ms = 5000)
      : worker(0, loop.get(), nullptr) {
    config.name = "backends";
    config.health.failure_threshold = failure_threshold;
    config.health.eject_ms = eject_ms;
    config.endpoints = {"127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"};
    cluster.config = &config;
    for (std::uint16_t port : {9001, 9002, 9003}) {
      auto addr = resolveAddress("127.0.0.1", port);
      REQUIRE(addr);
      cluster.endpoints.push_back(addr.value());
    }
  }
  UpstreamPools& pools() { return worker.upstreamPools(); }
  std::vector<std::size_t> pick(int n) {
    std::vector<std::size_t> out;
    for (int i = 0; i < n; ++i) out.push_back(pools().pickEndpoint(cluster));
    return out;
  }
  // Lets wall time pass and refreshes the loop's cached clock, which ejection is measured on.
  void sleepMs(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    ev_now_update(loop.get());
  }
  std::uint64_t ejections() {
    return worker.stats().counter(Counter::upstream_endpoint_ejections_total);
  }

  test::TestLoop loop;
  WorkerContext worker;
  ClusterConfig config;
  ClusterRuntime cluster;
};

using V = std::vector<std::size_t>;

TEST_CASE("UpstreamPools: round robin over three endpoints", "[upstream][pools]") {
  PoolHarness h;
  CHECK(h.pick(7) == V{0, 1, 2, 0, 1, 2, 0});
  for (std::size_t i = 0; i < 3; ++i) CHECK_FALSE(h.pools().isEjected(h.cluster, i));
  CHECK(h.pools().idleCount() == 0);
  CHECK(h.pools().takeIdle("127.0.0.1:9001") == nullptr);
}

TEST_CASE("UpstreamPools: round robin state is per cluster", "[upstream][pools]") {
  PoolHarness h;
  ClusterConfig other_config = h.config;
  other_config.name = "other";
  ClusterRuntime other = h.cluster;
  other.config = &other_config;
  CHECK(h.pools().pickEndpoint(h.cluster) == 0);
  CHECK(h.pools().pickEndpoint(h.cluster) == 1);
  CHECK(h.pools().pickEndpoint(other) == 0);
  CHECK(h.pools().pickEndpoint(h.cluster) == 2);
}

TEST_CASE("UpstreamPools: an endpoint failing failure_threshold times is skipped",
          "[upstream][pools]") {
  PoolHarness h(/*failure_threshold=*/3, /*eject_ms=*/60000);
  h.pools().reportFailure(h.cluster, 1);
  h.pools().reportFailure(h.cluster, 1);
  CHECK_FALSE(h.pools().isEjected(h.cluster, 1));
  CHECK(h.ejections() == 0);
  CHECK(h.pick(3) == V{0, 1, 2});
  h.pools().reportFailure(h.cluster, 1);
  CHECK(h.pools().isEjected(h.cluster, 1));
  CHECK(h.ejections() == 1);
  CHECK(h.pick(6) == V{0, 2, 0, 2, 0, 2});
  // Still ejected a little later (60 s is far away).
  h.sleepMs(5);
  CHECK(h.pools().isEjected(h.cluster, 1));
}

TEST_CASE("UpstreamPools: an ejected endpoint returns after eject_ms", "[upstream][pools]") {
  PoolHarness h(/*failure_threshold=*/1, /*eject_ms=*/20);
  h.pools().reportFailure(h.cluster, 0);
  CHECK(h.pools().isEjected(h.cluster, 0));
  CHECK(h.pick(2) == V{1, 2});
  h.sleepMs(40);
  CHECK_FALSE(h.pools().isEjected(h.cluster, 0));
  CHECK(h.pick(3) == V{0, 1, 2});
}

TEST_CASE("UpstreamPools: the loop's cached clock decides, not the wall clock",
          "[upstream][pools]") {
  PoolHarness h(1, 20);
  h.pools().reportFailure(h.cluster, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  CHECK(h.pools().isEjected(h.cluster, 2));  // ev_now() has not moved yet
  h.loop.runOnce();                          // an iteration refreshes it
  CHECK_FALSE(h.pools().isEjected(h.cluster, 2));
}

TEST_CASE("UpstreamPools: all endpoints ejected still yields endpoints (panic mode)",
          "[upstream][pools]") {
  PoolHarness h(1, 60000);
  for (std::size_t i = 0; i < 3; ++i) h.pools().reportFailure(h.cluster, i);
  for (std::size_t i = 0; i < 3; ++i) CHECK(h.pools().isEjected(h.cluster, i));
  CHECK(h.ejections() == 3);
  const V picks = h.pick(6);
  for (std::size_t p : picks) CHECK(p < 3);
  CHECK(picks == V{0, 1, 2, 0, 1, 2});  // plain round robin over all of them
}

TEST_CASE("UpstreamPools: success resets the failure count", "[upstream][pools]") {
  PoolHarness h(/*failure_threshold=*/2, /*eject_ms=*/60000);
  SECTION("failures must be consecutive") {
    h.pools().reportFailure(h.cluster, 0);
    h.pools().reportSuccess(h.cluster, 0);
    h.pools().reportFailure(h.cluster, 0);
    CHECK_FALSE(h.pools().isEjected(h.cluster, 0));
    h.pools().reportFailure(h.cluster, 0);
    CHECK(h.pools().isEjected(h.cluster, 0));
  }
  SECTION("success lifts an ejection") {
    h.pools().reportFailure(h.cluster, 0);
    h.pools().reportFailure(h.cluster, 0);
    REQUIRE(h.pools().isEjected(h.cluster, 0));
    h.pools().reportSuccess(h.cluster, 0);
    CHECK_FALSE(h.pools().isEjected(h.cluster, 0));
  }
  SECTION("after an ejection the count starts again from zero") {
    h.pools().reportFailure(h.cluster, 0);
    h.pools().reportFailure(h.cluster, 0);
    REQUIRE(h.ejections() == 1);
    h.pools().reportFailure(h.cluster, 0);
    CHECK(h.ejections() == 1);
    h.pools().reportFailure(h.cluster, 0);
    CHECK(h.ejections() == 2);
  }
}

TEST_CASE("UpstreamPools: health survives a reload (keyed by cluster name and endpoint text)",
          "[upstream][pools]") {
  PoolHarness h(1, 60000);
  h.pools().reportFailure(h.cluster, 1);
  // A new generation: a new ClusterRuntime with the endpoints in another order.
  ClusterConfig reloaded = h.config;
  ClusterRuntime next;
  next.config = &reloaded;
  next.endpoints = {h.cluster.endpoints[1], h.cluster.endpoints[2], h.cluster.endpoints[0]};
  CHECK(h.pools().isEjected(next, 0));
  CHECK_FALSE(h.pools().isEjected(next, 1));
  CHECK_FALSE(h.pools().isEjected(next, 2));
}

}  // namespace
}  // namespace rampart
