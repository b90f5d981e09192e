#include "state/rate_limit_key.h"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include <optional>

#include "state/request_fields.h"

namespace rampart::state {
namespace {

constexpr std::size_t kDisplayHashChars = 16;
constexpr std::size_t kStoreKeyHashChars = 32;  // 128 bits: collisions are not a concern

void maskBits(unsigned char* bytes, std::size_t size, std::uint32_t bits) {
  for (std::size_t i = 0; i < size; ++i) {
    const std::uint32_t keep = bits >= 8 * (i + 1) ? 8 : (bits > 8 * i ? bits - 8 * i : 0);
    bytes[i] &= static_cast<unsigned char>(0xFF00u >> keep);
  }
}

// The digest input takes each part length-prefixed, so "a|b" + "c" and "a" + "b|c" differ.
void appendPart(std::string& digest_input, std::string_view value) {
  digest_input += std::to_string(value.size());
  digest_input += ':';
  digest_input += value;
}

}  // namespace

std::string sha256Hex(std::string_view data, std::size_t hex_chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), md, &length, EVP_sha256(), nullptr) != 1) length = 0;
  std::string out;
  for (unsigned int i = 0; i < length && out.size() < hex_chars; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  out.resize(std::min(out.size(), hex_chars));
  return out;
}

std::string ipPrefix(const std::string& ip, std::uint32_t ipv4_bits, std::uint32_t ipv6_bits) {
  char text[INET6_ADDRSTRLEN] = {};
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    maskBits(reinterpret_cast<unsigned char*>(&v4), sizeof(v4), ipv4_bits);
    if (inet_ntop(AF_INET, &v4, text, sizeof(text)) == nullptr) return ip;
    return std::string(text) + "/" + std::to_string(ipv4_bits);
  }
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1) {
    maskBits(v6.s6_addr, sizeof(v6.s6_addr), ipv6_bits);
    if (inet_ntop(AF_INET6, &v6, text, sizeof(text)) == nullptr) return ip;
    return std::string(text) + "/" + std::to_string(ipv6_bits);
  }
  return ip;
}

KeyStatus buildRateLimitKey(const RateLimitRuleConfig& rule, const Exchange& ex,
                            RateLimitKey& out) {
  std::string digest_input = rule.name;
  digest_input += '\n';
  out.display.clear();
  for (const RateLimitKeyPart& part : rule.key) {
    std::string label;
    std::optional<std::string> value;
    bool secret = false;
    switch (part.kind) {
      case RateLimitKeyPartKind::ClientIp:
        label = "client_ip";
        value = ex.connection().client_ip;
        break;
      case RateLimitKeyPartKind::IpPrefix:
        label = "ip_prefix";
        value = ipPrefix(ex.connection().client_ip, part.ipv4_prefix, part.ipv6_prefix);
        break;
      case RateLimitKeyPartKind::Route:
        label = "route";
        value = ex.route() != nullptr ? ex.route()->name : std::string();
        break;
      // Filled by client_intel, which runs before the rate-limit stage (proxy/registry.cpp).
      case RateLimitKeyPartKind::Country:
        label = "country";
        value = ex.record().country;
        break;
      case RateLimitKeyPartKind::Asn:
        label = "asn";
        value = std::to_string(ex.record().asn);
        break;
      case RateLimitKeyPartKind::Ja4:
        // Plain listeners have no fingerprint: the rule does not apply, rather than putting
        // every plain-HTTP client under one shared key.
        label = "ja4";
        if (!ex.connection().ja4.empty()) value = ex.connection().ja4;
        break;
      case RateLimitKeyPartKind::Header: {
        label = "header:" + part.name;
        secret = true;
        if (const std::string* found = ex.request().headers.find(part.name)) value = *found;
        break;
      }
      case RateLimitKeyPartKind::Cookie:
        label = "cookie:" + part.name;
        secret = true;
        value = cookieValue(ex.request().headers, part.name);
        break;
      case RateLimitKeyPartKind::Query:
        label = "query:" + part.name;
        secret = true;
        value = queryValue(ex.request().target, part.name);
        break;
    }
    if (!value) return KeyStatus::PartMissing;
    appendPart(digest_input, *value);
    if (!out.display.empty()) out.display += '|';
    out.display += label;
    out.display += '=';
    out.display += secret ? "sha256:" + sha256Hex(*value, kDisplayHashChars) : *value;
  }
  out.store_key = "rl:{" + sha256Hex(digest_input, kStoreKeyHashChars) + "}";
  return KeyStatus::Built;
}

}  // namespace rampart::state
