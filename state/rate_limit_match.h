// Whether a rate-limit rule applies to a request: every listed criterion of its `match` must
// hold (routes, methods, path prefix, header and query conditions, a bot score below a
// threshold); an empty match applies to every request.
#pragma once

#include "proxy/api/exchange.h"
#include "proxy/config/config.h"

namespace rampart::state {

bool ruleMatches(const RateLimitMatch& match, const Exchange& ex);

}  // namespace rampart::state
