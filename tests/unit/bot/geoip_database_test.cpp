#include "bot/geoip_database.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

namespace rampart::bot {
namespace {

// Written at build time by tests/tools/make_test_mmdb.pl (tests/CMakeLists.txt); "" when the
// Perl writer is not installed.
constexpr const char* kTestMmdb = RAMPART_TEST_MMDB;

std::shared_ptr<const GeoIpDatabase> testDatabase() {
  auto db = GeoIpDatabase::open(kTestMmdb);
  if (!db) FAIL(db.error().detail);
  return db.value();
}

GeoFacts lookUp(const GeoIpDatabase& db, const char* ip, GeoLookupStatus expected,
                GeoFieldsWanted wanted = {true, true}) {
  auto address = parseIpAddress(ip);
  REQUIRE(address);
  GeoFacts facts;
  CHECK(db.lookup(*address, wanted, facts) == expected);
  return facts;
}

TEST_CASE("geoip: country, ASN and organisation from the generated database", "[bot][geoip]") {
  if (std::string(kTestMmdb).empty()) {
    WARN("libmaxmind-db-writer-perl not installed: no test database");
    return;
  }
  auto db = testDatabase();
  CHECK(db->databaseType() == "rampart-test-country-asn");
  GeoFacts loopback = lookUp(*db, "127.0.0.1", GeoLookupStatus::Found);
  CHECK(loopback.country == "DE");
  CHECK(loopback.asn == 64500);
  CHECK(loopback.as_org == "Loopback Test Net");
  CHECK(lookUp(*db, "::ffff:127.0.0.1", GeoLookupStatus::Found).country == "DE");
  CHECK(lookUp(*db, "::1", GeoLookupStatus::Found).asn == 64500);
  GeoFacts v6 = lookUp(*db, "2001:db8:1::5", GeoLookupStatus::Found);
  CHECK(v6.country == "NL");
  CHECK(v6.asn == 64499);
  // Only registered_country in the entry: that is the country.
  CHECK(lookUp(*db, "198.51.100.7", GeoLookupStatus::Found).country == "JP");
  // An ASN-only entry leaves the country unknown.
  GeoFacts asn_only = lookUp(*db, "203.0.113.1", GeoLookupStatus::Found);
  CHECK(asn_only.country == "unknown");
  CHECK(asn_only.asn == 64498);
  // Nothing holds it: everything unknown.
  GeoFacts missing = lookUp(*db, "8.8.8.8", GeoLookupStatus::NotFound);
  CHECK(missing.country == "unknown");
  CHECK(missing.asn == 0);
  CHECK(missing.as_org == "unknown");
  CHECK(lookUp(*db, "2001:db9::1", GeoLookupStatus::NotFound).asn == 0);
}

TEST_CASE("geoip: only the wanted fields are read", "[bot][geoip]") {
  if (std::string(kTestMmdb).empty()) return;
  auto db = testDatabase();
  GeoFacts country_only = lookUp(*db, "192.0.2.1", GeoLookupStatus::Found, {true, false});
  CHECK(country_only.country == "US");
  CHECK(country_only.asn == 0);
  CHECK(country_only.as_org == "unknown");
  GeoFacts asn_only = lookUp(*db, "192.0.2.1", GeoLookupStatus::Found, {false, true});
  CHECK(asn_only.country == "unknown");
  CHECK(asn_only.asn == 64496);
}

TEST_CASE("geoip: a missing or broken file is an error naming it", "[bot][geoip]") {
  auto missing = GeoIpDatabase::open("/nonexistent/rampart.mmdb");
  REQUIRE_FALSE(missing);
  CHECK_THAT(
      missing.error().detail,
      Catch::Matchers::StartsWith("/nonexistent/rampart.mmdb: cannot open GeoIP database: "));
  const std::string junk = "/tmp/rampart_geoip_junk_test.mmdb";
  {
    std::ofstream out(junk, std::ios::binary);
    out << "this is not a MaxMind database\n";
  }
  auto broken = GeoIpDatabase::open(junk);
  std::remove(junk.c_str());
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().detail, Catch::Matchers::Contains("cannot open GeoIP database: ") &&
                                        Catch::Matchers::Contains("metadata"));
}

}  // namespace
}  // namespace rampart::bot
