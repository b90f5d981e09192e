// ChallengeStage: the proof-of-work challenge and the clearance cookie (docs/bots.md
// "Challenge"), in the RequestHeaders phase after client_intel and bot (which ask for a
// challenge through record.challenge_requested_by) and before rate_limit.
//
// - POST to the challenge path (every route, while the stage is built): the body (buffered, at
//   most 4 KiB) carries token, counter and return target. A valid token for this client with a
//   correct proof -> 303 to the return target with Set-Cookie (`challenge: solved`,
//   `challenge_solved`); anything else -> 403 with the failure's reason (`challenge: rejected`).
// - Every other request: the clearance cookie is taken out of the request (the upstream never
//   sees it) and verified (`clearance`). When the route's mode asks for a challenge (always, or
//   on_request with challenge_requested_by set) and the clearance is not valid: GET/HEAD get the
//   page (403 `challenge_issued`, `challenge: issued`); other methods cannot run it and get 403
//   `challenge_required`. A valid clearance -> `challenge: passed`, Continue.
// - Every outcome bumps one counter; refusals also count by reason under
//   rampart_detector_reasons_total{detector="challenge"}, refused cookies by status under
//   detector="clearance".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bot/challenge_keys.h"
#include "proxy/api/error.h"
#include "proxy/api/stage.h"

namespace rampart {
struct ConfigSnapshot;
}

namespace rampart::bot {

// Wall-clock seconds; injected so tests can move time.
using UnixClock = std::function<std::int64_t()>;
std::int64_t systemUnixSeconds();

// The immutable, per-generation form of `challenge:` (Envoy FilterConfig).
struct ChallengePolicy {
  explicit ChallengePolicy(ChallengeKeyRing ring) : keys(std::move(ring)) {}
  ChallengeKeyRing keys;
  bool process_key = false;  // no keys configured: the random per-process key signs
  std::uint32_t difficulty_bits = 16;
  std::string cookie_name;
  std::uint32_t cookie_ttl_s = 3600;
  std::uint32_t token_ttl_s = 300;
  std::uint32_t ipv4_prefix = 24;
  std::uint32_t ipv6_prefix = 64;
  std::string path;
  UnixClock now = systemUnixSeconds;
};

class ChallengeStageFactory final : public StageFactory {
 public:
  explicit ChallengeStageFactory(std::shared_ptr<const ChallengePolicy> policy)
      : policy_(std::move(policy)) {}
  std::string_view name() const override { return "rampart.challenge"; }
  std::unique_ptr<Stage> create(WorkerContext&) const override;
  const ChallengePolicy& policy() const { return *policy_; }

 private:
  std::shared_ptr<const ChallengePolicy> policy_;
};

// The factory for `snapshot`, or null when nothing can be challenged: built when the top-level
// `challenge:` is present and some route's mode is not off, or when some route says `always`.
// Without configured keys the per-process key signs, and a warning is written to stderr.
std::unique_ptr<ChallengeStageFactory> makeChallengeStageFactory(const ConfigSnapshot& snapshot,
                                                                 UnixClock now = systemUnixSeconds);

}  // namespace rampart::bot
