#include "bot/ja4.h"

#include <catch2/catch.hpp>

#include "bot/digest.h"
#include "tests/unit/bot/client_hello_bytes.h"

namespace rampart::bot {
namespace {

TlsClientHello parsed(const testing::HelloSpec& spec) {
  TlsClientHello h;
  REQUIRE(parseClientHello(testing::clientHelloMessage(spec), h) == ClientHelloParse::Ok);
  return h;
}

// Chrome 143 as browserleaks.com reported it (ja4, ja4_o and ja4_ro published together), with
// GREASE values put back where Chrome sends them.
TlsClientHello chrome143() {
  TlsClientHello h;
  h.legacy_version = 0x0303;
  h.ciphers = {0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
               0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  h.extensions = {0x8a8a, 0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b,
                  0x000a, 0x002b, 0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b, 0x2a2a};
  h.signature_algorithms = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
  h.supported_versions = {0xdada, 0x0304, 0x0303};
  h.supported_groups = {0xaaaa, 0x11ec, 0x001d, 0x0017, 0x0018};
  h.ec_point_formats = {0};
  h.first_alpn = "h2";
  h.has_alpn = true;
  h.has_sni = true;
  return h;
}

TEST_CASE("JA4: the spec's published example, from bytes with GREASE added", "[bot][ja4]") {
  const TlsClientHello h = parsed(testing::specExampleHello());
  const Ja4 ja4 = computeJa4(h);
  CHECK(ja4.fingerprint == "t13d1516h2_8daaf6152771_e5627efa2ab1");
  CHECK(ja4.raw ==
        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
        "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
        "0403,0804,0401,0503,0805,0501,0806,0601");
  CHECK(computeJa4Original(h) == "t13d1516h2_acb858a92679_18f69afefd3d");
}

TEST_CASE("JA4: the spec's hash of an extension list without signature algorithms", "[bot][ja4]") {
  // JA4.md: "0005,000a,...,ff01 = 6d807ffa2a79", no trailing underscore. The extension stays
  // (an empty signature_algorithms list) so the list is the spec's.
  testing::HelloSpec s = testing::specExampleHello();
  for (auto& [type, body] : s.extensions)
    if (type == 0x000d) body = testing::u16List({});
  const Ja4 ja4 = computeJa4(parsed(s));
  CHECK(ja4.fingerprint == "t13d1516h2_8daaf6152771_6d807ffa2a79");
  CHECK(ja4.raw.ends_with("4469,ff01"));
  CHECK(sha256Hex("0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01", 12) ==
        "6d807ffa2a79");
}

TEST_CASE("JA4: Chrome 143 as published by browserleaks", "[bot][ja4]") {
  const TlsClientHello h = chrome143();
  CHECK(computeJa4(h).fingerprint == "t13d1516h2_8daaf6152771_d8a2da3f94cd");
  CHECK(computeJa4(h).raw ==
        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
        "0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_"
        "0403,0804,0401,0503,0805,0501,0806,0601");
  CHECK(computeJa4Original(h) == "t13d1516h2_acb858a92679_f96a17c57971");
}

TEST_CASE("JA4: extension order does not matter, so a shuffling client keeps its JA4",
          "[bot][ja4]") {
  TlsClientHello a = chrome143();
  TlsClientHello b = a;
  std::reverse(b.extensions.begin(), b.extensions.end());
  std::reverse(b.ciphers.begin(), b.ciphers.end());
  CHECK(computeJa4(a).fingerprint == computeJa4(b).fingerprint);
  CHECK(computeJa4Original(a) != computeJa4Original(b));
}

TEST_CASE("JA4: no SNI gives 'i', and c does not change", "[bot][ja4]") {
  TlsClientHello with = chrome143();
  TlsClientHello without = with;
  without.has_sni = false;
  std::erase(without.extensions, 0x0000);
  const Ja4 a = computeJa4(with);
  const Ja4 b = computeJa4(without);
  CHECK(b.fingerprint.substr(0, 10) == "t13i1515h2");
  CHECK(a.fingerprint.substr(10) == b.fingerprint.substr(10));
}

TEST_CASE("JA4: the ALPN characters", "[bot][ja4]") {
  TlsClientHello h = chrome143();
  auto alpn = [&](std::string value) {
    h.first_alpn = std::move(value);
    return computeJa4(h).fingerprint.substr(8, 2);
  };
  CHECK(alpn("h2") == "h2");
  CHECK(alpn("http/1.1") == "h1");
  CHECK(alpn("") == "00");
  CHECK(alpn("x") == "xx");  // a single character is both first and last
  // JA4.md's examples for non-alphanumeric ends: the hex form's first and last digit.
  CHECK(alpn("\xab") == "ab");
  CHECK(alpn("\xab\xcd") == "ad");
  CHECK(alpn("\x30\xab") == "3b");
  CHECK(alpn("\x30\x31\xab\xcd") == "3d");
  CHECK(alpn("\x30\xab\xcd\x31") == "01");
  h.has_alpn = false;
  std::erase(h.extensions, 0x0010);
  CHECK(alpn("") == "00");
}

TEST_CASE("JA4: the version comes from supported_versions, else legacy_version", "[bot][ja4]") {
  TlsClientHello h = chrome143();
  auto version = [&] { return computeJa4(h).fingerprint.substr(1, 2); };
  CHECK(version() == "13");
  h.supported_versions = {0x0303, 0x0a0a};
  CHECK(version() == "12");
  h.supported_versions = {0x1a1a};  // only GREASE: as if absent
  h.legacy_version = 0x0302;
  CHECK(version() == "11");
  h.supported_versions.clear();
  h.legacy_version = 0x0301;
  CHECK(version() == "10");
  h.legacy_version = 0x0300;
  CHECK(version() == "s3");
  h.legacy_version = 0x0305;
  CHECK(version() == "00");
}

TEST_CASE("JA4: counts saturate at 99 and empty lists hash to zeros", "[bot][ja4]") {
  TlsClientHello h;
  h.legacy_version = 0x0303;
  CHECK(computeJa4(h).fingerprint == "t12i000000_000000000000_000000000000");
  CHECK(computeJa4(h).raw == "t12i000000__");
  for (std::uint16_t c = 1; c <= 120; ++c) h.ciphers.push_back(c);
  h.extensions = {0x0000, 0x0010};  // only SNI and ALPN: counted, but c has nothing to hash
  h.has_sni = true;
  h.first_alpn = "h2";
  const Ja4 ja4 = computeJa4(h);
  CHECK(ja4.fingerprint.substr(0, 10) == "t12d9902h2");
  CHECK(ja4.fingerprint.ends_with("_000000000000"));
}

TEST_CASE("JA4: the transport letter", "[bot][ja4]") {
  const TlsClientHello h = chrome143();
  CHECK(computeJa4(h, Ja4Transport::Quic).fingerprint.starts_with("q13d"));
  CHECK(computeJa4(h, Ja4Transport::Dtls).fingerprint.starts_with("d13d"));
}

}  // namespace
}  // namespace rampart::bot
