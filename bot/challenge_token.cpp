#include "bot/challenge_token.h"

#include <openssl/sha.h>

#include <array>

namespace rampart::bot {
namespace {

constexpr std::string_view kVersion = "v1";
constexpr std::size_t kNonceBytes = 16;
constexpr std::size_t kIssuedTagBytes = 16;
constexpr std::size_t kMacBytes = kIssuedTagBytes + kHmacBytes;
// Instances' clocks differ a little; a token from further in the future than this was not
// issued by a sane clock.
constexpr std::int64_t kClockSkewS = 60;

// The signed fields, '\n'-joined exactly as they appear in the token.
std::string issuedMessage(std::string_view key_id, std::string_view issued,
                          std::string_view difficulty, std::string_view nonce) {
  std::string m = "rampart-challenge-token\n";
  m += kVersion;
  for (std::string_view part : {key_id, issued, difficulty, nonce}) {
    m += '\n';
    m += part;
  }
  return m;
}

}  // namespace

std::string issueChallengeToken(const ChallengeKeyRing& keys, const ClientBinding& binding,
                                std::uint32_t difficulty_bits, std::int64_t now_unix_s) {
  const ChallengeKey& key = keys.signing();
  const auto nonce_bytes = randomBytes(kNonceBytes);
  if (!nonce_bytes) return {};
  const std::string issued = std::to_string(now_unix_s < 0 ? 0 : now_unix_s);
  const std::string difficulty = std::to_string(difficulty_bits);
  const std::string nonce = base64UrlEncode(*nonce_bytes);
  const std::string message = issuedMessage(key.id, issued, difficulty, nonce);
  const auto issued_tag = hmacSha256(key.secret, message);
  const auto bound_tag = hmacSha256(key.secret, withBinding(message, binding));
  if (!issued_tag || !bound_tag) return {};
  std::string mac(digestPrefix(*issued_tag, kIssuedTagBytes));
  mac += digestPrefix(*bound_tag, kHmacBytes);
  std::string token(kVersion);
  for (std::string_view part : {std::string_view(key.id), std::string_view(issued),
                                std::string_view(difficulty), std::string_view(nonce)}) {
    token += '.';
    token += part;
  }
  token += '.';
  token += base64UrlEncode(mac);
  return token;
}

VerifiedToken verifyChallengeToken(const ChallengeKeyRing& keys, std::string_view token,
                                   const ClientBinding& binding, std::int64_t now_unix_s,
                                   std::uint32_t ttl_s) {
  VerifiedToken out;
  if (token.size() > 256) return out;
  const auto parts = splitDots(token, 6);
  if (!parts || parts->size() != 6) return out;
  const std::string_view key_id = (*parts)[1];
  const std::string_view issued_text = (*parts)[2];
  const std::string_view difficulty_text = (*parts)[3];
  const std::string_view nonce_text = (*parts)[4];
  if ((*parts)[0] != kVersion || !isChallengeKeyId(key_id)) return out;
  const auto issued = parseDecimal(issued_text);
  const auto difficulty = parseDecimal(difficulty_text);
  const auto nonce = base64UrlDecode(nonce_text);
  const auto mac = base64UrlDecode((*parts)[5]);
  if (!issued || !difficulty || *difficulty < kMinDifficultyBits ||
      *difficulty > kMaxDifficultyBits || !nonce || nonce->size() != kNonceBytes || !mac ||
      mac->size() != kMacBytes)
    return out;
  const ChallengeKey* key = keys.find(key_id);
  if (key == nullptr) {
    out.status = TokenStatus::UnknownKey;
    return out;
  }
  const std::string message = issuedMessage(key_id, issued_text, difficulty_text, nonce_text);
  const auto issued_tag = hmacSha256(key->secret, message);
  if (!issued_tag || !equalConstantTime(digestPrefix(*issued_tag, kIssuedTagBytes),
                                        std::string_view(*mac).substr(0, kIssuedTagBytes))) {
    out.status = TokenStatus::BadSignature;
    return out;
  }
  const auto issued_at = static_cast<std::int64_t>(*issued);
  if (now_unix_s > issued_at + static_cast<std::int64_t>(ttl_s) ||
      issued_at > now_unix_s + kClockSkewS) {
    out.status = TokenStatus::Expired;
    return out;
  }
  const auto bound_tag = hmacSha256(key->secret, withBinding(message, binding));
  if (!bound_tag || !equalConstantTime(digestPrefix(*bound_tag, kHmacBytes),
                                       std::string_view(*mac).substr(kIssuedTagBytes))) {
    out.status = TokenStatus::WrongClient;
    return out;
  }
  out.status = TokenStatus::Valid;
  out.difficulty_bits = static_cast<std::uint32_t>(*difficulty);
  return out;
}

std::uint32_t sha256LeadingZeroBits(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  std::uint32_t bits = 0;
  for (unsigned char byte : digest) {
    if (byte == 0) {
      bits += 8;
      continue;
    }
    for (unsigned mask = 0x80; (byte & mask) == 0; mask >>= 1) ++bits;
    break;
  }
  return bits;
}

ProofStatus checkProofOfWork(std::string_view token, std::string_view counter,
                             std::uint32_t difficulty_bits) {
  if (counter.empty() || counter.size() > kMaxCounterDigits) return ProofStatus::Malformed;
  for (char c : counter)
    if (c < '0' || c > '9') return ProofStatus::Malformed;
  std::string input(token);
  input += ':';
  input += counter;
  return sha256LeadingZeroBits(input) >= difficulty_bits ? ProofStatus::Meets
                                                         : ProofStatus::TooFewZeroBits;
}

}  // namespace rampart::bot
