#include "state/quota_leases.h"

#include <algorithm>

namespace rampart::state {

std::optional<LimitDecision> QuotaLeases::take(std::string_view key, std::int64_t now_us,
                                               std::uint64_t& expired_unused) {
  auto found = leases_.find(key);
  if (found == leases_.end()) return std::nullopt;
  Lease& lease = found->second;
  expireIfDue(lease, now_us, expired_unused);
  if (lease.left == 0) return std::nullopt;
  --lease.left;
  LimitDecision decision;
  decision.admission = Admission::Admitted;
  // As Redis would have answered had the reserved admissions come one by one: this one is the
  // (granted - left)-th of the grant.
  decision.count = lease.count > lease.left ? lease.count - lease.left : 1;
  decision.remaining = lease.remaining + lease.left;
  decision.reset_us = std::max<std::int64_t>(0, lease.reset_at_us - now_us);
  decision.granted = 1;
  return decision;
}

std::uint64_t QuotaLeases::sizeToRequest(std::string_view key, std::uint64_t lease_max,
                                         std::uint64_t holders, std::int64_t now_us) {
  auto found = leases_.find(key);
  if (found == leases_.end() || lease_max <= 1) return 1;
  Lease& lease = found->second;
  // A call needed before the last lease would have expired: it ran out in time.
  if (lease.left == 0 && now_us < lease.expires_us) {
    lease.size = std::min(lease_max, lease.size * 2);
    lease.expires_us = now_us;  // one doubling per lease, not one per call in flight
  }
  lease.size = std::min(lease.size, lease_max);
  // Near the limit every holder asking for a full lease would strand admissions with holders
  // that may not need them: a quarter of what is left, shared by all holders, at most.
  const std::uint64_t cap = lease.remaining / (4 * std::max<std::uint64_t>(1, holders));
  return std::clamp<std::uint64_t>(std::min(lease.size, cap), 1, lease_max);
}

LimitDecision QuotaLeases::onAdmitted(std::string_view key, const LimitDecision& decision,
                                      std::int64_t valid_us, std::int64_t now_us,
                                      std::uint64_t& expired_unused) {
  const std::uint64_t extra = decision.granted > 0 ? decision.granted - 1 : 0;
  LimitDecision own = decision;
  own.count = decision.count > extra ? decision.count - extra : 1;
  own.remaining = decision.remaining + extra;
  own.granted = 1;
  Lease* lease = insert(key, now_us);
  if (lease == nullptr) return own;
  expireIfDue(*lease, now_us, expired_unused);
  // Admissions of an earlier grant still valid stay; the new ones share the new expiry, which is
  // never later than the end of the window they were counted in.
  const std::int64_t expires = now_us + std::max<std::int64_t>(0, valid_us);
  // Admissions left from an earlier grant keep their own (earlier) end: they may have been
  // counted in a window that ends before this one's.
  lease->expires_us = lease->left > 0 ? std::min(lease->expires_us, expires) : expires;
  lease->left += extra;
  lease->count = decision.count;
  lease->remaining = decision.remaining;
  lease->reset_at_us = now_us + decision.reset_us;
  return own;
}

void QuotaLeases::expireIfDue(Lease& lease, std::int64_t now_us, std::uint64_t& expired_unused) {
  if (lease.left == 0 || now_us < lease.expires_us) return;
  // Counted by Redis, never used: the next lease of this key is smaller.
  expired_unused += lease.left;
  lease.left = 0;
  lease.size = std::max<std::uint64_t>(1, lease.size / 2);
}

QuotaLeases::Lease* QuotaLeases::insert(std::string_view key, std::int64_t now_us) {
  auto found = leases_.find(key);
  if (found != leases_.end()) return &found->second;
  if (max_keys_ == 0) return nullptr;
  if (leases_.size() >= max_keys_) {
    std::erase_if(leases_, [now_us](const auto& entry) {
      return entry.second.left == 0 || entry.second.expires_us <= now_us;
    });
    if (leases_.size() >= max_keys_) return nullptr;
  }
  return &leases_.emplace(std::string(key), Lease{}).first->second;
}

}  // namespace rampart::state
