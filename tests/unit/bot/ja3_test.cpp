#include "bot/ja3.h"

#include <catch2/catch.hpp>

#include "tests/unit/bot/client_hello_bytes.h"

namespace rampart::bot {
namespace {

TEST_CASE("JA3: Chrome 143 as published by browserleaks, GREASE removed", "[bot][ja3]") {
  TlsClientHello h;
  h.legacy_version = 0x0303;
  h.ciphers = {0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
               0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  h.extensions = {0x8a8a, 0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b,
                  0x000a, 0x002b, 0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b, 0x2a2a};
  h.supported_groups = {0xaaaa, 0x11ec, 0x001d, 0x0017, 0x0018};
  h.ec_point_formats = {0};
  const Ja3 ja3 = computeJa3(h);
  CHECK(ja3.text ==
        "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
        "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0");
  CHECK(ja3.hash == "98487aa16281980e7d1120d399efb6a4");
}

TEST_CASE("JA3: order matters, empty lists stay empty fields", "[bot][ja3]") {
  TlsClientHello h;
  h.legacy_version = 0x0303;
  h.ciphers = {0x002f};
  CHECK(computeJa3(h).text == "771,47,,,");
  CHECK(computeJa3(h).hash.size() == 32);
  TlsClientHello a;
  a.extensions = {0x0000, 0x0017};
  TlsClientHello b;
  b.extensions = {0x0017, 0x0000};
  CHECK(computeJa3(a).hash != computeJa3(b).hash);
}

TEST_CASE("JA3: from the spec example's bytes", "[bot][ja3]") {
  TlsClientHello h;
  REQUIRE(parseClientHello(testing::clientHelloMessage(testing::specExampleHello()), h) ==
          ClientHelloParse::Ok);
  CHECK(computeJa3(h).text ==
        "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
        "27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0");
}

}  // namespace
}  // namespace rampart::bot
