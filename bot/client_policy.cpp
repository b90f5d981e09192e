#include "bot/client_policy.h"

#include <algorithm>

namespace rampart::bot {
namespace {

constexpr std::string_view kUnknown = "unknown";

std::size_t listIndex(const std::vector<IpListConfig>& lists, const std::string& name) {
  for (std::size_t i = 0; i < lists.size(); ++i)
    if (lists[i].name == name) return i;
  return lists.size();  // the loader refuses unknown names; ignored here
}

ListMembership maskOf(const std::vector<std::string>& names,
                      const std::vector<IpListConfig>& lists) {
  ListMembership mask = 0;
  for (const std::string& name : names) {
    const std::size_t index = listIndex(lists, name);
    if (index < lists.size() && index < kMaxIpLists) mask |= ListMembership{1} << index;
  }
  return mask;
}

template <typename T>
std::vector<T> sorted(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

template <typename T, typename V>
bool holds(const std::vector<T>& sorted_values, const V& value) {
  return std::binary_search(sorted_values.begin(), sorted_values.end(), value);
}

}  // namespace

CompiledClientPolicy compileClientPolicy(const RouteClientPolicyConfig& route,
                                         const std::vector<IpListConfig>& lists) {
  CompiledClientPolicy policy;
  policy.enabled = route.configured;
  policy.mode = route.mode;
  policy.allow_lists = maskOf(route.allow_lists, lists);
  policy.deny_lists = maskOf(route.deny_lists, lists);
  for (const std::string& name : route.challenge_lists) {
    const std::size_t index = listIndex(lists, name);
    if (index < lists.size() && index < kMaxIpLists)
      policy.challenge_lists.push_back({index, "ip_list:" + name});
  }
  policy.allow_countries = sorted(route.allow_countries);
  policy.deny_countries = sorted(route.deny_countries);
  policy.challenge_countries = sorted(route.challenge_countries);
  policy.unknown_country = route.unknown_country;
  policy.deny_asns = sorted(route.deny_asns);
  policy.challenge_asns = sorted(route.challenge_asns);
  return policy;
}

ClientPolicyDecision decideClientPolicy(const CompiledClientPolicy& policy,
                                        const ClientFacts& facts) {
  using Outcome = ClientPolicyOutcome;
  if (!policy.enabled) return {};
  if ((facts.lists & policy.allow_lists) != 0) return {Outcome::AllowListed, {}};

  const bool country_known = facts.country != kUnknown;
  if ((facts.lists & policy.deny_lists) != 0) return {Outcome::Deny, kIpListDenied};
  if (country_known && holds(policy.deny_countries, facts.country))
    return {Outcome::Deny, kCountryDenied};
  const bool outside_allowed =
      !policy.allow_countries.empty() &&
      (country_known ? !holds(policy.allow_countries, facts.country)
                     : policy.unknown_country == UnknownCountryAction::Deny);
  if (outside_allowed) return {Outcome::Deny, kCountryDenied};
  if (facts.asn != 0 && holds(policy.deny_asns, facts.asn)) return {Outcome::Deny, kAsnDenied};

  for (const CompiledListRef& list : policy.challenge_lists) {
    if ((facts.lists >> list.index) & 1U) return {Outcome::Challenge, list.challenge_reason};
  }
  if (country_known && holds(policy.challenge_countries, facts.country))
    return {Outcome::Challenge, kChallengeByCountry};
  if (!country_known && !policy.allow_countries.empty() &&
      policy.unknown_country == UnknownCountryAction::Challenge)
    return {Outcome::Challenge, kChallengeByCountry};
  if (facts.asn != 0 && holds(policy.challenge_asns, facts.asn))
    return {Outcome::Challenge, kChallengeByAsn};
  return {};
}

}  // namespace rampart::bot
