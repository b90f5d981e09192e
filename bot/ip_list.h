// A named CIDR list (client_intel.ip_lists; docs/bots.md "IP lists"): the file's addresses and
// networks as sorted, merged ranges, IPv4 and IPv6 apart, so a membership test is one binary
// search whatever the list's size. Built on the main thread when a snapshot compiles; read-only
// afterwards and shared by every worker.
//
// File format: one IPv4/IPv6 address or CIDR per line ("192.0.2.7", "198.51.100.0/24",
// "2001:db8::/32"); '#' starts a comment (whole line or after the entry); blank lines are
// skipped. A network with host bits set ("192.0.2.1/24") is refused as a probable typo. An
// IPv4-mapped IPv6 network with a prefix of at least /96 ("::ffff:192.0.2.0/120") is stored as the
// IPv4 network, because clients are compared in that form (bot/ip_address.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bot/ip_address.h"
#include "proxy/api/error.h"

namespace rampart::bot {

// Bounds that keep a wrong path (a log file, a full BGP table dump) from eating memory.
inline constexpr std::size_t kMaxIpListEntries = 1'000'000;
inline constexpr std::uintmax_t kMaxIpListFileBytes = 64 * 1024 * 1024;

template <typename Number>
struct IpRange {
  Number first = 0;
  Number last = 0;  // inclusive
};

class IpList {
 public:
  // Parses list text. Errors: Error{Config, reason "config_invalid",
  // detail "SOURCE:LINE: REASON"} for the first bad line, or for the entry past `max_entries`.
  static Result<IpList> parse(std::string_view text, std::string_view source_name,
                              std::size_t max_entries = kMaxIpListEntries);
  // Reads and parses `path` ("PATH: cannot read ..." when it cannot be read).
  static Result<IpList> loadFile(const std::string& path,
                                 std::size_t max_entries = kMaxIpListEntries);

  bool contains(const IpAddress& address) const;

  std::size_t entries() const { return entries_; }     // lines that held an entry
  std::size_t v4Ranges() const { return v4_.size(); }  // after merging
  std::size_t v6Ranges() const { return v6_.size(); }
  const std::vector<IpRange<std::uint32_t>>& v4() const { return v4_; }
  const std::vector<IpRange<Uint128>>& v6() const { return v6_; }

 private:
  std::vector<IpRange<std::uint32_t>> v4_;
  std::vector<IpRange<Uint128>> v6_;
  std::size_t entries_ = 0;
};

}  // namespace rampart::bot
