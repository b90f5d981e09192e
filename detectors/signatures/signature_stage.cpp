#include "detectors/signatures/signature_stage.h"

#include <algorithm>

#include "detectors/canonical/canonical_request.h"
#include "detectors/signatures/signature_loader.h"
#include "detectors/signatures/signature_scanner.h"
#include "proxy/api/exchange.h"
#include "proxy/config_snapshot.h"
#include "proxy/stats/stats.h"

namespace rampart::signatures {
namespace {

constexpr std::string_view kDetector = "signatures";
constexpr std::string_view kScratchKey = "signatures.scratch";

std::string_view modeName(SignatureMode mode) {
  switch (mode) {
    case SignatureMode::Off:
      return "off";
    case SignatureMode::Detect:
      return "detect";
    case SignatureMode::Block:
      return "block";
  }
  return "off";
}

Counter outcomeCounter(ScanOutcome outcome) {
  switch (outcome) {
    case ScanOutcome::NoMatch:
      return Counter::signature_no_match_total;
    case ScanOutcome::LogOnly:
      return Counter::signature_log_only_total;
    case ScanOutcome::Scored:
      return Counter::signature_scored_total;
    case ScanOutcome::Block:
      return Counter::signature_block_total;
  }
  return Counter::signature_no_match_total;
}

void recordMatches(DecisionRecord& record, const ScanReport& report) {
  record.signature_score = static_cast<int>(report.anomaly_score);
  for (const SignatureMatch& match : report.matches) {
    if (match.signature == nullptr) continue;
    SignatureMatchEntry entry;
    entry.id = match.signature->id;
    entry.where = canonical::fieldSourceName(match.source);
    entry.name = match.field_name;
    entry.score = match.signature->score;
    entry.action = signatureActionName(match.signature->action);
    entry.excerpt = match.excerpt;
    record.signatures.push_back(std::move(entry));
  }
}

}  // namespace

const RouteSignaturePolicy* SignatureStage::policyFor(const Exchange& ex) const noexcept {
  const RouteConfig* route = ex.route();
  if (route == nullptr) return nullptr;
  const auto index = static_cast<std::size_t>(route - ex.config().config.routes.data());
  if (index >= config_->routes.size() || config_->routes[index].mode == SignatureMode::Off)
    return nullptr;
  return &config_->routes[index];
}

Verdict SignatureStage::onRequestHeaders(Exchange& ex) noexcept {
  if (const RouteSignaturePolicy* policy = policyFor(ex))
    ex.record().signature_mode = modeName(policy->mode);
  return Verdict::next();
}

Verdict SignatureStage::decide(Exchange& ex, const RouteSignaturePolicy& policy, bool block_match,
                               std::uint32_t signature_score) noexcept {
  WorkerStats& stats = ex.worker().stats();
  std::string_view reason;
  if (block_match) {
    reason = kSignatureBlock;
  } else if (signature_score > 0) {
    // One threshold: the CRS inbound score (when CRS enforces on this route) plus ours.
    const int crs = policy.crs_blocks ? std::max(ex.record().inbound_anomaly_score, 0) : 0;
    if (static_cast<std::uint64_t>(crs) + signature_score >= policy.inbound_threshold)
      reason = kAnomalyThreshold;
  }
  if (reason.empty()) return Verdict::next();
  stats.recordDetectorReason(kDetector, reason);
  if (policy.mode != SignatureMode::Block) {
    stats.inc(Counter::signature_shadow_blocks_total);
    return Verdict::next();
  }
  if (reason == kAnomalyThreshold) stats.inc(Counter::signature_threshold_blocks_total);
  return Verdict::respond(policy.block_status, reason);
}

Verdict SignatureStage::onRequestBody(Exchange& ex, std::span<const std::byte> /*chunk*/,
                                      bool end) noexcept {
  if (done_ || !end) return Verdict::next();
  const RouteSignaturePolicy* policy = policyFor(ex);
  if (policy == nullptr) return Verdict::next();
  done_ = true;
  WorkerStats& stats = ex.worker().stats();
  const auto engineError = [&](std::string_view detail) {
    stats.inc(Counter::signature_errors_total);
    stats.recordDetectorReason(kDetector, kSignatureEngineError);
    try {
      ex.record().waf_error = "signatures: " + std::string(detail);
    } catch (...) {
    }
    return policy->mode == SignatureMode::Block ? Verdict::respond(500, kSignatureEngineError)
                                                : Verdict::next();
  };
  // The canonical stage runs on every route with signatures on and ends the exchange when it
  // refuses, so a missing view here is a wiring bug: fail closed.
  const canonical::CanonicalRequest* view = ex.canonicalRequest();
  if (view == nullptr) return engineError("no canonical view");
  if (!scratch_ || !scratch_->isFor(*config_->set)) return engineError("no scratch for this set");
  try {
    stats.inc(Counter::signature_scans_total);
    ScanReport report;
    SignatureScanner scanner(*config_->set, scratch_->scratch(), policy->paranoia_level);
    const Status scanned = scanner.scan(view->fields, report);
    recordMatches(ex.record(), report);
    if (report.text_views.code_fence) addBodyView(ex.record(), "code_fence");
    if (report.text_views.html) addBodyView(ex.record(), "html");
    if (!scanned) return engineError(scanned.error().detail);
    stats.inc(outcomeCounter(report.outcome));
    stats.recordDetectorReason(kDetector, scanOutcomeName(report.outcome));
    return decide(ex, *policy, report.outcome == ScanOutcome::Block, report.anomaly_score);
  } catch (...) {
    return engineError("out of memory");
  }
}

std::shared_ptr<SignatureScratchResource> SignatureStageFactory::scratchFor(
    WorkerContext& worker) const {
  auto existing = std::dynamic_pointer_cast<SignatureScratchResource>(worker.resource(kScratchKey));
  if (existing && existing->isFor(*config_->set)) return existing;
  auto scratch = SignatureScratch::forSet(*config_->set);
  if (!scratch) return nullptr;
  auto resource =
      std::make_shared<SignatureScratchResource>(config_->set, std::move(scratch.value()));
  worker.putResource(std::string(kScratchKey), resource);
  return resource;
}

void SignatureStageFactory::initWorker(WorkerContext& worker) const {
  try {
    scratchFor(worker);
  } catch (...) {
    // create() tries again; a stage without scratch fails closed.
  }
}

std::unique_ptr<Stage> SignatureStageFactory::create(WorkerContext& worker) const {
  std::shared_ptr<SignatureScratchResource> scratch;
  try {
    scratch = scratchFor(worker);  // normally made by initWorker already: a lookup
  } catch (...) {
  }
  return std::make_unique<SignatureStage>(config_, std::move(scratch));
}

Result<std::unique_ptr<SignatureStageFactory>> makeSignatureStageFactory(
    const ConfigSnapshot& snapshot) {
  const Config& config = snapshot.config;
  const bool any =
      std::any_of(config.routes.begin(), config.routes.end(),
                  [](const RouteConfig& r) { return r.signatures.mode != SignatureMode::Off; });
  if (!any) return std::unique_ptr<SignatureStageFactory>();

  SignatureList signatures;
  if (config.signatures.files.empty()) {
    auto loaded = loadSignatureDirectory(config.signatures.directory);
    if (!loaded) return loaded.error();
    signatures = std::move(loaded.value());
  } else {
    for (const auto& file : config.signatures.files) {
      auto loaded = loadSignatureFile(file);
      if (!loaded) return loaded.error();
      if (auto appended = appendSignatures(signatures, std::move(loaded.value())); !appended)
        return appended.error();
    }
  }
  auto set = SignatureSet::compile(std::move(signatures));
  if (!set) return set.error();

  auto stage_config = std::make_shared<SignatureStageConfig>();
  stage_config->set = std::move(set.value());
  for (const RouteConfig& route : config.routes) {
    RouteSignaturePolicy policy;
    policy.mode = route.signatures.mode;
    policy.paranoia_level = static_cast<std::uint8_t>(route.signatures.paranoia_level);
    policy.inbound_threshold = route.waf.inbound_anomaly_threshold;
    policy.crs_blocks = route.waf.mode == WafMode::Block;
    policy.block_status = static_cast<std::uint16_t>(route.waf.block_status);
    stage_config->routes.push_back(policy);
  }
  return std::make_unique<SignatureStageFactory>(std::move(stage_config));
}

}  // namespace rampart::signatures
