// What rampart changes in the head it forwards, in both directions: hop-by-hop headers out,
// X-Forwarded-* and X-Request-Id in.
#pragma once

#include <string_view>

#include "proxy/api/exchange.h"
#include "proxy/api/headers.h"
#include "proxy/config/config.h"

namespace rampart {

// True when any `name` field (lower-case name) contains `token`, compared case-insensitively
// ("Connection: Close", "connection: keep-alive, close").
bool headerContainsToken(const HeaderList& headers, std::string_view name, std::string_view token);

// Removes RFC 9110 §7.6.1 connection-specific fields and every field the Connection header names.
void stripHopByHopHeaders(HeaderList& headers);

// The head sent upstream: hop-by-hop stripped, Host = authority, X-Forwarded-For/-Proto/-Host
// and X-Request-Id set (client values replaced unless the config trusts them).
RequestHead buildUpstreamRequestHead(const RequestHead& request, const ConnectionInfo& connection,
                                     const ForwardingConfig& forwarding, std::string_view request_id);

}  // namespace rampart
