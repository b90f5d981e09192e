#include "state/sliding_window.h"

#include <catch2/catch.hpp>

namespace rampart::state {
namespace {

constexpr std::int64_t kSecond = 1'000'000;

LimitSpec spec(std::uint64_t limit, std::int64_t window_us) {
  return {Algorithm::SlidingWindow, limit, window_us, 1};
}

int admitted(SlidingWindowState& s, const LimitSpec& sp, std::int64_t now, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += slidingWindowDecide(s, sp, now).admission == Admission::Admitted;
  return n;
}

TEST_CASE("sliding window admits exactly the limit in a fresh window", "[state][sliding_window]") {
  SlidingWindowState s;
  const LimitSpec sp = spec(10, 10 * kSecond);
  for (int i = 1; i <= 10; ++i) {
    const LimitDecision d = slidingWindowDecide(s, sp, 100 * kSecond + i);
    REQUIRE(d.admission == Admission::Admitted);
    CHECK(d.count == static_cast<std::uint64_t>(i));
    CHECK(d.remaining == static_cast<std::uint64_t>(10 - i));
  }
  const LimitDecision d = slidingWindowDecide(s, sp, 100 * kSecond + 11);
  CHECK(d.admission == Admission::Limited);
  CHECK(d.count == 10);
  CHECK(d.remaining == 0);
  // Nothing left in this window, the previous one then weighs 10 * (1 - e/W): the first
  // request fits once 10 * (W - e) / W <= 9, i.e. e >= W / 10 into the next window.
  CHECK(d.retry_after_us == (10 * kSecond - 11) + kSecond);
}

TEST_CASE("sliding window weighs the previous window at the edge", "[state][sliding_window]") {
  SlidingWindowState s;
  const LimitSpec sp = spec(10, 10 * kSecond);
  CHECK(admitted(s, sp, 10 * kSecond - 1, 10) == 10);  // all at the very end of window 0
  // Right after the edge the previous window still counts almost fully: no burst of 2x.
  CHECK(admitted(s, sp, 10 * kSecond, 5) == 0);
  // Half way through window 1: previous weighs 5, so 5 more fit.
  CHECK(admitted(s, sp, 15 * kSecond, 10) == 5);
  // In window 2 the weight of window 1 (5 requests) fades: at 3/4 through, 5/4 -> 8 fit.
  CHECK(admitted(s, sp, 27'500'000, 20) == 8);
}

TEST_CASE("sliding window retry_after is exact", "[state][sliding_window]") {
  SlidingWindowState s;
  const LimitSpec sp = spec(4, 4 * kSecond);
  CHECK(admitted(s, sp, 3 * kSecond, 4) == 4);  // window 0 full
  // At t = 4s (window 1 start) previous = 4 weighs 4: limited until 4 * (W - e)/W <= 3.
  const LimitDecision d = slidingWindowDecide(s, sp, 4 * kSecond);
  REQUIRE(d.admission == Admission::Limited);
  CHECK(d.retry_after_us == kSecond);
  CHECK(slidingWindowDecide(s, sp, 5 * kSecond - 1).admission == Admission::Limited);
  CHECK(slidingWindowDecide(s, sp, 5 * kSecond).admission == Admission::Admitted);
}

TEST_CASE("sliding window forgets everything after a large gap", "[state][sliding_window]") {
  SlidingWindowState s;
  const LimitSpec sp = spec(3, kSecond);
  CHECK(admitted(s, sp, 0, 5) == 3);
  CHECK(admitted(s, sp, 3600 * kSecond, 5) == 3);  // an hour later: both windows are stale
  CHECK(slidingWindowExpiryUs(s, sp) == 3602 * kSecond);
}

TEST_CASE("sliding window: a clock stepped back never frees quota", "[state][sliding_window]") {
  SlidingWindowState s;
  const LimitSpec sp = spec(5, 10 * kSecond);
  CHECK(admitted(s, sp, 55 * kSecond, 5) == 5);
  // Back by a whole hour: still window 5, still full.
  CHECK(admitted(s, sp, 55 * kSecond - 3600 * kSecond, 5) == 0);
  // Back inside the same window: the same.
  CHECK(admitted(s, sp, 50 * kSecond, 5) == 0);
  // Forward again into the next window: the normal weighted estimate applies (5 at 50% -> 2).
  CHECK(admitted(s, sp, 65 * kSecond, 5) == 2);
}

TEST_CASE("sliding window handles negative times and large counts", "[state][sliding_window]") {
  SlidingWindowState s;
  const LimitSpec sp = spec(1'000'000'000, 86'400 * kSecond);  // 1e9 per day: no overflow
  CHECK(slidingWindowDecide(s, sp, -5).admission == Admission::Admitted);
  CHECK(s.window_index == -1);
  s.current = 999'999'999;  // window -1 one short of full
  // At the start of window 0 the previous window weighs fully: one more fits, then none.
  const LimitDecision d = slidingWindowDecide(s, sp, 0);
  CHECK(d.admission == Admission::Admitted);
  CHECK(d.count == 1'000'000'000);
  CHECK(slidingWindowDecide(s, sp, 0).admission == Admission::Limited);
}

}  // namespace
}  // namespace rampart::state
