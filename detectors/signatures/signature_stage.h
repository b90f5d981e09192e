// SignatureStage: rampart's Hyperscan signatures over the canonical request view, and the one
// place where the CRS inbound score and the signature score meet one threshold
// (docs/rules.md, "Combining CRS and signatures").
//
// - The factory exists when some route has `signatures.mode` detect or block. It holds the
//   SignatureSet compiled for the snapshot (main thread, buildSnapshot: never on the data path)
//   and each route's mode, paranoia level, threshold and block status.
// - Hyperscan scratch is per worker: initWorker() clones the set's prototype scratch into a
//   WorkerResource when a worker receives the snapshot; each stage instance holds it. Scans run
//   inline on the worker (microseconds), one at a time per worker, so one scratch suffices.
// - It runs at the end of the RequestBody phase, after the canonical stage (which built the
//   view it scans) and after the ModSecurity stage (whose inbound anomaly score is in the
//   record by then). In block mode:
//     a `block` signature                                   -> block_status, `signature_block`
//     signature score + CRS score (CRS in block mode) >= the route's inbound threshold
//                                                           -> block_status, `anomaly_threshold`
//   In detect mode the same decisions are only counted (signature_shadow_blocks_total).
//   CRS on its own still blocks in the ModSecurity stage when its score alone reaches the same
//   threshold (949110); adding a non-negative signature score can only add blocks.
// - Engine failures fail closed in block mode (500 `signature_engine_error`).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "detectors/signatures/signature_scratch.h"
#include "detectors/signatures/signature_set.h"
#include "proxy/api/error.h"
#include "proxy/api/stage.h"
#include "proxy/config/config.h"
#include "proxy/worker_context.h"

namespace rampart {
struct ConfigSnapshot;
}

namespace rampart::signatures {

inline constexpr std::string_view kSignatureBlock = "signature_block";
inline constexpr std::string_view kAnomalyThreshold = "anomaly_threshold";
inline constexpr std::string_view kSignatureEngineError = "signature_engine_error";

struct RouteSignaturePolicy {
  SignatureMode mode = SignatureMode::Off;
  std::uint8_t paranoia_level = 1;
  std::uint32_t inbound_threshold = 5;  // routes[].waf.inbound_anomaly_threshold
  bool crs_blocks = false;              // the route's CRS score counts towards blocking
  std::uint16_t block_status = 403;     // routes[].waf.block_status
};

struct SignatureStageConfig {
  std::shared_ptr<const SignatureSet> set;
  std::vector<RouteSignaturePolicy> routes;  // parallel to config.routes
};

// The per-worker scratch for one set (a WorkerResource, so it lives across exchanges).
class SignatureScratchResource final : public WorkerResource {
 public:
  SignatureScratchResource(std::shared_ptr<const SignatureSet> set, SignatureScratch scratch)
      : set_(std::move(set)), scratch_(std::move(scratch)) {}
  bool isFor(const SignatureSet& set) const { return scratch_.isFor(set); }
  SignatureScratch& scratch() { return scratch_; }

 private:
  std::shared_ptr<const SignatureSet> set_;  // keeps the set alive as long as its scratch
  SignatureScratch scratch_;
};

class SignatureStage final : public Stage {
 public:
  SignatureStage(std::shared_ptr<const SignatureStageConfig> config,
                 std::shared_ptr<SignatureScratchResource> scratch)
      : config_(std::move(config)), scratch_(std::move(scratch)) {}

  Verdict onRequestHeaders(Exchange& ex) noexcept override;
  Verdict onRequestBody(Exchange& ex, std::span<const std::byte> chunk, bool end) noexcept override;

 private:
  const RouteSignaturePolicy* policyFor(const Exchange& ex) const noexcept;
  Verdict decide(Exchange& ex, const RouteSignaturePolicy& policy, bool block_match,
                 std::uint32_t signature_score) noexcept;

  std::shared_ptr<const SignatureStageConfig> config_;
  std::shared_ptr<SignatureScratchResource> scratch_;  // null: the clone failed (fail closed)
  bool done_ = false;
};

class SignatureStageFactory final : public StageFactory {
 public:
  explicit SignatureStageFactory(std::shared_ptr<const SignatureStageConfig> config)
      : config_(std::move(config)) {}
  std::string_view name() const override { return "rampart.signatures"; }
  // Clones the set's scratch for this worker (when it receives the snapshot).
  void initWorker(WorkerContext& worker) const override;
  std::unique_ptr<Stage> create(WorkerContext& worker) const override;
  const SignatureStageConfig& config() const { return *config_; }

 private:
  std::shared_ptr<SignatureScratchResource> scratchFor(WorkerContext& worker) const;
  std::shared_ptr<const SignatureStageConfig> config_;
};

// Loads (config.signatures: directory or files) and compiles the signatures, or null when no
// route has signatures on. A file or pattern error refuses the config with its detail
// ("FILE:LINE:COL: signature 'ID': pattern does not compile: <Hyperscan's message>").
Result<std::unique_ptr<SignatureStageFactory>> makeSignatureStageFactory(
    const ConfigSnapshot& snapshot);

}  // namespace rampart::signatures
