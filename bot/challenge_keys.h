// The HMAC keys behind the challenge (clearance cookies and page tokens) and the client binding
// both sign over. Shared by bot/clearance_cookie.h and bot/challenge_token.h; no state beyond
// the keys, so any instance holding the same keys verifies what another one signed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::bot {

inline constexpr std::size_t kMinChallengeSecretBytes = 32;
inline constexpr std::size_t kHmacBytes = 32;  // HMAC-SHA256

using HmacDigest = std::array<unsigned char, kHmacBytes>;

struct ChallengeKey {
  std::string id;      // [A-Za-z0-9_-]{1,32}
  std::string secret;  // >= kMinChallengeSecretBytes
};

// What a cookie or token is valid for: the client's address prefix and its TLS fingerprint.
// `ja4` is "" on plain listeners, so there the binding is to the prefix alone.
struct ClientBinding {
  std::string ip_prefix;  // "192.0.2.0/24", "2001:db8::/64"; the address itself if unparsable
  std::string ja4;
};

// `ip` masked to its prefix ("192.0.2.0/24"). IPv4-mapped IPv6 ("::ffff:192.0.2.1", from a
// dual-stack listener) counts as IPv4 so one client binds the same way on either socket.
std::string clientIpPrefix(std::string_view ip, std::uint32_t ipv4_bits, std::uint32_t ipv6_bits);

// `message` + "\n" + ip prefix + "\n" + JA4: the text a client-bound tag signs (the cookie's and
// the token's second tag), one format for both.
std::string withBinding(std::string message, const ClientBinding& binding);

// The signing key first, then every key that still verifies.
class ChallengeKeyRing {
 public:
  explicit ChallengeKeyRing(std::vector<ChallengeKey> keys) : keys_(std::move(keys)) {}
  const ChallengeKey& signing() const { return keys_.front(); }
  const ChallengeKey* find(std::string_view id) const;
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<ChallengeKey> keys_;
};

// A random key that lives as long as the process: used when the config names none, so the
// demo runs without set-up. Cookies it signs do not verify on another instance or after a
// restart (docs/bots.md).
const ChallengeKey& processChallengeKey();

// HMAC-SHA256(secret, message); nullopt when OpenSSL fails.
std::optional<HmacDigest> hmacSha256(std::string_view secret, std::string_view message);
// The first `n` bytes of a digest as bytes of text (the MACs are concatenated tag prefixes).
inline std::string_view digestPrefix(const HmacDigest& d, std::size_t n) {
  return {reinterpret_cast<const char*>(d.data()), n};
}

// Constant-time comparison of two byte strings of the same length (CRYPTO_memcmp); different
// lengths compare unequal at once (lengths are not secret).
bool equalConstantTime(std::string_view a, std::string_view b);

// RFC 4648 §5 base64url without padding.
std::string base64UrlEncode(std::string_view bytes);
// nullopt on any character outside the alphabet, padding, or an impossible length.
std::optional<std::string> base64UrlDecode(std::string_view text);

// `n` cryptographically random bytes (RAND_bytes); nullopt when the generator fails.
std::optional<std::string> randomBytes(std::size_t n);

// A key id as the config and the cookie allow it: [A-Za-z0-9_-]{1,32}.
bool isChallengeKeyId(std::string_view id);

// Splits `text` at '.'; nullopt when it has more than `max_parts` parts.
std::optional<std::vector<std::string_view>> splitDots(std::string_view text,
                                                       std::size_t max_parts);

// A decimal unsigned integer without sign and at most 18 digits (so it fits an int64_t).
std::optional<std::uint64_t> parseDecimal(std::string_view text);

}  // namespace rampart::bot
