// Per-worker quota leases for Redis rules with `lease_max` > 1 (docs/rate-limits.md, "Quota
// leases"). One script call may reserve several admissions of a key at once; Redis counts them
// all at that moment, so no instance can admit more than the limit. The worker hands the reserved
// admissions to the key's next requests without a round trip, until they run out or the lease
// expires. Leases trade a little accuracy below the limit (admissions that expire unused were
// counted but never used) for one Redis round trip per many requests on busy keys.
//
// How many admissions a call asks for adapts per key: 1 for a key not seen yet (an exact
// decision), doubled each time the key needs a call again before its last lease would have
// expired (the lease ran out in time: demand is above it; up to lease_max), halved
// each time one expires unused, and never more than remaining / (4 x holders), so as a key
// nears its limit the leases shrink to single admissions and the decision becomes exact again.
//
// Only this worker's thread touches it. Bounded: at most `max_keys` keys; when full, keys with
// nothing left are dropped, and if none has run out a new key is not remembered (its calls then
// ask for one admission each).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "state/limit.h"
#include "state/string_key_map.h"

namespace rampart::state {

class QuotaLeases {
 public:
  explicit QuotaLeases(std::size_t max_keys) : max_keys_(max_keys) {}

  // One admission from a live lease of `key`: the decision to settle the request with, or
  // nullopt when there is no lease, it is used up, or it expired. `expired_unused` grows by the
  // admissions of a lease found expired with some left.
  std::optional<LimitDecision> take(std::string_view key, std::int64_t now_us,
                                    std::uint64_t& expired_unused);

  // Admissions the next script call for `key` should ask for, in [1, lease_max]. `holders` is
  // how many workers may hold a lease of the key at once (instances x workers).
  std::uint64_t sizeToRequest(std::string_view key, std::uint64_t lease_max,
                              std::uint64_t holders, std::int64_t now_us);

  // Redis admitted a call for `key`: the request that made it uses one admission, the other
  // `decision.granted - 1` become this worker's lease, valid for `valid_us`. Returns the asking
  // request's own decision: Redis' count and remaining as they were right after its admission,
  // before the ones reserved for later requests. `expired_unused` grows as in take() when an
  // earlier lease of the key had expired with admissions left.
  LimitDecision onAdmitted(std::string_view key, const LimitDecision& decision,
                           std::int64_t valid_us, std::int64_t now_us,
                           std::uint64_t& expired_unused);

  std::size_t size() const { return leases_.size(); }

 private:
  struct Lease {
    std::uint64_t left = 0;         // admissions not handed out yet
    std::int64_t expires_us = 0;    // monotonic
    std::uint64_t size = 1;         // admissions the next call asks for (before the cap)
    std::uint64_t count = 0;        // Redis' count right after the grant
    std::uint64_t remaining = 0;    // Redis' remaining right after the grant
    std::int64_t reset_at_us = 0;   // monotonic: when the quota is whole again
  };
  Lease* insert(std::string_view key, std::int64_t now_us);
  // A lease found past its end with admissions left: they are dropped (and added to
  // `expired_unused`), and the key's next lease is half the size.
  static void expireIfDue(Lease& lease, std::int64_t now_us, std::uint64_t& expired_unused);

  std::size_t max_keys_;
  StringKeyMap<Lease> leases_;
};

}  // namespace rampart::state
