#include "proxy/registry.h"

#include "bot/bot_stage.h"
#include "bot/client_intel_stage.h"
#include "bot/challenge_stage.h"
#include "detectors/canonical/canonical_stage.h"
#include "detectors/modsecurity/modsecurity_stage.h"
#include "detectors/signatures/signature_stage.h"
#include "proxy/config_snapshot.h"
#include "proxy/stages/access_log_stage.h"
#include "proxy/stages/protocol_sanity_stage.h"
#include "state/rate_limit_stage.h"

namespace rampart {

std::string_view phaseName(Phase p) {
  switch (p) {
    case Phase::Connection: return "connection";
    case Phase::RequestHeaders: return "request_headers";
    case Phase::RequestBody: return "request_body";
    case Phase::ResponseHeaders: return "response_headers";
    case Phase::ResponseBody: return "response_body";
    case Phase::Log: return "log";
  }
  return "unknown";
}

const std::vector<StageRegistration>& registeredStages() {
  // Pipeline order.
  static const std::vector<StageRegistration> stages = {
      {"rampart.protocol_sanity", Phase::RequestHeaders, StageTrust::ParsesUntrustedInput,
       StageMaturity::Stable},
      // Client intelligence (bot/): GeoIP/ASN and IP lists with per-route allow/deny/challenge;
      // only built when client_intel or some route's client_policy is configured.
      {"rampart.client_intel", Phase::RequestHeaders, StageTrust::ParsesUntrustedInput,
       StageMaturity::Experimental},
      // Bot score from fingerprints, User-Agent consistency and behaviour; per-route policy.
      {"rampart.bot", Phase::RequestHeaders, StageTrust::ParsesUntrustedInput,
       StageMaturity::Experimental},
      // Rate limits (state/): cheap and early, before the WAF spends time on the request; only
      // built when rate_limits.rules is not empty.
      {"rampart.rate_limit", Phase::RequestHeaders, StageTrust::ParsesUntrustedInput,
       StageMaturity::Experimental},
      // Proof-of-work challenge and clearance cookie: acts on record.challenge_requested_by, which
      // client_intel, bot and rate_limit (action: challenge) set before it.
      {"rampart.challenge", Phase::RequestHeaders, StageTrust::ParsesUntrustedInput,
       StageMaturity::Experimental},
      // The canonical request view: parsed once, refused when ambiguous, forwarded as inspected;
      // only built when some route has `canonical:` or signatures on.
      {"rampart.canonical", Phase::RequestHeaders, StageTrust::ParsesUntrustedInput,
       StageMaturity::Experimental},
      // OWASP CRS via libmodsecurity; only built when some route has waf.mode detect|block.
      {"rampart.modsecurity", Phase::RequestHeaders, StageTrust::ParsesUntrustedInput,
       StageMaturity::Experimental},
      // Hyperscan signatures over the canonical view, after CRS so that the CRS inbound score
      // and the signature score meet one threshold here; only built when some route has
      // signatures.mode detect|block.
      {"rampart.signatures", Phase::RequestBody, StageTrust::ParsesUntrustedInput,
       StageMaturity::Experimental},
      {"rampart.access_log", Phase::Log, StageTrust::ParsesUntrustedInput, StageMaturity::Stable},
  };
  return stages;
}

Result<std::vector<std::unique_ptr<StageFactory>>> buildStageFactories(
    const ConfigSnapshot& snapshot) {
  std::vector<std::unique_ptr<StageFactory>> factories;
  for (const auto& registration : registeredStages()) {
    if (registration.name == "rampart.protocol_sanity") {
      factories.push_back(std::make_unique<ProtocolSanityStageFactory>(snapshot.config.limits));
    } else if (registration.name == "rampart.client_intel") {
      auto factory = bot::makeClientIntelStageFactory(snapshot);
      if (!factory) return factory.error();
      if (factory.value()) factories.push_back(std::move(factory.value()));
    } else if (registration.name == "rampart.bot") {
      auto factory = bot::makeBotStageFactory(snapshot);
      if (!factory) return factory.error();
      if (factory.value()) factories.push_back(std::move(factory.value()));
    } else if (registration.name == "rampart.challenge") {
      if (auto factory = bot::makeChallengeStageFactory(snapshot))
        factories.push_back(std::move(factory));
    } else if (registration.name == "rampart.rate_limit") {
      if (auto factory = state::makeRateLimitStageFactory(snapshot))
        factories.push_back(std::move(factory));
    } else if (registration.name == "rampart.canonical") {
      auto factory = canonical::makeCanonicalStageFactory(snapshot);
      if (!factory) return factory.error();
      if (factory.value()) factories.push_back(std::move(factory.value()));
    } else if (registration.name == "rampart.modsecurity") {
      auto factory = modsec::makeModSecurityStageFactory(snapshot);
      if (!factory) return factory.error();
      if (factory.value()) factories.push_back(std::move(factory.value()));
    } else if (registration.name == "rampart.signatures") {
      auto factory = signatures::makeSignatureStageFactory(snapshot);
      if (!factory) return factory.error();
      if (factory.value()) factories.push_back(std::move(factory.value()));
    } else if (registration.name == "rampart.access_log") {
      factories.push_back(std::make_unique<AccessLogStageFactory>());
    }
  }
  return factories;
}

}  // namespace rampart
