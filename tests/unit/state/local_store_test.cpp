#include "state/local_store.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

namespace rampart::state {
namespace {

constexpr std::int64_t kSecond = 1'000'000;

class ManualClock final : public Clock {
 public:
  std::int64_t nowUs() const override { return now.load(); }
  std::atomic<std::int64_t> now{1'000 * kSecond};
};

TEST_CASE("local store: many threads on one key admit exactly the limit", "[state][local_store]") {
  ManualClock clock;
  LocalStore store(1000, clock);
  for (Algorithm algorithm : {Algorithm::SlidingWindow, Algorithm::Gcra}) {
    const LimitSpec spec{algorithm, 1000, 60 * kSecond, 1000};
    const std::string key = "shared-key-" + std::string(algorithmName(algorithm));
    std::atomic<int> admitted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 500; ++i)  // 4000 tries in all
          if (store.decide(key, spec).decision.admission == Admission::Admitted) ++admitted;
      });
    }
    for (auto& t : threads) t.join();
    INFO(algorithmName(algorithm));
    CHECK(admitted.load() == 1000);
  }
}

TEST_CASE("local store: threads on distinct keys do not disturb each other", "[state][local_store]") {
  ManualClock clock;
  LocalStore store(10'000, clock);
  const LimitSpec spec{Algorithm::SlidingWindow, 50, 10 * kSecond, 1};
  std::vector<int> admitted(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k)
        for (int i = 0; i < 60; ++i)
          if (store.decide("k" + std::to_string(t) + ":" + std::to_string(k), spec)
                  .decision.admission == Admission::Admitted)
            ++admitted[t];
    });
  }
  for (auto& t : threads) t.join();
  for (int n : admitted) CHECK(n == 20 * 50);
  CHECK(store.size() == 160);
}

TEST_CASE("local store: the number of keys is bounded", "[state][local_store]") {
  ManualClock clock;
  LocalStore store(640, clock);  // 10 per shard
  const LimitSpec spec{Algorithm::SlidingWindow, 5, 10 * kSecond, 1};
  std::size_t live_evictions = 0;
  for (int i = 0; i < 100'000; ++i) {
    if (store.decide("client-" + std::to_string(i), spec).eviction == StoreEviction::EvictedLive)
      ++live_evictions;
  }
  CHECK(store.size() <= store.maxKeys());
  CHECK(store.maxKeys() == 640);
  CHECK(live_evictions >= 100'000 - 640);
}

TEST_CASE("local store: expired keys are reclaimed before live ones", "[state][local_store]") {
  ManualClock clock;
  LocalStore store(64 * 100, clock);  // 100 keys per shard
  const LimitSpec spec{Algorithm::Gcra, 1, kSecond, 1};
  for (int i = 0; i < 64 * 300; ++i) store.decide("old-" + std::to_string(i), spec);  // all full
  CHECK(store.size() == store.maxKeys());
  clock.now += 5 * kSecond;  // every GCRA state expired (TAT passed)
  std::size_t live_evictions = 0;
 // Fewer new keys than one shard holds: only expired keys can have made room.
  for (int i = 0; i < 100; ++i)
    live_evictions += store.decide("new-" + std::to_string(i), spec).eviction ==
                      StoreEviction::EvictedLive;
  CHECK(live_evictions == 0);
}

TEST_CASE("local store: a key keeps its count while it is used", "[state][local_store]") {
  ManualClock clock;
  LocalStore store(64, clock);
  const LimitSpec spec{Algorithm::SlidingWindow, 3, 10 * kSecond, 1};
  for (int i = 0; i < 3; ++i) CHECK(store.decide("k", spec).decision.admission == Admission::Admitted);
  const StoreDecision d = store.decide("k", spec);
  CHECK(d.decision.admission == Admission::Limited);
  CHECK(d.decision.retry_after_us > 0);
  clock.now += 30 * kSecond;
  CHECK(store.decide("k", spec).decision.admission == Admission::Admitted);
}

TEST_CASE("local store: over-long keys are admitted and never stored", "[state][local_store]") {
  LocalStore store(64);
  const LimitSpec spec{Algorithm::SlidingWindow, 1, kSecond, 1};
  const std::string key(LocalStore::kMaxKeyBytes + 1, 'x');
  for (int i = 0; i < 3; ++i) CHECK(store.decide(key, spec).decision.admission == Admission::Admitted);
  CHECK(store.size() == 0);
}

TEST_CASE("local store: the shared store survives while held and restarts on a new size",
          "[state][local_store]") {
  auto a = LocalStore::shared(1000);
  auto b = LocalStore::shared(1000);
  CHECK(a == b);
  auto c = LocalStore::shared(5000);
  CHECK(c != a);
}

}  // namespace
}  // namespace rampart::state
