#include "state/limit.h"

#include "state/clock.h"

namespace rampart::state {

std::string_view algorithmName(Algorithm a) {
  switch (a) {
    case Algorithm::SlidingWindow: return "sliding_window";
    case Algorithm::Gcra: return "gcra";
  }
  return "unknown";
}

const Clock& monotonicClock() {
  static const MonotonicClock clock;
  return clock;
}

}  // namespace rampart::state
