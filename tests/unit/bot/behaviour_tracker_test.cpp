// Behaviour per client (bot/behaviour_tracker.cpp) with injected time.
#include "bot/behaviour_tracker.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

namespace rampart::bot {
namespace {

BehaviourObservation at(std::uint64_t key, double now, int status = 200, std::uint64_t path = 1) {
  BehaviourObservation o;
  o.client_key = key;
  o.now_s = now;
  o.status = status;
  o.path_hash = path;
  return o;
}

std::vector<std::string_view> componentNames(const BehaviourSummary& s,
                                             bool claims_browser = false) {
  std::vector<BotScoreComponent> out;
  scoreBehaviour(s, BehaviourThresholds{}, claims_browser, out);
  std::vector<std::string_view> names;
  for (const auto& c : out) names.push_back(c.name);
  return names;
}

TEST_CASE("behaviour: counts in the window, half of the previous one, none after two",
          "[bot][behaviour]") {
  BehaviourTracker t(1000, 60);
  for (int i = 0; i < 10; ++i) t.observe(at(7, 100.0 + i, i < 4 ? 404 : 200));
  BehaviourSummary s = t.summary(7, 110);
  CHECK(s.known);
  CHECK(s.requests == 10);
  CHECK(s.not_found == 4);
  CHECK(s.client_errors == 4);
  // One window later: the previous window counts half.
  s = t.summary(7, 165);
  CHECK(s.requests == 5);
  CHECK(s.not_found == 2);
  // Two windows later: forgotten.
  s = t.summary(7, 300);
  CHECK(s.requests == 0);
  CHECK_FALSE(t.summary(8, 110).known);
}

TEST_CASE("behaviour: a metronome is regular, a person is not", "[bot][behaviour]") {
  BehaviourTracker t(1000, 600);
  for (int i = 0; i < 30; ++i) t.observe(at(1, 1000.0 + i * 0.5));
  const BehaviourSummary machine = t.summary(1, 1016);
  CHECK(machine.gaps == 29);
  CHECK(machine.gap_mean_s == Approx(0.5));
  CHECK(machine.gap_cv < 0.01);
  CHECK(componentNames(machine) == std::vector<std::string_view>{"behaviour_regular_timing"});

  const double human_gaps[] = {0.3, 4.1, 0.2, 0.2, 7.5, 1.1, 0.4, 12.0, 0.3, 2.2, 0.9, 5.0, 0.2};
  double now = 2000;
  t.observe(at(2, now));
  for (double g : human_gaps) t.observe(at(2, now += g));
  const BehaviourSummary person = t.summary(2, now);
  CHECK(person.gap_cv > 0.5);
  CHECK(componentNames(person).empty());
}

TEST_CASE("behaviour: rate, 404 share, path spread, auth attempts, no assets",
          "[bot][behaviour]") {
  BehaviourTracker t(1000, 60);
  // An enumerator: every request a new path, most of them 404, at an irregular pace.
  double now = 10;
  for (int i = 0; i < 40; ++i) t.observe(at(3, now += (i % 3 == 0 ? 0.1 : 1.3), i % 4 ? 404 : 200, 1000 + i));
  auto names = componentNames(t.summary(3, now));
  CHECK(std::find(names.begin(), names.end(), "behaviour_not_found") != names.end());
  CHECK(std::find(names.begin(), names.end(), "behaviour_path_spread") != names.end());

  // Credential stuffing: many POSTs to the login endpoint.
  now = 10;
  for (int i = 0; i < 12; ++i) {
    BehaviourObservation o = at(4, now += (i % 2 ? 0.2 : 2.0), 401);
    o.auth_attempt = true;
    t.observe(o);
  }
  names = componentNames(t.summary(4, 40));
  CHECK(std::find(names.begin(), names.end(), "behaviour_auth_attempts") != names.end());

  // Pages and never an asset: only counts against browser claims.
  now = 10;
  for (int i = 0; i < 25; ++i) {
    BehaviourObservation o = at(5, now += (i % 2 ? 0.3 : 2.5), 200, 7);
    o.page = true;
    t.observe(o);
  }
  CHECK(componentNames(t.summary(5, 50), false).empty());
  CHECK(componentNames(t.summary(5, 50), true) ==
        std::vector<std::string_view>{"behaviour_no_assets"});

  // A flood.
  for (int i = 0; i < 400; ++i) t.observe(at(6, 10.0 + (i % 7) * 0.01 + i * 0.05));
  names = componentNames(t.summary(6, 40));
  CHECK(std::find(names.begin(), names.end(), "behaviour_rate") != names.end());
}

TEST_CASE("behaviour: bounded, least recently seen client evicted", "[bot][behaviour]") {
  BehaviourTracker t(64, 60);  // one entry per shard
  CHECK(t.maxClients() == 64);
  t.observe(at(0, 1));
  t.observe(at(64, 2));  // same shard (key % 64): evicts key 0
  CHECK_FALSE(t.summary(0, 3).known);
  CHECK(t.summary(64, 3).known);
  CHECK(t.evictions() == 1);
  for (std::uint64_t k = 0; k < 10000; ++k) t.observe(at(k, 5));
  CHECK(t.size() <= 64);
}

TEST_CASE("behaviour: workers observing at once", "[bot][behaviour]") {
  BehaviourTracker t(1000, 60);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) t.observe(at(42, 1.0 + i * 0.001));
    });
  for (auto& th : threads) th.join();
  CHECK(t.summary(42, 2).requests == 4000);
}

TEST_CASE("behaviour: the key depends on JA4 only when asked", "[bot][behaviour]") {
  CHECK(BehaviourTracker::keyOf("192.0.2.1", "") == BehaviourTracker::keyOf("192.0.2.1", ""));
  CHECK(BehaviourTracker::keyOf("192.0.2.1", "a") != BehaviourTracker::keyOf("192.0.2.1", "b"));
  CHECK(BehaviourTracker::keyOf("192.0.2.1", "") != BehaviourTracker::keyOf("192.0.2.2", ""));
}

}  // namespace
}  // namespace rampart::bot

namespace rampart::bot {
namespace {

TEST_CASE("behaviour: fleet counts from Redis raise the local ones while fresh",
          "[bot][behaviour]") {
  BehaviourTracker t(1000, 60);
  for (int i = 0; i < 3; ++i) {
    BehaviourObservation o = at(9, 100.0 + i, 401);
    o.auth_attempt = true;
    t.observe(o);
  }
  t.recordFleetCount(9, FleetCounter::AuthAttempts, 12, 103);
  t.recordFleetCount(9, FleetCounter::Requests, 2, 103);  // lower than local: local wins
  BehaviourSummary s = t.summary(9, 104);
  CHECK(s.auth_attempts == 12);
  CHECK(s.requests == 3);
  std::vector<BotScoreComponent> out;
  scoreBehaviour(s, BehaviourThresholds{}, false, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].name == "behaviour_auth_attempts");
  // A window later the fleet count is stale and no longer used.
  CHECK(t.summary(9, 170).auth_attempts == 1);  // the local 3, halved
  // A client this instance does not track is ignored.
  t.recordFleetCount(12345, FleetCounter::Requests, 50, 103);
  CHECK_FALSE(t.summary(12345, 104).known);
  CHECK(fleetCounterName(FleetCounter::NotFound) == "not_found");
}

}  // namespace
}  // namespace rampart::bot
