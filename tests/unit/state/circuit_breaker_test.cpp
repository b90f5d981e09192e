#include "state/circuit_breaker.h"

#include <catch2/catch.hpp>

namespace rampart::state {
namespace {

TEST_CASE("circuit breaker: opens after consecutive failures only", "[state][breaker]") {
  CircuitBreaker b(3, 500);
  CHECK(b.admit(0) == BreakerAdmission::Call);
  CHECK_FALSE(b.onFailure(false, 0));
  CHECK_FALSE(b.onFailure(false, 0));
  CHECK_FALSE(b.onSuccess(false));  // resets the run
  CHECK_FALSE(b.onFailure(false, 0));
  CHECK_FALSE(b.onFailure(false, 0));
  CHECK(b.onFailure(false, 10) == BreakerState::Open);
  CHECK(b.admit(11) == BreakerAdmission::Refuse);
  CHECK(b.admit(509) == BreakerAdmission::Refuse);
  // Late results of calls issued before it opened change nothing.
  CHECK_FALSE(b.onSuccess(false));
  CHECK_FALSE(b.onFailure(false, 20));
  CHECK(b.state() == BreakerState::Open);
}

TEST_CASE("circuit breaker: one half-open probe decides", "[state][breaker]") {
  CircuitBreaker b(1, 500);
  CHECK(b.onFailure(false, 0) == BreakerState::Open);
  CHECK(b.admit(500) == BreakerAdmission::Probe);
  CHECK(b.state() == BreakerState::HalfOpen);
  CHECK(b.admit(501) == BreakerAdmission::Refuse);  // only one probe at a time
  CHECK_FALSE(b.onSuccess(false));                   // not the probe
  SECTION("the probe fails: open for another period") {
    CHECK(b.onFailure(true, 600) == BreakerState::Open);
    CHECK(b.admit(1099) == BreakerAdmission::Refuse);
    CHECK(b.admit(1100) == BreakerAdmission::Probe);
  }
  SECTION("the probe succeeds: closed") {
    CHECK(b.onSuccess(true) == BreakerState::Closed);
    CHECK(b.admit(601) == BreakerAdmission::Call);
    CHECK(b.consecutiveFailures() == 0);
  }
}

TEST_CASE("circuit breaker: a clock stepped back keeps it open no longer than open_us past the step",
          "[state][breaker]") {
  CircuitBreaker b(1, 500);
  CHECK(b.onFailure(false, 1000) == BreakerState::Open);
  CHECK(b.admit(0) == BreakerAdmission::Refuse);
  CHECK(b.admit(1500) == BreakerAdmission::Probe);
}

}  // namespace
}  // namespace rampart::state
