// A rule's key for one request: the store key (a fixed-size digest, so nothing a client sends
// grows the store or the Redis key space) and the form the decision record shows, where values
// that may hold a secret (header, cookie, query parameter: API keys, session ids) appear only
// as a short SHA-256 prefix.
#pragma once

#include <cstdint>
#include <string>

#include "proxy/api/exchange.h"
#include "proxy/config/config.h"

namespace rampart::state {

enum class KeyStatus : std::uint8_t {
  Built,        // `out` holds the key
  PartMissing,  // a header/cookie/query part is absent, or ja4 on a plain connection: the
                // rule does not apply
};

struct RateLimitKey {
  // "rl:<rule digest>:{<32 hex>}": the braces are a Redis Cluster hash tag around the digest,
  // so keys spread over slots while each decision stays a one-key script.
  std::string store_key;
  std::string display;  // "client_ip=192.0.2.1|header:x-api-key=sha256:1f2e3d4c5b6a7988"
};

KeyStatus buildRateLimitKey(const RateLimitRuleConfig& rule, const Exchange& ex,
                            RateLimitKey& out);

// "192.0.2.0/24", "2001:db8:1::/64"; the address itself when it does not parse.
std::string ipPrefix(const std::string& ip, std::uint32_t ipv4_bits, std::uint32_t ipv6_bits);

// Lower-case hex of SHA-256(data), cut to `hex_chars`.
std::string sha256Hex(std::string_view data, std::size_t hex_chars);

}  // namespace rampart::state
