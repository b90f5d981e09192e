// A client address parsed once per request, in the form the CIDR lists (bot/ip_list.h) and the
// GeoIP databases (bot/geoip_database.h) compare against: IPv4 as a 32-bit number, IPv6 as a
// 128-bit number. An IPv4-mapped IPv6 address (::ffff:192.0.2.1, what a dual-stack listener
// reports for an IPv4 peer) is read as the IPv4 address, so one list entry covers both forms.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace rampart::bot {

__extension__ typedef unsigned __int128 Uint128;  // GCC/Clang; __extension__ keeps -Wpedantic quiet

enum class IpFamily : std::uint8_t { V4, V6 };

struct IpAddress {
  IpFamily family = IpFamily::V4;
  std::uint32_t v4 = 0;  // host byte order; V4 only
  Uint128 v6 = 0;        // most significant byte first, as written; V6 only
};

// "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1" (read as V4). nullopt for anything else
// (names, ports, brackets, zone ids).
std::optional<IpAddress> parseIpAddress(std::string_view text);

}  // namespace rampart::bot
