#include "state/rate_limit_match.h"

#include <algorithm>

#include "state/request_fields.h"

namespace rampart::state {

bool ruleMatches(const RateLimitMatch& match, const Exchange& ex) {
  const RequestHead& req = ex.request();
  if (match.bot_score_below != 0) {
    const int score = ex.record().bot_score;
    if (score < 0 || static_cast<std::uint32_t>(score) >= match.bot_score_below) return false;
  }
  if (!match.routes.empty()) {
    const RouteConfig* route = ex.route();
    if (route == nullptr ||
        std::find(match.routes.begin(), match.routes.end(), route->name) == match.routes.end())
      return false;
  }
  if (!match.methods.empty() &&
      std::find(match.methods.begin(), match.methods.end(), req.method) == match.methods.end())
    return false;
  if (!match.path_prefix.empty() && std::string_view(req.target).substr(
                                        0, match.path_prefix.size()) != match.path_prefix)
    return false;
  for (const RateLimitCondition& condition : match.headers) {
    const std::string* value = req.headers.find(condition.name);
    if (value == nullptr || (condition.has_equals && *value != condition.equals)) return false;
  }
  for (const RateLimitCondition& condition : match.query) {
    const auto value = queryValue(req.target, condition.name);
    if (!value || (condition.has_equals && *value != condition.equals)) return false;
  }
  return true;
}

}  // namespace rampart::state
