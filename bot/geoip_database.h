// One opened MaxMind DB file (.mmdb: GeoLite2-Country/City, GeoLite2-ASN, or one file holding
// both) through libmaxminddb (docs/bots.md "GeoIP and ASN").
//
// Opened with MMDB_MODE_MMAP on the main thread when a snapshot is built, never on the data
// path; afterwards read-only and shared by every worker: libmaxminddb's lookups only read the
// opened MMDB_s and the mapped file, so concurrent lookups are safe without a lock. The file
// is unmapped when the last snapshot holding it is freed, so a reload that opens the new file
// never pulls the old mapping from under a request in flight.
#pragma once

#include <maxminddb.h>

#include <cstdint>
#include <memory>
#include <string>

#include "bot/ip_address.h"
#include "proxy/api/error.h"

namespace rampart::bot {

// Bounds on what a lookup copies out of a database (the file is trusted config, but a bound
// keeps the decision record's size known).
inline constexpr std::size_t kMaxCountryCodeBytes = 8;
inline constexpr std::size_t kMaxAsOrgBytes = 128;

// What the record shows about a client's network; "unknown" / 0 where nothing is known.
struct GeoFacts {
  std::string country = "unknown";  // ISO 3166-1 alpha-2 ("DE"); registered_country when the
                                    // database has no `country` for the network
  std::uint32_t asn = 0;
  std::string as_org = "unknown";
};

enum class GeoLookupStatus : std::uint8_t {
  Found,     // the database holds a network containing the address (fields may still be absent)
  NotFound,  // no network holds it: the facts keep their unknown values
  Error,     // libmaxminddb failed (corrupt data): treated as NotFound, counted apart
};

// Which fields one lookup reads: a country database is not asked for ASNs and vice versa.
struct GeoFieldsWanted {
  bool country = false;
  bool asn = false;
};

class GeoIpDatabase {
 public:
  // Errors: Error{Config, "config_invalid", detail "PATH: cannot open GeoIP database:
  // <libmaxminddb's message>"}.
  static Result<std::shared_ptr<const GeoIpDatabase>> open(const std::string& path);

  ~GeoIpDatabase();
  GeoIpDatabase(const GeoIpDatabase&) = delete;
  GeoIpDatabase& operator=(const GeoIpDatabase&) = delete;

  // Fills the wanted fields of `out` that the database has for `address`; leaves the others.
  GeoLookupStatus lookup(const IpAddress& address, GeoFieldsWanted wanted, GeoFacts& out) const;

  const std::string& path() const { return path_; }
  // The file's metadata database_type ("GeoLite2-Country", "GeoLite2-ASN", ...).
  std::string databaseType() const;

 private:
  explicit GeoIpDatabase(std::string path) : path_(std::move(path)) {}

  std::string path_;
  MMDB_s mmdb_{};
  bool opened_ = false;
};

}  // namespace rampart::bot
