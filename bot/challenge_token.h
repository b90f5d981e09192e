// The token a challenge page carries, and the proof of work over it (docs/bots.md "Challenge").
//
//   v1.<key id>.<issued unix s>.<difficulty bits>.<base64url 16-byte nonce>.<base64url MAC>
//
// The MAC has the same two-tag shape as the clearance cookie (bot/clearance_cookie.h), under
// its own label, so a token is never a cookie and the reason for a refusal is exact. The token
// binds the issue time (short TTL), the difficulty, a random nonce and the client (IP prefix
// and JA4): a solution cannot be computed before the page was served, nor used by another
// client. Within its TTL the same client may redeem it more than once (stateless); that only
// mints cookies for the client that solved it.
//
// The proof: a decimal counter such that SHA-256(token ":" counter) starts with at least
// `difficulty` zero bits (the page's JavaScript searches for it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bot/challenge_keys.h"

namespace rampart::bot {

inline constexpr std::uint32_t kMinDifficultyBits = 1;
inline constexpr std::uint32_t kMaxDifficultyBits = 32;
inline constexpr std::size_t kMaxCounterDigits = 16;

enum class TokenStatus : std::uint8_t {
  Malformed,     // not the shape above
  UnknownKey,    // key id not configured (rotated out, or made up)
  BadSignature,  // the first tag does not verify: not issued by us
  Expired,       // older than the token TTL (or issued implausibly far in the future)
  WrongClient,   // issued to another IP prefix or JA4
  Valid,
};

struct VerifiedToken {
  TokenStatus status = TokenStatus::Malformed;
  std::uint32_t difficulty_bits = 0;  // Valid only: what the proof must reach
};

// A fresh token for `binding`; "" when OpenSSL fails (no randomness, HMAC error).
std::string issueChallengeToken(const ChallengeKeyRing& keys, const ClientBinding& binding,
                                std::uint32_t difficulty_bits, std::int64_t now_unix_s);

VerifiedToken verifyChallengeToken(const ChallengeKeyRing& keys, std::string_view token,
                                   const ClientBinding& binding, std::int64_t now_unix_s,
                                   std::uint32_t ttl_s);

enum class ProofStatus : std::uint8_t {
  Meets,           // the digest has at least the required zero bits
  TooFewZeroBits,  // a well-formed counter that is not a solution
  Malformed,       // the counter is not 1..16 decimal digits
};

ProofStatus checkProofOfWork(std::string_view token, std::string_view counter,
                             std::uint32_t difficulty_bits);

// Leading zero bits of SHA-256(data): exposed for tests and for the page's reference solver.
std::uint32_t sha256LeadingZeroBits(std::string_view data);

}  // namespace rampart::bot
