// The time source of the rate limiters, injected so tests can step it (forwards, backwards, by
// hours) and production uses a monotonic clock that never steps back.
#pragma once

#include <chrono>
#include <cstdint>

namespace rampart::state {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since an arbitrary, fixed origin.
  virtual std::int64_t nowUs() const = 0;
};

class MonotonicClock final : public Clock {
 public:
  std::int64_t nowUs() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

// The process-wide monotonic clock (stateless, so sharing it across threads is free).
const Clock& monotonicClock();

}  // namespace rampart::state
