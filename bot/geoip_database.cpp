#include "bot/geoip_database.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace rampart::bot {
namespace {

// A UTF-8 string at `path...` of `entry`, at most `max_bytes` long; empty when absent or of
// another type.
template <typename... Path>
std::string stringAt(MMDB_entry_s entry, std::size_t max_bytes, Path... path) {
  MMDB_entry_data_s data{};
  if (MMDB_get_value(&entry, &data, path..., nullptr) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING)
    return {};
  return std::string(data.utf8_string, std::min<std::size_t>(data.data_size, max_bytes));
}

// An unsigned number at `path...`; 0 when absent or of another type. GeoLite2-ASN stores
// autonomous_system_number as uint32; writers may pick a smaller type for small numbers.
template <typename... Path>
std::uint32_t numberAt(MMDB_entry_s entry, Path... path) {
  MMDB_entry_data_s data{};
  if (MMDB_get_value(&entry, &data, path..., nullptr) != MMDB_SUCCESS || !data.has_data) return 0;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT16:
      return data.uint16;
    case MMDB_DATA_TYPE_UINT32:
      return data.uint32;
    case MMDB_DATA_TYPE_UINT64:
      return data.uint64 > UINT32_MAX ? 0 : static_cast<std::uint32_t>(data.uint64);
    case MMDB_DATA_TYPE_INT32:
      return data.int32 < 0 ? 0 : static_cast<std::uint32_t>(data.int32);
    default:
      return 0;
  }
}

}  // namespace

Result<std::shared_ptr<const GeoIpDatabase>> GeoIpDatabase::open(const std::string& path) {
  std::shared_ptr<GeoIpDatabase> db(new GeoIpDatabase(path));
  const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db->mmdb_);
  if (status != MMDB_SUCCESS) {
    std::string why = MMDB_strerror(status);
    if (status == MMDB_IO_ERROR) why += std::string(" (") + std::strerror(errno) + ")";
    return Error{ErrorSource::Config, 0, "config_invalid", false,
                 path + ": cannot open GeoIP database: " + why};
  }
  db->opened_ = true;
  return std::shared_ptr<const GeoIpDatabase>(std::move(db));
}

GeoIpDatabase::~GeoIpDatabase() {
  if (opened_) MMDB_close(&mmdb_);
}

std::string GeoIpDatabase::databaseType() const {
  return mmdb_.metadata.database_type != nullptr ? mmdb_.metadata.database_type : "";
}

GeoLookupStatus GeoIpDatabase::lookup(const IpAddress& address, GeoFieldsWanted wanted,
                                      GeoFacts& out) const {
  // A sockaddr rather than MMDB_lookup_string: the text was parsed once already, and the string
  // form would run getaddrinfo on every request.
  sockaddr_storage storage{};
  if (address.family == IpFamily::V4) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(address.v4);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    Uint128 value = address.v6;
    for (int i = 15; i >= 0; --i) {
      v6->sin6_addr.s6_addr[i] = static_cast<unsigned char>(value & 0xFF);
      value >>= 8;
    }
  }
  int mmdb_error = MMDB_SUCCESS;
  MMDB_lookup_result_s result =
      MMDB_lookup_sockaddr(&mmdb_, reinterpret_cast<const sockaddr*>(&storage), &mmdb_error);
  // An IPv6 client against an IPv4-only database is simply not in it.
  if (mmdb_error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) return GeoLookupStatus::NotFound;
  if (mmdb_error != MMDB_SUCCESS) return GeoLookupStatus::Error;
  if (!result.found_entry) return GeoLookupStatus::NotFound;
  if (wanted.country) {
    std::string iso = stringAt(result.entry, kMaxCountryCodeBytes, "country", "iso_code");
    if (iso.empty())
      iso = stringAt(result.entry, kMaxCountryCodeBytes, "registered_country", "iso_code");
    if (!iso.empty()) out.country = std::move(iso);
  }
  if (wanted.asn) {
    if (const std::uint32_t asn = numberAt(result.entry, "autonomous_system_number")) out.asn = asn;
    std::string org = stringAt(result.entry, kMaxAsOrgBytes, "autonomous_system_organization");
    if (!org.empty()) out.as_org = std::move(org);
  }
  return GeoLookupStatus::Found;
}

}  // namespace rampart::bot
