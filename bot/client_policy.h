// The per-route client policy (routes[].client_policy; docs/bots.md "Per-route policy"),
// compiled, and the one function that decides it from what client_intel learnt about the client.
// Pure: no I/O, no stats; the stage (bot/client_intel_stage.cpp) records and counts.
//
// Order, first match wins:
//   1. the client is in an allow list          -> AllowListed (nothing below is checked)
//   2. a deny list holds it                    -> Deny ip_list_denied
//      its country is in deny_countries, or allow_countries is set and its known country is not
//      in it (unknown: unknown_country decides) -> Deny country_denied
//      its ASN is in deny_asns                 -> Deny asn_denied
//   3. a challenge list holds it               -> Challenge "ip_list:NAME"
//      challenge_countries / unknown_country challenge -> Challenge "country"
//      challenge_asns                          -> Challenge "asn"
//   4. otherwise                               -> Pass
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/config.h"

namespace rampart::bot {

// Deny reasons: the local reply's reason and the decision record's `reason`.
inline constexpr std::string_view kIpListDenied = "ip_list_denied";
inline constexpr std::string_view kCountryDenied = "country_denied";
inline constexpr std::string_view kAsnDenied = "asn_denied";
// Challenge reasons (record.challenge_requested_by); a list's is "ip_list:" + its name.
inline constexpr std::string_view kChallengeByCountry = "country";
inline constexpr std::string_view kChallengeByAsn = "asn";

// Lists are numbered by their position in client_intel.ip_lists; a client's memberships are one
// bit each (the loader allows at most 64 lists).
inline constexpr std::size_t kMaxIpLists = 64;
using ListMembership = std::uint64_t;

struct ClientFacts {
  std::string_view country = "unknown";
  std::uint32_t asn = 0;
  ListMembership lists = 0;  // bit i: client_intel.ip_lists[i] holds the client
};

enum class ClientPolicyOutcome : std::uint8_t {
  Pass,         // no rule applies: continue
  AllowListed,  // an allow list holds the client: continue, later stages see record.ip_lists
  Deny,         // 403 with `reason` (block mode)
  Challenge,    // record.challenge_requested_by = `reason`, continue (block mode)
};

struct ClientPolicyDecision {
  ClientPolicyOutcome outcome = ClientPolicyOutcome::Pass;
  std::string_view reason;  // Deny: kIpListDenied...; Challenge: "ip_list:NAME" | "country" | "asn"
};

struct CompiledListRef {
  std::size_t index = 0;         // into client_intel.ip_lists
  std::string challenge_reason;  // "ip_list:NAME" (challenge lists)
};

struct CompiledClientPolicy {
  bool enabled = false;  // the route has client_policy
  ClientPolicyMode mode = ClientPolicyMode::Block;
  ListMembership allow_lists = 0;
  ListMembership deny_lists = 0;
  std::vector<CompiledListRef> challenge_lists;  // config order: the first holding one names it
  std::vector<std::string> allow_countries;      // sorted
  std::vector<std::string> deny_countries;       // sorted
  std::vector<std::string> challenge_countries;  // sorted
  UnknownCountryAction unknown_country = UnknownCountryAction::Allow;
  std::vector<std::uint32_t> deny_asns;       // sorted
  std::vector<std::uint32_t> challenge_asns;  // sorted
};

// `lists` is client_intel.ip_lists; route list names were checked against it by the loader.
CompiledClientPolicy compileClientPolicy(const RouteClientPolicyConfig& route,
                                         const std::vector<IpListConfig>& lists);

ClientPolicyDecision decideClientPolicy(const CompiledClientPolicy& policy,
                                        const ClientFacts& facts);

}  // namespace rampart::bot
