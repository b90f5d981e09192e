#include "state/sliding_window.h"

#include <algorithm>

namespace rampart::state {
namespace {

// Products of counts and microsecond windows (a day is 8.64e10 us) overflow 64 bits.
__extension__ typedef unsigned __int128 Wide;

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::uint64_t ceilDiv(Wide a, Wide b) { return static_cast<std::uint64_t>((a + b - 1) / b); }

// Smallest elapsed time e in [0, W] with  previous * (W - e) / W + current + 1 <= limit, given
// current + 1 <= limit: (W - e) * previous <= (limit - current - 1) * W.
std::int64_t elapsedWhereItFits(std::uint64_t previous, std::uint64_t current, std::uint64_t limit,
                                std::int64_t window) {
  if (previous == 0) return 0;
  const Wide room = static_cast<Wide>(limit - current - 1) * static_cast<Wide>(window);
  const auto left = static_cast<std::int64_t>(room / previous);  // largest W - e that fits
  return std::max<std::int64_t>(0, window - std::min(left, window));
}

}  // namespace

LimitDecision slidingWindowDecide(SlidingWindowState& state, const LimitSpec& spec,
                                  std::int64_t now_us) {
  const std::int64_t window = spec.window_us;
  const std::int64_t index = floorDiv(now_us, window);
  if (state.window_index == SlidingWindowState::kEmpty) {
    state = {index, 0, 0};
  } else if (index > state.window_index) {
    state.previous = index == state.window_index + 1 ? state.current : 0;
    state.current = 0;
    state.window_index = index;
  }
  // index < window_index: the clock stepped back; stay in the stored window, at its start.
  const std::int64_t start = state.window_index * window;
  const std::int64_t elapsed = std::clamp<std::int64_t>(now_us - start, 0, window);
  const auto w = static_cast<Wide>(window);
  // The estimate scaled by W: previous * (W - elapsed) + current * W.
  const Wide scaled = static_cast<Wide>(state.previous) * static_cast<Wide>(window - elapsed) +
                      static_cast<Wide>(state.current) * w;
  const Wide limit_scaled = static_cast<Wide>(spec.limit) * w;

  LimitDecision d;
  if (scaled + w <= limit_scaled) {
    ++state.current;
    d.admission = Admission::Admitted;
    d.count = ceilDiv(scaled + w, w);
    d.remaining = spec.limit - std::min(spec.limit, d.count);
    d.reset_us = window - elapsed;
    return d;
  }
  d.admission = Admission::Limited;
  d.count = ceilDiv(scaled, w);
  d.remaining = 0;
  if (state.current + 1 <= spec.limit) {
    d.retry_after_us =
        elapsedWhereItFits(state.previous, state.current, spec.limit, window) - elapsed;
  } else {
    // Not in this window: after it ends, `current` becomes the previous window.
    d.retry_after_us = (window - elapsed) + elapsedWhereItFits(state.current, 0, spec.limit, window);
  }
  d.retry_after_us = std::max<std::int64_t>(d.retry_after_us, 1);
  d.reset_us = std::max(d.retry_after_us, window - elapsed);
  return d;
}

std::int64_t slidingWindowExpiryUs(const SlidingWindowState& state, const LimitSpec& spec) {
  if (state.window_index == SlidingWindowState::kEmpty) return 0;
  return (state.window_index + 2) * spec.window_us;
}

}  // namespace rampart::state
