#include "bot/client_intel_stage.h"

#include <algorithm>

#include "proxy/api/exchange.h"
#include "proxy/config_snapshot.h"
#include "proxy/stats/stats.h"
#include "proxy/worker_context.h"

namespace rampart::bot {
namespace {

constexpr std::string_view kDetector = "client_policy";

Counter denyCounter(std::string_view reason) {
  if (reason == kIpListDenied) return Counter::client_policy_ip_list_denied_total;
  if (reason == kCountryDenied) return Counter::client_policy_country_denied_total;
  return Counter::client_policy_asn_denied_total;
}

void countLookup(WorkerStats& stats, GeoLookupStatus status) {
  stats.inc(Counter::client_intel_geo_lookups_total);
  if (status == GeoLookupStatus::NotFound) stats.inc(Counter::client_intel_geo_misses_total);
  if (status == GeoLookupStatus::Error) stats.inc(Counter::client_intel_geo_errors_total);
}

}  // namespace

Verdict ClientIntelStage::onRequestHeaders(Exchange& ex) noexcept {
  try {
    const ClientIntelStageConfig& config = *config_;
    WorkerStats& stats = ex.worker().stats();
    DecisionRecord& record = ex.record();
    GeoFacts geo;
    ClientFacts facts;
    const std::optional<IpAddress> address = parseIpAddress(ex.connection().client_ip);
    if (address) {
      for (std::size_t i = 0; i < config.lists.size() && i < kMaxIpLists; ++i) {
        if (!config.lists[i].list.contains(*address)) continue;
        facts.lists |= ListMembership{1} << i;
        record.ip_lists.push_back(config.lists[i].name);
      }
      // A single file configured as both databases is walked once.
      const bool shared = config.country_db && config.country_db == config.asn_db;
      if (config.country_db)
        countLookup(stats, config.country_db->lookup(*address, {true, shared}, geo));
      if (config.asn_db && !shared)
        countLookup(stats, config.asn_db->lookup(*address, {false, true}, geo));
    } else {
      stats.inc(Counter::client_intel_unparsable_addresses_total);
    }
    record.country = geo.country;
    record.asn = geo.asn;
    record.as_org = geo.as_org;
    facts.country = record.country;
    facts.asn = geo.asn;

    const RouteConfig* route = ex.route();
    if (route == nullptr) return Verdict::next();
    const auto index = static_cast<std::size_t>(route - ex.config().config.routes.data());
    if (index >= config.routes.size() || !config.routes[index].enabled) return Verdict::next();
    const CompiledClientPolicy& policy = config.routes[index];
    const ClientPolicyDecision decision = decideClientPolicy(policy, facts);
    const bool detect = policy.mode == ClientPolicyMode::Detect;
    record.client_policy_reason = decision.reason;
    switch (decision.outcome) {
      case ClientPolicyOutcome::Pass:
        record.client_policy = "pass";
        stats.inc(Counter::client_policy_passed_total);
        return Verdict::next();
      case ClientPolicyOutcome::AllowListed:
        record.client_policy = "allow_listed";
        stats.inc(Counter::client_policy_allow_listed_total);
        return Verdict::next();
      case ClientPolicyOutcome::Deny:
        stats.recordDetectorReason(kDetector, decision.reason);
        if (detect) {
          record.client_policy = "detect_deny";
          stats.inc(Counter::client_policy_shadow_total);
          return Verdict::next();
        }
        record.client_policy = "deny";
        stats.inc(denyCounter(decision.reason));
        return Verdict::respond(403, decision.reason);
      case ClientPolicyOutcome::Challenge:
        stats.recordDetectorReason(kDetector, "challenge");
        if (detect) {
          record.client_policy = "detect_challenge";
          stats.inc(Counter::client_policy_shadow_total);
          return Verdict::next();
        }
        record.client_policy = "challenge";
        stats.inc(Counter::client_policy_challenged_total);
        // The first stage that asks names the challenge; the challenge stage acts on it.
        if (record.challenge_requested_by.empty())
          record.challenge_requested_by = std::string(decision.reason);
        return Verdict::next();
    }
  } catch (...) {
    // Out of memory copying names: the facts stay partial, the request goes on. A policy that
    // could not be decided does not block (the bot and WAF stages still run).
  }
  return Verdict::next();
}

std::unique_ptr<Stage> ClientIntelStageFactory::create(WorkerContext&) const {
  return std::make_unique<ClientIntelStage>(config_);
}

Result<std::unique_ptr<ClientIntelStageFactory>> makeClientIntelStageFactory(
    const ConfigSnapshot& snapshot) {
  const Config& config = snapshot.config;
  const ClientIntelConfig& intel = config.client_intel;
  const bool any_policy =
      std::any_of(config.routes.begin(), config.routes.end(),
                  [](const RouteConfig& r) { return r.client_policy.configured; });
  if (!intel.configured && !any_policy) return std::unique_ptr<ClientIntelStageFactory>();

  auto stage_config = std::make_shared<ClientIntelStageConfig>();
  const auto openDatabase =
      [](const std::string& key,
         const std::string& path) -> Result<std::shared_ptr<const GeoIpDatabase>> {
    auto db = GeoIpDatabase::open(path);
    if (!db) {
      Error error = db.error();
      error.detail = "client_intel.geoip." + key + ": " + error.detail;
      return error;
    }
    return db.value();
  };
  if (!intel.geoip.country_db.empty()) {
    auto db = openDatabase("country_db", intel.geoip.country_db);
    if (!db) return db.error();
    stage_config->country_db = std::move(db.value());
  }
  if (!intel.geoip.asn_db.empty()) {
    if (intel.geoip.asn_db == intel.geoip.country_db) {
      stage_config->asn_db = stage_config->country_db;  // one mapping, one lookup
    } else {
      auto db = openDatabase("asn_db", intel.geoip.asn_db);
      if (!db) return db.error();
      stage_config->asn_db = std::move(db.value());
    }
  }
  for (const IpListConfig& list : intel.ip_lists) {
    auto parsed = IpList::loadFile(list.file);
    if (!parsed) {
      Error error = parsed.error();
      error.detail = "client_intel.ip_lists." + list.name + ": " + error.detail;
      return error;
    }
    stage_config->lists.push_back({list.name, std::move(parsed.value())});
  }
  for (const RouteConfig& route : config.routes)
    stage_config->routes.push_back(compileClientPolicy(route.client_policy, intel.ip_lists));
  return std::make_unique<ClientIntelStageFactory>(std::move(stage_config));
}

}  // namespace rampart::bot
