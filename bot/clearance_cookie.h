// The clearance cookie: proof that this client solved a challenge, verified statelessly by any
// instance that holds the key (docs/bots.md "Clearance cookie").
//
//   v1.<key id>.<expiry unix s>.<base64url MAC>
//
// The MAC is 48 bytes, two HMAC-SHA256 tags under the key named by <key id>:
//   - 16 bytes over "rampart-clearance", version, key id and expiry: the cookie is ours;
//   - 32 bytes over the same plus the client's IP prefix and JA4: it is this client's.
// Two tags so a refusal can say which failed: a forged cookie fails the first
// (`bad_signature`), a genuine cookie from another address prefix or TLS client only the second
// (`wrong_client`). Neither tag can be made without the secret, and the binding itself is not
// in the cookie.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bot/challenge_keys.h"

namespace rampart::bot {

// The record's `clearance` values (docs/decision-record.md), in the order they are checked.
enum class ClearanceStatus : std::uint8_t {
  Absent,        // no cookie of that name
  Malformed,     // not v1.<id>.<digits>.<48-byte base64url>
  UnknownKey,    // key id not among the configured keys (rotated out, or made up)
  BadSignature,  // the first tag does not verify: not signed by us
  Expired,       // genuine, but its expiry is past
  WrongClient,   // genuine and current, but bound to another IP prefix or JA4
  Valid,
};

std::string_view clearanceStatusName(ClearanceStatus status);

// The cookie value for `binding`, signed with the ring's signing key, valid until
// `expiry_unix_s`; "" when OpenSSL fails.
std::string issueClearanceCookie(const ChallengeKeyRing& keys, const ClientBinding& binding,
                                 std::int64_t expiry_unix_s);

// Checks a cookie value (as sent; never Absent: the caller decides that). Comparisons are
// constant-time; nothing is allocated beyond the decoded MAC.
ClearanceStatus verifyClearanceCookie(const ChallengeKeyRing& keys, std::string_view value,
                                      const ClientBinding& binding, std::int64_t now_unix_s);

}  // namespace rampart::bot
