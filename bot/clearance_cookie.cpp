#include "bot/clearance_cookie.h"

namespace rampart::bot {
namespace {

constexpr std::string_view kVersion = "v1";
constexpr std::size_t kIssuedTagBytes = 16;
constexpr std::size_t kMacBytes = kIssuedTagBytes + kHmacBytes;

// What the two tags sign. Fields are joined by '\n', which none of them can contain (key ids
// and digits by their syntax, the prefix by construction, JA4 by its alphabet).
std::string issuedMessage(std::string_view key_id, std::string_view expiry) {
  std::string m = "rampart-clearance\n";
  m += kVersion;
  m += '\n';
  m += key_id;
  m += '\n';
  m += expiry;
  return m;
}

}  // namespace

std::string_view clearanceStatusName(ClearanceStatus status) {
  switch (status) {
    case ClearanceStatus::Absent:
      return "absent";
    case ClearanceStatus::Malformed:
      return "malformed";
    case ClearanceStatus::UnknownKey:
      return "unknown_key";
    case ClearanceStatus::BadSignature:
      return "bad_signature";
    case ClearanceStatus::Expired:
      return "expired";
    case ClearanceStatus::WrongClient:
      return "wrong_client";
    case ClearanceStatus::Valid:
      return "valid";
  }
  return "malformed";
}

std::string issueClearanceCookie(const ChallengeKeyRing& keys, const ClientBinding& binding,
                                 std::int64_t expiry_unix_s) {
  const ChallengeKey& key = keys.signing();
  const std::string expiry = std::to_string(expiry_unix_s < 0 ? 0 : expiry_unix_s);
  const auto issued = hmacSha256(key.secret, issuedMessage(key.id, expiry));
  const auto bound = hmacSha256(key.secret, withBinding(issuedMessage(key.id, expiry), binding));
  if (!issued || !bound) return {};
  std::string mac(digestPrefix(*issued, kIssuedTagBytes));
  mac += digestPrefix(*bound, kHmacBytes);
  std::string cookie(kVersion);
  cookie += '.';
  cookie += key.id;
  cookie += '.';
  cookie += expiry;
  cookie += '.';
  cookie += base64UrlEncode(mac);
  return cookie;
}

ClearanceStatus verifyClearanceCookie(const ChallengeKeyRing& keys, std::string_view value,
                                      const ClientBinding& binding, std::int64_t now_unix_s) {
  // 48 bytes are 64 base64url characters; anything much longer is not ours.
  if (value.size() > 128) return ClearanceStatus::Malformed;
  const auto parts = splitDots(value, 4);
  if (!parts || parts->size() != 4) return ClearanceStatus::Malformed;
  const std::string_view version = (*parts)[0];
  const std::string_view key_id = (*parts)[1];
  const std::string_view expiry_text = (*parts)[2];
  if (version != kVersion || !isChallengeKeyId(key_id)) return ClearanceStatus::Malformed;
  const auto expiry = parseDecimal(expiry_text);
  const auto mac = base64UrlDecode((*parts)[3]);
  if (!expiry || !mac || mac->size() != kMacBytes) return ClearanceStatus::Malformed;
  const ChallengeKey* key = keys.find(key_id);
  if (key == nullptr) return ClearanceStatus::UnknownKey;
  const auto issued = hmacSha256(key->secret, issuedMessage(key_id, expiry_text));
  if (!issued || !equalConstantTime(digestPrefix(*issued, kIssuedTagBytes),
                                    std::string_view(*mac).substr(0, kIssuedTagBytes)))
    return ClearanceStatus::BadSignature;
  if (static_cast<std::int64_t>(*expiry) <= now_unix_s) return ClearanceStatus::Expired;
  const auto bound = hmacSha256(key->secret, withBinding(issuedMessage(key_id, expiry_text), binding));
  if (!bound || !equalConstantTime(digestPrefix(*bound, kHmacBytes),
                                   std::string_view(*mac).substr(kIssuedTagBytes)))
    return ClearanceStatus::WrongClient;
  return ClearanceStatus::Valid;
}

}  // namespace rampart::bot
