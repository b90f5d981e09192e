// ModSecurityStage: OWASP CRS through libmodsecurity v3, phase by phase
// (../shared/notes/libmodsecurity.md §6.2; docs/rules.md).
//
// - The factory exists only when some route has `waf.mode` detect or block; it holds, per route,
//   the shared compiled rule set (null for off routes). On an off route the stage does nothing
//   and never creates a transaction.
// - Request phases (connection, URI, headers, phase 1, body, phase 2 — always, also without a
//   body) run as ONE job on the bounded InspectionPool, with the whole body (BodyMode::Buffer);
//   the stage returns Verdict::pending() and resumes on its own worker through
//   WorkerContext::postFromAnyThread. Small requests take the pool's light lane, so a GET never
//   waits behind 64 KB forms. A full lane answers 503 `waf_overloaded` (block mode).
// - Response headers (phase 3) and, for configured MIME types, the response body (phase 4) run
//   inline on the worker; a phase-4 block after headers left becomes a reset (late_block).
// - Logging (phase 5) runs exactly once: in onLog, or, when the exchange ended while its
//   inspection was still running, on the pool thread right after the job.
// - The transaction, its inputs and its results live in a shared InspectionState, so an
//   exchange destroyed mid-inspection is never touched by the job (alive flag under a mutex).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "detectors/modsecurity/inspection_pool.h"
#include "detectors/modsecurity/rules_set.h"
#include "proxy/api/stage.h"

namespace rampart {
struct ConfigSnapshot;
}

namespace rampart::modsec {

struct StageConfig {
  std::vector<std::shared_ptr<const CompiledRules>> route_rules;  // parallel to config.routes
  std::vector<std::string> response_body_mime_types;              // lower-case
  InspectionPool* pool = nullptr;  // null: run the request phases inline (tests)
  std::size_t light_max_bytes = 4096;  // requests up to this size use the pool's light lane
};

struct InspectionState;

class ModSecurityStage final : public Stage {
 public:
  explicit ModSecurityStage(std::shared_ptr<const StageConfig> config);
  ~ModSecurityStage() override;

  // Buffers the body only on routes whose WAF is on; other routes keep streaming.
  BodyMode requestBodyMode(const Exchange& ex) const noexcept override;
  Verdict onRequestHeaders(Exchange& ex) noexcept override;
  Verdict onRequestBody(Exchange& ex, std::span<const std::byte> chunk, bool end) noexcept override;
  Verdict onResponseHeaders(Exchange& ex) noexcept override;
  Verdict onResponseBody(Exchange& ex, std::span<const std::byte> chunk, bool end) noexcept override;
  void onLog(const Exchange& ex) noexcept override;

  // The pool job finished; runs on the exchange's worker.
  void onInspectionDone() noexcept;

 private:
  std::optional<Verdict> settledVerdict(Exchange& ex) noexcept;
  Verdict requestVerdict(Exchange& ex) noexcept;
  Verdict responseVerdict(Exchange& ex) noexcept;
  void publish(Exchange& ex) noexcept;  // rules, scores, errors into the decision record

  std::shared_ptr<const StageConfig> config_;
  std::shared_ptr<InspectionState> state_;  // null on routes with the WAF off
  Exchange* pending_exchange_ = nullptr;    // set while the pool job runs
  bool inspect_response_body_ = false;
  bool done_ = false;  // a verdict was taken or an error seen: no further phases
};

class ModSecurityStageFactory final : public StageFactory {
 public:
  explicit ModSecurityStageFactory(std::shared_ptr<const StageConfig> config)
      : config_(std::move(config)) {}
  std::string_view name() const override { return "rampart.modsecurity"; }
  std::unique_ptr<Stage> create(WorkerContext&) const override {
    return std::make_unique<ModSecurityStage>(config_);
  }
  const StageConfig& config() const { return *config_; }

 private:
  std::shared_ptr<const StageConfig> config_;
};

// The factory for `snapshot`, or null when every route has the WAF off. Compiles one rule set
// per distinct rule configuration; rule errors refuse the config ("FILE:LINE:COL: ...").
// `use_pool` false runs inspections inline (unit tests).
Result<std::unique_ptr<ModSecurityStageFactory>> makeModSecurityStageFactory(
    const ConfigSnapshot& snapshot, bool use_pool = true);

}  // namespace rampart::modsec
