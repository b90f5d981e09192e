// Behaviour per client key (IP, or IP + JA4): what one client did recently, for the bot score.
// In-process and shared by every worker (so a client's connections on different workers add
// up), kept across reloads like the rate-limit LocalStore, and bounded.
//
// - Sharded: 64 shards, each a hash map plus an LRU list behind its own mutex; an observation or
//   a lookup holds one shard lock for a hash lookup and a few integer updates.
// - Bounded: at most `max_clients` entries of fixed size (kBytesPerClient, measured in
//   bench/); a new client in a full shard takes the place of the least recently seen one.
// - Windowed: counters cover the current window (`window_s`) plus half of the previous one, so a
//   client's history fades rather than resetting at an edge.
//
// Observed at the Log phase (the status is known then); read at RequestHeaders.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proxy/api/decision_record.h"

namespace rampart::bot {

struct BehaviourObservation {
  std::uint64_t client_key = 0;   // hash of the key parts (BehaviourTracker::keyOf)
  double now_s = 0;               // monotonic seconds
  int status = 0;
  std::uint64_t path_hash = 0;    // hash of the path without query
  bool asset = false;             // the path looks like a page asset (.css, .js, images, fonts)
  bool page = false;              // a document request (Accept: text/html, or sec-fetch-dest document)
  bool auth_attempt = false;      // a POST to a login/auth/token endpoint
};

struct BehaviourSummary {
  bool known = false;
  std::uint32_t requests = 0;      // in the window (previous window counted half)
  std::uint32_t client_errors = 0; // 4xx
  std::uint32_t not_found = 0;     // 404
  std::uint32_t pages = 0;
  std::uint32_t assets = 0;
  std::uint32_t auth_attempts = 0;
  std::uint32_t distinct_paths = 0;  // among the last kPathSlots paths
  std::uint32_t path_samples = 0;    // how many of those slots are filled
  std::uint32_t gaps = 0;            // inter-arrival gaps measured
  double gap_mean_s = 0;
  double gap_cv = 0;                 // coefficient of variation of the gaps (stddev / mean)
};

// Thresholds and weights of the behaviour components (docs/bots.md "Behaviour").
struct BehaviourThresholds {
  std::uint32_t max_requests_per_window = 300;
  std::uint32_t min_requests_for_ratios = 20;
  double max_error_share = 0.5;      // 4xx / requests
  double max_not_found_share = 0.3;  // 404 / requests
  double min_regular_cv = 0.1;       // gaps more regular than this look machine-made
  std::uint32_t min_gaps_for_regularity = 10;
  double max_path_spread = 0.9;      // distinct / sampled paths: enumeration
  std::uint32_t max_auth_attempts = 10;
  std::uint32_t min_pages_without_assets = 20;  // browser claims only
};

// Appends one component per behaviour that looks automated. `claims_browser`: the no-assets
// check only applies to clients that say they are browsers.
void scoreBehaviour(const BehaviourSummary& summary, const BehaviourThresholds& thresholds,
                    bool claims_browser, std::vector<BotScoreComponent>& out);

// Counts shared between instances through Redis (bot.behaviour.store: redis): what every
// instance counted for a client in the window, as Redis answered the last increment.
enum class FleetCounter : std::uint8_t { Requests, ClientErrors, NotFound, AuthAttempts };
inline constexpr std::size_t kFleetCounters = 4;
std::string_view fleetCounterName(FleetCounter counter);

class BehaviourTracker {
 public:
  static constexpr std::size_t kShards = 64;
  static constexpr std::size_t kPathSlots = 16;

  BehaviourTracker(std::size_t max_clients, double window_s);
  BehaviourTracker(const BehaviourTracker&) = delete;
  BehaviourTracker& operator=(const BehaviourTracker&) = delete;

  // The process-wide tracker, kept across reloads while a generation holds it; a new size or
  // window starts a new one.
  static std::shared_ptr<BehaviourTracker> shared(std::size_t max_clients, double window_s);

  static std::uint64_t keyOf(std::string_view client_ip, std::string_view ja4);

  void observe(const BehaviourObservation& o);
  BehaviourSummary summary(std::uint64_t client_key, double now_s) const;
  // Redis' count for one counter of a client (all instances, this window). A summary uses the
  // larger of the local and the fleet count while the fleet count is younger than the window.
  // A client not tracked here (evicted meanwhile) is ignored.
  void recordFleetCount(std::uint64_t client_key, FleetCounter counter, std::uint32_t count,
                        double now_s);

  std::size_t size() const;
  std::size_t maxClients() const { return shard_capacity_ * kShards; }
  std::uint64_t evictions() const;
  double window() const { return window_s_; }

  struct Counters {
    std::uint32_t requests = 0, client_errors = 0, not_found = 0, pages = 0, assets = 0,
                  auth_attempts = 0;
  };
  struct Entry {
    std::uint64_t key = 0;
    double window_start_s = 0;
    double last_seen_s = 0;
    Counters current, previous;
    std::array<std::uint32_t, kPathSlots> paths{};  // low 32 bits of path hashes, ring
    std::uint8_t path_next = 0;
    std::uint8_t path_filled = 0;
    std::uint32_t gaps = 0;
    double gap_mean = 0, gap_var = 0;  // exponentially weighted, seconds
    std::array<std::uint32_t, kFleetCounters> fleet{};  // Redis' counts (store: redis)
    std::array<double, kFleetCounters> fleet_at_s{};
  };

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::list<Entry> lru;  // front = most recently seen
    std::unordered_map<std::uint64_t, std::list<Entry>::iterator> index;
    std::uint64_t evictions = 0;
  };
  static std::size_t shardCapacity(std::size_t max_clients);  // entries per shard, >= 1
  Shard& shardFor(std::uint64_t key) const { return shards_[key % kShards]; }
  void roll(Entry& e, double now_s) const;

  std::size_t shard_capacity_;
  double window_s_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace rampart::bot
