// ClientIntelStage: what rampart knows about the client's address, and the route's policy on it
// (docs/bots.md "GeoIP/ASN and IP lists"). RequestHeaders phase, right after protocol_sanity,
// so every later stage (bot score, challenge, rate limits keyed on country/asn) sees the facts.
//
// - The factory exists when the config has `client_intel` or some route has `client_policy`.
//   It holds the opened GeoIP databases and the parsed CIDR lists of this generation (read on
//   the main thread in buildSnapshot; a bad file refuses the config, and on a reload keeps the
//   old snapshot) and each route's compiled policy.
// - Per request: the client address is parsed once; the databases fill record.country, asn and
//   as_org ("unknown"/0 without a database or entry); every list holding the client is named in
//   record.ip_lists (config order); then the route's policy (bot/client_policy.h) decides:
//     AllowListed -> continue (the bot stage sees the names in record.ip_lists)
//     Deny        -> 403 ip_list_denied | country_denied | asn_denied
//     Challenge   -> record.challenge_requested_by = "ip_list:NAME" | "country" | "asn", continue
//   In detect mode Deny and Challenge are recorded (client_policy "detect_deny" /
//   "detect_challenge") and counted (client_policy_shadow_total), never acted on.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bot/client_policy.h"
#include "bot/geoip_database.h"
#include "bot/ip_list.h"
#include "proxy/api/error.h"
#include "proxy/api/stage.h"

namespace rampart {
struct ConfigSnapshot;
}

namespace rampart::bot {

struct NamedIpList {
  std::string name;
  IpList list;
};

// The immutable per-generation form of client_intel + every route's client_policy.
struct ClientIntelStageConfig {
  std::shared_ptr<const GeoIpDatabase> country_db;  // null: no country database
  std::shared_ptr<const GeoIpDatabase> asn_db;      // null: none; may be country_db itself
  std::vector<NamedIpList> lists;                   // client_intel.ip_lists order
  std::vector<CompiledClientPolicy> routes;         // parallel to config.routes
};

class ClientIntelStage final : public Stage {
 public:
  explicit ClientIntelStage(std::shared_ptr<const ClientIntelStageConfig> config)
      : config_(std::move(config)) {}
  Verdict onRequestHeaders(Exchange& ex) noexcept override;

 private:
  std::shared_ptr<const ClientIntelStageConfig> config_;
};

class ClientIntelStageFactory final : public StageFactory {
 public:
  explicit ClientIntelStageFactory(std::shared_ptr<const ClientIntelStageConfig> config)
      : config_(std::move(config)) {}
  std::string_view name() const override { return "rampart.client_intel"; }
  std::unique_ptr<Stage> create(WorkerContext&) const override;
  const ClientIntelStageConfig& config() const { return *config_; }

 private:
  std::shared_ptr<const ClientIntelStageConfig> config_;
};

// Opens the databases and reads the lists of `snapshot`'s client_intel, or null when neither
// client_intel nor any route's client_policy is configured. Errors name the file:
// "client_intel.ip_lists.NAME: FILE:LINE: reason", "client_intel.geoip.country_db: PATH: cannot
// open GeoIP database: <libmaxminddb's message>".
Result<std::unique_ptr<ClientIntelStageFactory>> makeClientIntelStageFactory(
    const ConfigSnapshot& snapshot);

}  // namespace rampart::bot
