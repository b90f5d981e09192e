#include "bot/ip_address.h"

#include <arpa/inet.h>

#include <string>

namespace rampart::bot {

std::optional<IpAddress> parseIpAddress(std::string_view text) {
  // inet_pton needs a terminated string; the longest IPv6 text is 45 characters.
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string terminated(text);
  IpAddress out;
  in_addr v4{};
  if (inet_pton(AF_INET, terminated.c_str(), &v4) == 1) {
    out.family = IpFamily::V4;
    out.v4 = ntohl(v4.s_addr);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, terminated.c_str(), &v6) != 1) return std::nullopt;
  Uint128 value = 0;
  for (unsigned char byte : v6.s6_addr) value = (value << 8) | byte;
  constexpr Uint128 kMappedPrefix = Uint128{0xffff} << 32;  // ::ffff:0:0/96
  if ((value >> 32) == (kMappedPrefix >> 32)) {
    out.family = IpFamily::V4;
    out.v4 = static_cast<std::uint32_t>(value);
    return out;
  }
  out.family = IpFamily::V6;
  out.v6 = value;
  return out;
}

}  // namespace rampart::bot
