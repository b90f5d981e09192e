#include "bot/ip_list.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace rampart::bot {
namespace {

Error listError(std::string detail) {
  return Error{ErrorSource::Config, 0, "config_invalid", false, std::move(detail)};
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

template <typename Number>
Number hostMask(std::uint32_t prefix, std::uint32_t bits) {
  // Bits below the prefix; shifting by the full width is undefined, so /0 is special.
  if (prefix == 0) return ~Number{0};
  return prefix >= bits ? Number{0} : (Number{1} << (bits - prefix)) - 1;
}

// Sorts by start and joins overlapping and adjacent ranges.
template <typename Number>
void mergeRanges(std::vector<IpRange<Number>>& ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const IpRange<Number>& a, const IpRange<Number>& b) { return a.first < b.first; });
  std::size_t out = 0;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (out > 0) {
      IpRange<Number>& previous = ranges[out - 1];
      const bool touches = previous.last == ~Number{0} || ranges[i].first <= previous.last + 1;
      if (touches) {
        previous.last = std::max(previous.last, ranges[i].last);
        continue;
      }
    }
    ranges[out++] = ranges[i];
  }
  ranges.resize(out);
}

template <typename Number>
bool inRanges(const std::vector<IpRange<Number>>& ranges, Number value) {
  // The last range starting at or before `value` is the only one that can hold it.
  auto after = std::upper_bound(ranges.begin(), ranges.end(), value,
                                [](Number v, const IpRange<Number>& r) { return v < r.first; });
  if (after == ranges.begin()) return false;
  return std::prev(after)->last >= value;
}

}  // namespace

Result<IpList> IpList::parse(std::string_view text, std::string_view source_name,
                             std::size_t max_entries) {
  IpList list;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const auto fail = [&](const std::string& why) {
      return listError(std::string(source_name) + ":" + std::to_string(line_number) + ": " + why);
    };
    if (list.entries_ == max_entries)
      return fail("more than " + std::to_string(max_entries) + " entries");

    std::string_view address_text = line;
    std::optional<std::uint32_t> prefix;
    if (const std::size_t slash = line.find('/'); slash != std::string_view::npos) {
      address_text = line.substr(0, slash);
      const std::string_view digits = line.substr(slash + 1);
      std::uint32_t value = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
        return fail("'" + std::string(line) + "': the prefix length is not a number");
      prefix = value;
    }
    if (address_text.size() > 45) return fail("'" + std::string(line) + "' is not an IP address");
    const std::string terminated(address_text);
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, terminated.c_str(), &v4) == 1) {
      const std::uint32_t bits = prefix.value_or(32);
      if (bits > 32) return fail("'" + std::string(line) + "': an IPv4 prefix is at most /32");
      const std::uint32_t value = ntohl(v4.s_addr);
      const std::uint32_t mask = hostMask<std::uint32_t>(bits, 32);
      if ((value & mask) != 0)
        return fail("'" + std::string(line) + "': host bits are set below /" +
                    std::to_string(bits));
      list.v4_.push_back({value, value | mask});
    } else if (inet_pton(AF_INET6, terminated.c_str(), &v6) == 1) {
      const std::uint32_t bits = prefix.value_or(128);
      if (bits > 128) return fail("'" + std::string(line) + "': an IPv6 prefix is at most /128");
      Uint128 value = 0;
      for (unsigned char byte : v6.s6_addr) value = (value << 8) | byte;
      const Uint128 mask = hostMask<Uint128>(bits, 128);
      if ((value & mask) != 0)
        return fail("'" + std::string(line) + "': host bits are set below /" +
                    std::to_string(bits));
      constexpr Uint128 kMapped = Uint128{0xffff} << 32;  // ::ffff:0:0/96
      if (bits >= 96 && (value >> 32) == (kMapped >> 32)) {
        const auto low = static_cast<std::uint32_t>(value);
        list.v4_.push_back({low, low | hostMask<std::uint32_t>(bits - 96, 32)});
      } else {
        list.v6_.push_back({value, value | mask});
      }
    } else {
      return fail("'" + std::string(address_text) + "' is not an IPv4 or IPv6 address");
    }
    ++list.entries_;
  }
  mergeRanges(list.v4_);
  mergeRanges(list.v6_);
  list.v4_.shrink_to_fit();
  list.v6_.shrink_to_fit();
  return list;
}

Result<IpList> IpList::loadFile(const std::string& path, std::size_t max_entries) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return listError(path + ": cannot read IP list: not a regular file or does not exist");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return listError(path + ": cannot read IP list: " + ec.message());
  if (size > kMaxIpListFileBytes) return listError(path + ": IP list is larger than 64 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return listError(path + ": cannot read IP list: " + std::strerror(errno));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return listError(path + ": cannot read IP list: read error");
  return parse(text, path, max_entries);
}

bool IpList::contains(const IpAddress& address) const {
  return address.family == IpFamily::V4 ? inRanges(v4_, address.v4) : inRanges(v6_, address.v6);
}

}  // namespace rampart::bot
