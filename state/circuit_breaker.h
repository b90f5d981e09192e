// A circuit breaker for one Redis connection (closed / open / half-open), with injected time.
//
// - Closed: every call goes out; `failures` consecutive failed calls open it.
// - Open: no call goes out (the caller applies its failure policy at once, without waiting);
//   after `open_us` the next call becomes the one probe (half-open).
// - HalfOpen: exactly one probe is in flight; its success closes the breaker, its failure opens
//   it again for another `open_us`. Other calls meanwhile are refused as when open.
// Results of calls issued before the breaker opened are ignored once it is open: only the probe
// decides when it closes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace rampart::state {

enum class BreakerState : std::uint8_t { Closed, Open, HalfOpen };

std::string_view breakerStateName(BreakerState s);  // "closed" | "open" | "half_open"

enum class BreakerAdmission : std::uint8_t {
  Call,    // go ahead (closed)
  Probe,   // go ahead; this call is the half-open probe: report it with probe = true
  Refuse,  // open, or a probe is already in flight: do not call
};

class CircuitBreaker {
 public:
  CircuitBreaker(std::uint32_t failures, std::int64_t open_us)
      : threshold_(failures == 0 ? 1 : failures), open_us_(open_us) {}

  BreakerAdmission admit(std::int64_t now_us);
  // Report a call's result; returns the new state when it changed (log it once).
  std::optional<BreakerState> onSuccess(bool probe);
  std::optional<BreakerState> onFailure(bool probe, std::int64_t now_us);

  BreakerState state() const { return state_; }
  std::uint32_t consecutiveFailures() const { return failures_; }

 private:
  std::uint32_t threshold_;
  std::int64_t open_us_;
  BreakerState state_ = BreakerState::Closed;
  std::uint32_t failures_ = 0;
  std::int64_t open_until_us_ = 0;
  bool probe_in_flight_ = false;
};

}  // namespace rampart::state
