#include "bot/behaviour_tracker.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

namespace rampart::bot {
namespace {

// Gaps above this are "came back later", not part of a request rhythm.
constexpr double kMaxRhythmGapS = 30.0;
// Weight of the newest gap in the exponentially weighted gap statistics (about the last 16).
constexpr double kGapAlpha = 1.0 / 16;

std::uint32_t windowed(std::uint32_t current, std::uint32_t previous) {
  return current + previous / 2;
}

void add(std::vector<BotScoreComponent>& out, std::string_view name, int weight, std::string detail) {
  out.push_back({name, weight, std::move(detail)});
}

std::string percent(double share) { return std::to_string(static_cast<int>(share * 100)) + "%"; }

}  // namespace

std::size_t BehaviourTracker::shardCapacity(std::size_t max_clients) {
  return std::max<std::size_t>(1, (max_clients + kShards - 1) / kShards);
}

BehaviourTracker::BehaviourTracker(std::size_t max_clients, double window_s)
    : shard_capacity_(shardCapacity(max_clients)),
      window_s_(window_s > 0 ? window_s : 60) {}

std::shared_ptr<BehaviourTracker> BehaviourTracker::shared(std::size_t max_clients, double window_s) {
  static std::mutex mutex;
  static std::weak_ptr<BehaviourTracker> current;
  std::lock_guard lock(mutex);
  auto tracker = current.lock();
  if (tracker == nullptr || tracker->maxClients() != shardCapacity(max_clients) * kShards ||
      tracker->window() != window_s) {
    tracker = std::make_shared<BehaviourTracker>(max_clients, window_s);
    current = tracker;
  }
  return tracker;
}

std::uint64_t BehaviourTracker::keyOf(std::string_view client_ip, std::string_view ja4) {
  const std::uint64_t a = std::hash<std::string_view>{}(client_ip);
  if (ja4.empty()) return a;
  return a ^ (std::hash<std::string_view>{}(ja4) + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
}

void BehaviourTracker::roll(Entry& e, double now_s) const {
  if (now_s - e.window_start_s < window_s_) return;
  // One window later the current counts become the previous ones; two or more, both fade out.
  e.previous = now_s - e.window_start_s < 2 * window_s_ ? e.current : Counters{};
  e.current = Counters{};
  e.window_start_s = now_s;
}

void BehaviourTracker::observe(const BehaviourObservation& o) {
  Shard& shard = shardFor(o.client_key);
  std::lock_guard lock(shard.mutex);
  Entry* e = nullptr;
  if (auto it = shard.index.find(o.client_key); it != shard.index.end()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
    e = &*it->second;
    const double gap = o.now_s - e->last_seen_s;
    if (gap >= 0 && gap <= kMaxRhythmGapS) {
      if (e->gaps == 0) {
        e->gap_mean = gap;
        e->gap_var = 0;
      } else {
        // Exponentially weighted mean and variance: the recent rhythm counts, old gaps fade.
        const double diff = gap - e->gap_mean;
        const double step = kGapAlpha * diff;
        e->gap_mean += step;
        e->gap_var = (1 - kGapAlpha) * (e->gap_var + diff * step);
      }
      if (e->gaps < 0xFFFF) ++e->gaps;
    }
  } else {
    if (shard.index.size() >= shard_capacity_) {
      shard.index.erase(shard.lru.back().key);
      shard.lru.pop_back();
      ++shard.evictions;
    }
    shard.lru.emplace_front();
    e = &shard.lru.front();
    e->key = o.client_key;
    e->window_start_s = o.now_s;
    shard.index.emplace(o.client_key, shard.lru.begin());
  }
  roll(*e, o.now_s);
  e->last_seen_s = o.now_s;
  Counters& c = e->current;
  ++c.requests;
  if (o.status >= 400 && o.status < 500) ++c.client_errors;
  if (o.status == 404) ++c.not_found;
  if (o.page) ++c.pages;
  if (o.asset) ++c.assets;
  if (o.auth_attempt) ++c.auth_attempts;
  e->paths[e->path_next] = static_cast<std::uint32_t>(o.path_hash);
  e->path_next = static_cast<std::uint8_t>((e->path_next + 1) % kPathSlots);
  if (e->path_filled < kPathSlots) ++e->path_filled;
}

BehaviourSummary BehaviourTracker::summary(std::uint64_t client_key, double now_s) const {
  Shard& shard = shardFor(client_key);
  std::lock_guard lock(shard.mutex);
  BehaviourSummary s;
  auto it = shard.index.find(client_key);
  if (it == shard.index.end()) return s;
  Entry e = *it->second;  // a copy: rolling the window must not change the stored entry here
  roll(e, now_s);
  s.known = true;
  s.requests = windowed(e.current.requests, e.previous.requests);
  s.client_errors = windowed(e.current.client_errors, e.previous.client_errors);
  s.not_found = windowed(e.current.not_found, e.previous.not_found);
  s.pages = windowed(e.current.pages, e.previous.pages);
  s.assets = windowed(e.current.assets, e.previous.assets);
  s.auth_attempts = windowed(e.current.auth_attempts, e.previous.auth_attempts);
  // Counts from every instance (Redis), while fresh: never fewer than this instance saw.
  auto fleet = [&](FleetCounter counter, std::uint32_t local) {
    const auto i = static_cast<std::size_t>(counter);
    if (e.fleet_at_s[i] == 0 || now_s - e.fleet_at_s[i] >= window_s_) return local;
    return std::max(local, e.fleet[i]);
  };
  s.requests = fleet(FleetCounter::Requests, s.requests);
  s.client_errors = fleet(FleetCounter::ClientErrors, s.client_errors);
  s.not_found = fleet(FleetCounter::NotFound, s.not_found);
  s.auth_attempts = fleet(FleetCounter::AuthAttempts, s.auth_attempts);
  s.path_samples = e.path_filled;
  std::array<std::uint32_t, kPathSlots> paths = e.paths;
  std::sort(paths.begin(), paths.begin() + e.path_filled);
  s.distinct_paths = static_cast<std::uint32_t>(
      std::unique(paths.begin(), paths.begin() + e.path_filled) - paths.begin());
  s.gaps = e.gaps;
  s.gap_mean_s = e.gap_mean;
  if (e.gaps > 1 && e.gap_mean > 0) s.gap_cv = std::sqrt(e.gap_var) / e.gap_mean;
  return s;
}

std::string_view fleetCounterName(FleetCounter counter) {
  switch (counter) {
    case FleetCounter::Requests: return "requests";
    case FleetCounter::ClientErrors: return "client_errors";
    case FleetCounter::NotFound: return "not_found";
    case FleetCounter::AuthAttempts: return "auth_attempts";
  }
  return "requests";
}

void BehaviourTracker::recordFleetCount(std::uint64_t client_key, FleetCounter counter,
                                        std::uint32_t count, double now_s) {
  Shard& shard = shardFor(client_key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.index.find(client_key);
  if (it == shard.index.end()) return;
  const auto i = static_cast<std::size_t>(counter);
  it->second->fleet[i] = count;
  it->second->fleet_at_s[i] = now_s;
}

std::size_t BehaviourTracker::size() const {
  std::size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.index.size();
  }
  return n;
}

std::uint64_t BehaviourTracker::evictions() const {
  std::uint64_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.evictions;
  }
  return n;
}

void scoreBehaviour(const BehaviourSummary& s, const BehaviourThresholds& t, bool claims_browser,
                    std::vector<BotScoreComponent>& out) {
  if (!s.known) return;
  if (s.requests > t.max_requests_per_window)
    add(out, "behaviour_rate", 20, std::to_string(s.requests) + " requests in the window");
  if (s.requests >= t.min_requests_for_ratios) {
    const double errors = static_cast<double>(s.client_errors) / s.requests;
    const double not_found = static_cast<double>(s.not_found) / s.requests;
    if (not_found > t.max_not_found_share)
      add(out, "behaviour_not_found", 20, percent(not_found) + " of requests were 404");
    else if (errors > t.max_error_share)
      add(out, "behaviour_client_errors", 15, percent(errors) + " of requests were 4xx");
  }
  if (s.gaps >= t.min_gaps_for_regularity && s.gap_cv < t.min_regular_cv)
    add(out, "behaviour_regular_timing", 15,
        "inter-arrival cv " + std::to_string(s.gap_cv).substr(0, 5) + " over " +
            std::to_string(s.gaps) + " gaps");
  if (s.path_samples == BehaviourTracker::kPathSlots &&
      static_cast<double>(s.distinct_paths) / s.path_samples > t.max_path_spread &&
      s.requests >= t.min_requests_for_ratios)
    add(out, "behaviour_path_spread", 20,
        std::to_string(s.distinct_paths) + " distinct of the last " +
            std::to_string(s.path_samples) + " paths");
  if (s.auth_attempts > t.max_auth_attempts)
    add(out, "behaviour_auth_attempts", 25,
        std::to_string(s.auth_attempts) + " login/auth attempts in the window");
  if (claims_browser && s.pages >= t.min_pages_without_assets && s.assets == 0)
    add(out, "behaviour_no_assets", 15,
        std::to_string(s.pages) + " pages and no assets from a browser claim");
}

}  // namespace rampart::bot
