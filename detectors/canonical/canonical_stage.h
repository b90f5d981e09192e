// CanonicalStage: the canonical request view in the pipeline (docs/canonicalisation.md,
// docs/architecture.md). On routes with `canonical:` (or with signatures on, which read the
// view), it:
//
// - refuses a method the route's contract does not allow (405 `method_not_allowed`, with
//   `Allow`) in the RequestHeaders phase, before any body is read;
// - asks for the whole body (BodyMode::Buffer, bounded by the route's max_body_bytes) and parses
//   the request once with buildCanonicalRequest() and the route's CanonicalPolicy;
// - refuses what the view refuses, with the view's status (400/413/414/415) and reason, one
//   counter per reason (rampart_detector_reasons_total{detector="canonical"});
// - otherwise forwards what was inspected: the request target becomes the canonical one (so the
//   ModSecurity stage and the upstream see it) and a rewritten form body replaces the body; the
//   view is kept on the exchange for later stages (signatures): one parse per request.
//
// A canonical target that would route elsewhere than the route the raw target matched
// (`/public/..;/admin`) is refused (400 `canonical_route_mismatch`): the route's policies were
// chosen for the raw target, and the upstream must never see a path another route guards.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "detectors/canonical/canonical_policy.h"
#include "proxy/api/error.h"
#include "proxy/api/stage.h"
#include "proxy/config/config.h"

namespace rampart {
struct ConfigSnapshot;
}

namespace rampart::canonical {

// Reasons the stage adds to the view's own (canonical_error.h).
inline constexpr std::string_view kMethodNotAllowed = "method_not_allowed";         // 405
inline constexpr std::string_view kRouteMismatch = "canonical_route_mismatch";      // 400
inline constexpr std::string_view kCanonicalInternal = "canonical_internal_error";  // 500

// One route's compiled choices.
struct RouteCanonicalPolicy {
  bool enabled = false;
  CanonicalPolicy policy;
  std::vector<std::string> methods;  // upper-case; empty: any
  std::string allow_header;          // "GET, POST" for the 405
  OversizeAction oversize = OversizeAction::Reject;
  std::size_t inspect_prefix_bytes = 65536;
};

// Turns a route's `canonical:` section into a policy. `view_needed` (signatures on) enables the
// view with the defaults when the section is absent. Errors only for values the loader would
// have refused (a hand-built Config in tests).
Result<RouteCanonicalPolicy> compileRouteCanonicalPolicy(const RouteConfig& route,
                                                         bool view_needed);

struct CanonicalStageConfig {
  std::vector<RouteCanonicalPolicy> routes;  // parallel to config.routes
};

class CanonicalStage final : public Stage {
 public:
  explicit CanonicalStage(std::shared_ptr<const CanonicalStageConfig> config)
      : config_(std::move(config)) {}

  BodyMode requestBodyMode(const Exchange& ex) const noexcept override;
  Verdict onRequestHeaders(Exchange& ex) noexcept override;
  Verdict onRequestBody(Exchange& ex, std::span<const std::byte> chunk, bool end) noexcept override;

 private:
  const RouteCanonicalPolicy* policyFor(const Exchange& ex) const noexcept;

  std::shared_ptr<const CanonicalStageConfig> config_;
  bool done_ = false;
};

class CanonicalStageFactory final : public StageFactory {
 public:
  explicit CanonicalStageFactory(std::shared_ptr<const CanonicalStageConfig> config)
      : config_(std::move(config)) {}
  std::string_view name() const override { return "rampart.canonical"; }
  std::unique_ptr<Stage> create(WorkerContext&) const override {
    return std::make_unique<CanonicalStage>(config_);
  }
  const CanonicalStageConfig& config() const { return *config_; }

 private:
  std::shared_ptr<const CanonicalStageConfig> config_;
};

// The factory for `snapshot`, or null when no route builds the view.
Result<std::unique_ptr<CanonicalStageFactory>> makeCanonicalStageFactory(
    const ConfigSnapshot& snapshot);

}  // namespace rampart::canonical
