// The header-name order fingerprint: every client stack emits its headers in its own fixed
// order (Chrome: sec-ch-ua..., user-agent, accept, sec-fetch-*, accept-encoding,
// accept-language; curl: host, user-agent, accept), and a script that copies a browser's
// header values rarely copies their order. rampart's own format (JA4H is not BSD-licensed):
// the first 12 hex digits of SHA-256 over the lower-case names in wire order, comma-joined;
// pseudo-headers are not included (they are in the HTTP/2 fingerprint).
#pragma once

#include <string>

#include "proxy/api/headers.h"

namespace rampart::bot {

// "" when there are no headers. At most the first 64 names are used.
std::string headerOrderFingerprint(const HeaderList& headers);

// The input of the hash ("host,user-agent,accept"), bounded the same way; for tests and docs.
std::string headerOrderNames(const HeaderList& headers);

}  // namespace rampart::bot
