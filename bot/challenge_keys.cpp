#include "bot/challenge_keys.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace rampart::bot {
namespace {

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void maskBits(unsigned char* bytes, std::size_t size, std::uint32_t bits) {
  for (std::size_t i = 0; i < size; ++i) {
    const std::uint32_t start = static_cast<std::uint32_t>(i) * 8;
    if (bits >= start + 8) continue;
    const std::uint32_t keep = bits > start ? bits - start : 0;
    bytes[i] &= static_cast<unsigned char>(0xFF00u >> keep);
  }
}

int base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string withBinding(std::string message, const ClientBinding& binding) {
  message += '\n';
  message += binding.ip_prefix;
  message += '\n';
  message += binding.ja4;
  return message;
}

std::string clientIpPrefix(std::string_view ip, std::uint32_t ipv4_bits, std::uint32_t ipv6_bits) {
  const std::string text(ip);
  char out[INET6_ADDRSTRLEN] = {};
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) != 1) {
    in6_addr v6{};
    if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;  // not an address: as given
    if (!IN6_IS_ADDR_V4MAPPED(&v6)) {
      maskBits(v6.s6_addr, sizeof(v6.s6_addr), ipv6_bits);
      if (inet_ntop(AF_INET6, &v6, out, sizeof(out)) == nullptr) return text;
      return std::string(out) + "/" + std::to_string(ipv6_bits);
    }
    std::memcpy(&v4, v6.s6_addr + 12, sizeof(v4));
  }
  maskBits(reinterpret_cast<unsigned char*>(&v4), sizeof(v4), ipv4_bits);
  if (inet_ntop(AF_INET, &v4, out, sizeof(out)) == nullptr) return text;
  return std::string(out) + "/" + std::to_string(ipv4_bits);
}

const ChallengeKey* ChallengeKeyRing::find(std::string_view id) const {
  for (const ChallengeKey& key : keys_)
    if (key.id == id) return &key;
  return nullptr;
}

const ChallengeKey& processChallengeKey() {
  static const ChallengeKey key = [] {
    ChallengeKey k;
    k.id = "process";
    auto secret = randomBytes(kMinChallengeSecretBytes);
    if (!secret) {
      // Without randomness there is no safe key; a predictable one would let anyone mint cookies.
      std::fprintf(stderr, "rampart: challenge: RAND_bytes failed; cannot create a key\n");
      std::abort();
    }
    k.secret = std::move(*secret);
    return k;
  }();
  return key;
}

std::optional<HmacDigest> hmacSha256(std::string_view secret, std::string_view message) {
  HmacDigest digest{};
  unsigned int length = 0;
  const unsigned char* ok = HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                                 reinterpret_cast<const unsigned char*>(message.data()),
                                 message.size(), digest.data(), &length);
  if (ok == nullptr || length != kHmacBytes) return std::nullopt;
  return digest;
}

bool equalConstantTime(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto at = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += kBase64UrlAlphabet[(v >> 18) & 63];
    out += kBase64UrlAlphabet[(v >> 12) & 63];
    out += kBase64UrlAlphabet[(v >> 6) & 63];
    out += kBase64UrlAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = at(i) << 16;
    out += kBase64UrlAlphabet[(v >> 18) & 63];
    out += kBase64UrlAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    const std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
    out += kBase64UrlAlphabet[(v >> 18) & 63];
    out += kBase64UrlAlphabet[(v >> 12) & 63];
    out += kBase64UrlAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int v = base64UrlValue(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero, so every byte string has exactly one encoding (no malleable
  // cookies that differ in text but verify the same).
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::optional<std::string> randomBytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    return std::nullopt;
  return out;
}

bool isChallengeKeyId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::vector<std::string_view>> splitDots(std::string_view text,
                                                       std::size_t max_parts) {
  std::vector<std::string_view> parts;
  while (true) {
    if (parts.size() == max_parts) return std::nullopt;
    const std::size_t dot = text.find('.');
    parts.push_back(text.substr(0, dot));
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  return parts;
}

std::optional<std::uint64_t> parseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (status != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace rampart::bot
