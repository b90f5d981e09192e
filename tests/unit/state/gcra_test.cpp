#include "state/gcra.h"

#include <catch2/catch.hpp>

namespace rampart::state {
namespace {

constexpr std::int64_t kSecond = 1'000'000;

LimitSpec spec(std::uint64_t limit, std::int64_t window_us, std::uint64_t burst) {
  return {Algorithm::Gcra, limit, window_us, burst};
}

int admitted(GcraState& s, const LimitSpec& sp, std::int64_t now, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += gcraDecide(s, sp, now).admission == Admission::Admitted;
  return n;
}

TEST_CASE("gcra admits the burst at once, then one per interval", "[state][gcra]") {
  GcraState s;
  const LimitSpec sp = spec(10, 10 * kSecond, 3);  // T = 1 s, burst 3
  CHECK(gcraEmissionIntervalUs(sp) == kSecond);
  for (std::uint64_t i = 1; i <= 3; ++i) {
    const LimitDecision d = gcraDecide(s, sp, 0);
    REQUIRE(d.admission == Admission::Admitted);
    CHECK(d.count == i);
    CHECK(d.remaining == 3 - i);
  }
  const LimitDecision d = gcraDecide(s, sp, 0);
  CHECK(d.admission == Admission::Limited);
  CHECK(d.retry_after_us == kSecond);
  CHECK(gcraDecide(s, sp, kSecond - 1).admission == Admission::Limited);
  CHECK(gcraDecide(s, sp, kSecond).admission == Admission::Admitted);
  CHECK(gcraDecide(s, sp, kSecond).admission == Admission::Limited);
}

TEST_CASE("gcra steady rate over a long run equals the limit", "[state][gcra]") {
  GcraState s;
  const LimitSpec sp = spec(100, 10 * kSecond, 1);  // T = 100 ms
  int n = 0;
  for (std::int64_t t = 0; t < 60 * kSecond; t += 10'000) n += admitted(s, sp, t, 1);  // 100 rps offered
  CHECK(n == 600);  // 10 per second for 60 s
}

TEST_CASE("gcra rounds the interval up so the rate never exceeds the limit", "[state][gcra]") {
  const LimitSpec sp = spec(3, kSecond, 1);
  CHECK(gcraEmissionIntervalUs(sp) == 333'334);
  GcraState s;
  int n = 0;
  for (std::int64_t t = 0; t < kSecond; t += 1000) n += admitted(s, sp, t, 1);
  CHECK(n == 3);
}

TEST_CASE("gcra restores the burst after a large gap", "[state][gcra]") {
  GcraState s;
  const LimitSpec sp = spec(5, 5 * kSecond, 5);
  CHECK(admitted(s, sp, 0, 10) == 5);
  CHECK(gcraExpiryUs(s) == 5 * kSecond);
  CHECK(admitted(s, sp, 7 * 86'400 * kSecond, 10) == 5);
}

TEST_CASE("gcra: a clock stepped back costs at most the burst", "[state][gcra]") {
  GcraState s;
  const LimitSpec sp = spec(10, 10 * kSecond, 2);  // T = 1 s, tolerance 2 s
  CHECK(admitted(s, sp, 100 * kSecond, 1) == 1);
  // Back by an hour: TAT is clamped to now + tolerance, so the key is "burst used up" and
  // admits again one interval later instead of an hour later.
  const std::int64_t back = 100 * kSecond - 3600 * kSecond;
  const LimitDecision d = gcraDecide(s, sp, back);
  CHECK(d.admission == Admission::Limited);
  CHECK(d.retry_after_us == kSecond);
  CHECK(gcraDecide(s, sp, back + kSecond).admission == Admission::Admitted);
}

TEST_CASE("gcra with burst equal to the limit passes the whole limit at once", "[state][gcra]") {
  GcraState s;
  const LimitSpec sp = spec(100, 60 * kSecond, 100);
  CHECK(admitted(s, sp, 0, 150) == 100);
  const LimitDecision d = gcraDecide(s, sp, 0);
  CHECK(d.retry_after_us == 600'000);
  CHECK(d.reset_us == 60 * kSecond);
}

}  // namespace
}  // namespace rampart::state
