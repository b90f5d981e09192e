#include "state/circuit_breaker.h"

namespace rampart::state {

std::string_view breakerStateName(BreakerState s) {
  switch (s) {
    case BreakerState::Closed: return "closed";
    case BreakerState::Open: return "open";
    case BreakerState::HalfOpen: return "half_open";
  }
  return "unknown";
}

BreakerAdmission CircuitBreaker::admit(std::int64_t now_us) {
  switch (state_) {
    case BreakerState::Closed:
      return BreakerAdmission::Call;
    case BreakerState::Open:
      if (now_us < open_until_us_) return BreakerAdmission::Refuse;
      state_ = BreakerState::HalfOpen;
      probe_in_flight_ = true;
      return BreakerAdmission::Probe;
    case BreakerState::HalfOpen:
      return BreakerAdmission::Refuse;  // the probe is in flight
  }
  return BreakerAdmission::Refuse;
}

std::optional<BreakerState> CircuitBreaker::onSuccess(bool probe) {
  if (state_ == BreakerState::Closed) {
    failures_ = 0;
    return std::nullopt;
  }
  if (state_ == BreakerState::HalfOpen && probe) {
    probe_in_flight_ = false;
    failures_ = 0;
    state_ = BreakerState::Closed;
    return state_;
  }
  return std::nullopt;
}

std::optional<BreakerState> CircuitBreaker::onFailure(bool probe, std::int64_t now_us) {
  if (state_ == BreakerState::Closed) {
    if (++failures_ < threshold_) return std::nullopt;
  } else if (!(state_ == BreakerState::HalfOpen && probe)) {
    return std::nullopt;
  }
  probe_in_flight_ = false;
  state_ = BreakerState::Open;
  open_until_us_ = now_us + open_us_;
  return state_;
}

}  // namespace rampart::state
