// libmodsecurity's process-wide engine and the compiled rule sets rampart shares.
//
// One modsecurity::ModSecurity per process (engine()). A CompiledRules is one RulesSet built
// from generated SecLang for one distinct rule configuration (RuleSetKey); config_snapshot
// compiles each distinct key once per snapshot on the main thread, and every route and worker
// with that key shares it. It is held by shared_ptr: a transaction keeps its rule set alive, so
// a reload frees the old RulesSet when the last request using it ends.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proxy/api/error.h"
#include "proxy/config/config.h"

namespace modsecurity {
class ModSecurity;
class RulesSet;
class RuleMessage;
}  // namespace modsecurity

namespace rampart::modsec {

// Everything that changes the compiled rules of a route. Two routes with equal keys share one
// RulesSet.
struct RuleSetKey {
  WafMode mode = WafMode::Detect;  // never Off: off routes have no rules
  std::uint32_t paranoia_level = 1;
  std::uint32_t inbound_anomaly_threshold = 5;
  std::uint32_t outbound_anomaly_threshold = 4;
  std::uint64_t body_limit = 0;  // from the route's max_body_bytes
  bool response_body_access = false;
  std::vector<std::string> rule_files;
  auto operator<=>(const RuleSetKey&) const = default;
};

RuleSetKey ruleSetKeyFor(const RouteConfig& route);

// What a transaction's log-callback data points at. Called synchronously on the thread that is
// running the transaction's phase; the message is borrowed (copy what you keep, never block).
class RuleMessageSink {
 public:
  virtual void onRuleMessage(const modsecurity::RuleMessage& message) noexcept = 0;

 protected:
  ~RuleMessageSink() = default;
};

// The process's engine: connector "rampart/<version>", log callback with RuleMessageLogProperty
// (the callback data is the transaction's InspectionState, see modsecurity_stage.cpp). Created
// on first use and never destroyed (transactions may end during static destruction).
modsecurity::ModSecurity& engine();

class CompiledRules {
 public:
  CompiledRules(RuleSetKey key, std::shared_ptr<modsecurity::RulesSet> rules)
      : key_(std::move(key)), rules_(std::move(rules)) {}
  const RuleSetKey& key() const { return key_; }
  modsecurity::RulesSet* rules() const { return rules_.get(); }

 private:
  RuleSetKey key_;
  std::shared_ptr<modsecurity::RulesSet> rules_;  // deleter: RulesSet cleanup
};

// The SecLang text rampart generates for `key` (engine settings, CRS variables, then Includes of
// the setup file, exclusions-before, CRS rules/*.conf in name order, exclusions-after, site
// files). Exposed for tests and docs.
Result<std::string> generateRulesText(const WafConfig& waf, const RuleSetKey& key);

// Compiles one rule set. Errors: "FILE:LINE:COL: libmodsecurity: message" (reason
// "config_invalid") so a broken rule file is refused with its position.
Result<std::shared_ptr<const CompiledRules>> compileRules(const WafConfig& waf,
                                                          const RuleSetKey& key);

// Compiles one rule set per distinct key among the routes whose WAF is not off; the result is
// parallel to `config.routes` (null for off routes). Shared sets are the same pointer.
Result<std::vector<std::shared_ptr<const CompiledRules>>> compileRouteRules(const Config& config);

// Number of RulesSet objects alive in the process (tests: sharing and freeing after reload).
std::int64_t liveRuleSets();

}  // namespace rampart::modsec
