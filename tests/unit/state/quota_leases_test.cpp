#include "state/quota_leases.h"

#include <catch2/catch.hpp>
#include <string>

namespace rampart::state {
namespace {

// Expired-unused admissions of calls whose count a case does not check.
std::uint64_t sink = 0;

LimitDecision admitted(std::uint64_t granted, std::uint64_t count, std::uint64_t remaining,
                       std::int64_t reset_us = 60'000'000) {
  LimitDecision d;
  d.admission = Admission::Admitted;
  d.granted = granted;
  d.count = count;
  d.remaining = remaining;
  d.reset_us = reset_us;
  return d;
}

TEST_CASE("quota leases: a key never seen asks for one admission and holds none",
          "[state][quota_leases]") {
  QuotaLeases leases(10);
  std::uint64_t unused = 0;
  CHECK_FALSE(leases.take("k", 0, unused));
  CHECK(leases.sizeToRequest("k", 64, 1, 0) == 1);
  CHECK(unused == 0);
}

TEST_CASE("quota leases: granted admissions are handed out until they run out",
          "[state][quota_leases]") {
  QuotaLeases leases(10);
  // Redis granted 8 of a limit of 100 with 20 counted before: count 28, remaining 72. The
  // request that asked used one; seven are left.
  const LimitDecision own = leases.onAdmitted("k", admitted(8, 28, 72), 100'000, 0, sink);
  // The asking request sees the count right after its own admission: 21 of 100, 79 left.
  CHECK(own.admission == Admission::Admitted);
  CHECK(own.count == 21);
  CHECK(own.remaining == 79);
  CHECK(own.granted == 1);
  std::uint64_t unused = 0;
  for (std::uint64_t i = 0; i < 7; ++i) {
    const auto d = leases.take("k", 1000 + i, unused);
    REQUIRE(d);
    CHECK(d->admission == Admission::Admitted);
    // As if they had come one by one: counts 22..28, remaining 78..72.
    CHECK(d->count == 22 + i);
    CHECK(d->remaining == 78 - i);
    CHECK(d->granted == 1);
  }
  CHECK_FALSE(leases.take("k", 2000, unused));
  CHECK(unused == 0);
  CHECK_FALSE(leases.take("other", 2000, unused));
}

TEST_CASE("quota leases: an expired lease gives nothing, counts what it wasted and shrinks",
          "[state][quota_leases]") {
  QuotaLeases leases(10);
  // Grow the key's size to 4 first: two calls each needed before the last lease expired.
  leases.onAdmitted("k", admitted(1, 1, 999), 100'000, 0, sink);
  CHECK(leases.sizeToRequest("k", 64, 1, 10) == 2);
  leases.onAdmitted("k", admitted(2, 3, 997), 100'000, 20, sink);
  std::uint64_t unused = 0;
  REQUIRE(leases.take("k", 30, unused));
  CHECK(leases.sizeToRequest("k", 64, 1, 40) == 4);
  leases.onAdmitted("k", admitted(4, 7, 993), 100'000, 50, sink);
  REQUIRE(leases.take("k", 60, unused));  // 2 left
  CHECK_FALSE(leases.take("k", 100'050, unused));  // expired at 100'050
  CHECK(unused == 2);
  // Halved, and a call after expiry is not "in time": no doubling.
  CHECK(leases.sizeToRequest("k", 64, 1, 100'060) == 2);
}

TEST_CASE("quota leases: sizes double while demand outruns them, up to lease_max",
          "[state][quota_leases]") {
  QuotaLeases leases(10);
  std::int64_t now = 0;
  std::uint64_t unused = 0;
  std::uint64_t size = leases.sizeToRequest("k", 16, 1, now);
  std::uint64_t seen[8] = {};
  for (int call = 0; call < 8; ++call) {
    seen[call] = size;
    leases.onAdmitted("k", admitted(size, 0, 1'000'000), 100'000, now, unused);
    for (std::uint64_t i = 1; i < size; ++i) REQUIRE(leases.take("k", ++now, unused));
    CHECK_FALSE(leases.take("k", ++now, unused));
    size = leases.sizeToRequest("k", 16, 1, now);
  }
  CHECK(seen[0] == 1);
  CHECK(seen[1] == 2);
  CHECK(seen[2] == 4);
  CHECK(seen[3] == 8);
  CHECK(seen[4] == 16);
  CHECK(seen[7] == 16);
  CHECK(unused == 0);
}

TEST_CASE("quota leases: near the limit leases shrink to single admissions",
          "[state][quota_leases]") {
  QuotaLeases leases(10);
  std::uint64_t unused = 0;
  leases.onAdmitted("k", admitted(1, 1, 1000), 100'000, 0, sink);
  // Grown to 2 by the call in time; the cap 1000 / (4 x 8 holders) = 31 does not bind.
  CHECK(leases.sizeToRequest("k", 64, 8, 1) == 2);
  leases.onAdmitted("k", admitted(2, 100, 40), 100'000, 2, sink);
  REQUIRE(leases.take("k", 3, unused));
  // 40 left for 8 holders: 40 / 32 = 1.
  CHECK(leases.sizeToRequest("k", 64, 8, 4) == 1);
  leases.onAdmitted("k", admitted(1, 199, 1), 100'000, 5, sink);
  CHECK(leases.sizeToRequest("k", 64, 1, 6) == 1);
  // lease_max 1 (leases off) always asks for one.
  CHECK(leases.sizeToRequest("k", 1, 1, 7) == 1);
}

TEST_CASE("quota leases: admissions left from an earlier grant keep their earlier end",
          "[state][quota_leases]") {
  QuotaLeases leases(10);
  std::uint64_t unused = 0;
  leases.onAdmitted("k", admitted(3, 3, 97), 1'000, 0, sink);  // 2 left until 1'000
  leases.onAdmitted("k", admitted(3, 6, 94), 1'000'000, 500, sink);  // 4 left, until 1'000
  for (int i = 0; i < 4; ++i) REQUIRE(leases.take("k", 600 + i, unused));
  CHECK_FALSE(leases.take("k", 700, unused));
  leases.onAdmitted("k", admitted(5, 11, 89), 1'000, 800, sink);  // 4 left until 1'800
  CHECK_FALSE(leases.take("k", 1'800, unused));
  CHECK(unused == 4);
  // A grant that finds the key's last lease expired with admissions left counts them too.
  leases.onAdmitted("k", admitted(3, 14, 86), 1'000, 2'000, unused);  // 2 left until 3'000
  leases.onAdmitted("k", admitted(1, 15, 85), 1'000, 3'500, unused);
  CHECK(unused == 6);
}

TEST_CASE("quota leases: bounded", "[state][quota_leases]") {
  QuotaLeases leases(2);
  std::uint64_t unused = 0;
  leases.onAdmitted("a", admitted(5, 5, 95), 1'000, 0, sink);
  leases.onAdmitted("b", admitted(5, 5, 95), 1'000, 0, sink);
  leases.onAdmitted("c", admitted(5, 5, 95), 1'000, 0, sink);  // full, nothing ran out: not kept
  CHECK(leases.size() == 2);
  CHECK_FALSE(leases.take("c", 1, unused));
  for (int i = 0; i < 4; ++i) REQUIRE(leases.take("a", 1, unused));  // "a" used up
  leases.onAdmitted("c", admitted(5, 5, 95), 1'000, 2, sink);  // takes the place of "a"
  CHECK(leases.size() == 2);
  CHECK(leases.take("c", 3, unused));
  QuotaLeases off(0);
  // Not remembered, but the asking request still gets its own decision.
  CHECK(off.onAdmitted("k", admitted(5, 5, 95), 1'000, 0, sink).count == 1);
  CHECK_FALSE(off.take("k", 1, unused));
  CHECK(off.sizeToRequest("k", 64, 1, 1) == 1);
}

}  // namespace
}  // namespace rampart::state
