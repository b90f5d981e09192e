#include "bot/tls_client_hello.h"

#include <catch2/catch.hpp>

#include "tests/unit/bot/client_hello_bytes.h"

namespace rampart::bot {
namespace {

using testing::Bytes;
using testing::clientHelloMessage;
using testing::HelloSpec;

TEST_CASE("isGrease: the sixteen RFC 8701 values and nothing else", "[bot][tls_client_hello]") {
  int count = 0;
  for (std::uint32_t v = 0; v <= 0xffff; ++v) count += isGrease(static_cast<std::uint16_t>(v));
  CHECK(count == 16);
  CHECK(isGrease(0x0a0a));
  CHECK(isGrease(0xfafa));
  CHECK_FALSE(isGrease(0x0a1a));
  CHECK_FALSE(isGrease(0x0000));
  CHECK(isGrease(0xaaaa));
  CHECK_FALSE(isGrease(0xabab));
}

TEST_CASE("parseClientHello: every field fingerprints read, in wire order, GREASE kept",
          "[bot][tls_client_hello]") {
  const Bytes msg = clientHelloMessage(testing::specExampleHello());
  TlsClientHello h;
  REQUIRE(parseClientHello(msg, h) == ClientHelloParse::Ok);
  CHECK(h.legacy_version == 0x0303);
  REQUIRE(h.ciphers.size() == 16);
  CHECK(h.ciphers.front() == 0x0a0a);
  CHECK(h.ciphers.back() == 0x0035);
  REQUIRE(h.extensions.size() == 18);
  CHECK(h.extensions[0] == 0x2a2a);
  CHECK(h.extensions[1] == 0x001b);
  CHECK(h.extensions[17] == 0x3a3a);
  CHECK(h.supported_versions == std::vector<std::uint16_t>{0x7a7a, 0x0304, 0x0303});
  CHECK(h.signature_algorithms ==
        std::vector<std::uint16_t>{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601});
  CHECK(h.supported_groups == std::vector<std::uint16_t>{0x4a4a, 0x001d, 0x0017, 0x0018});
  CHECK(h.ec_point_formats == std::vector<std::uint8_t>{0});
  CHECK(h.has_sni);
  CHECK(h.has_alpn);
  CHECK(h.first_alpn == "h2");
  CHECK_FALSE(h.truncated);
}

TEST_CASE("parseClientHello: a hello without an extensions block", "[bot][tls_client_hello]") {
  HelloSpec s;
  s.legacy_version = 0x0301;
  s.ciphers = {0x002f, 0x0035};
  s.extensions_block = false;
  TlsClientHello h;
  REQUIRE(parseClientHello(clientHelloMessage(s), h) == ClientHelloParse::Ok);
  CHECK(h.legacy_version == 0x0301);
  CHECK(h.ciphers.size() == 2);
  CHECK(h.extensions.empty());
  CHECK_FALSE(h.has_sni);
  CHECK_FALSE(h.has_alpn);
}

TEST_CASE("parseClientHello: an empty ALPN list has no first value", "[bot][tls_client_hello]") {
  HelloSpec s;
  s.ciphers = {0x1301};
  s.extensions = {{0x0010, Bytes{0x00, 0x00}}};
  TlsClientHello h;
  REQUIRE(parseClientHello(clientHelloMessage(s), h) == ClientHelloParse::Ok);
  CHECK(h.has_alpn);
  CHECK(h.first_alpn.empty());
}

TEST_CASE("parseClientHello: lists stop at kMaxListEntries", "[bot][tls_client_hello]") {
  HelloSpec s;
  for (std::uint16_t c = 1; c <= 300; ++c) s.ciphers.push_back(c);
  for (std::uint16_t e = 0x1000; e < 0x1000 + 200; ++e) s.extensions.push_back({e, {}});
  std::vector<std::uint16_t> groups(1000, 0x001d);
  s.extensions.push_back({0x000a, testing::u16List(groups)});
  TlsClientHello h;
  REQUIRE(parseClientHello(clientHelloMessage(s), h) == ClientHelloParse::Ok);
  CHECK(h.ciphers.size() == TlsClientHello::kMaxListEntries);
  CHECK(h.extensions.size() == TlsClientHello::kMaxListEntries);
  CHECK(h.supported_groups.size() == TlsClientHello::kMaxListEntries);
  CHECK(h.ciphers.back() == 128);
  CHECK(h.truncated);
}

TEST_CASE("parseClientHello: other handshake messages are not hellos", "[bot][tls_client_hello]") {
  TlsClientHello h;
  const Bytes server_hello{0x02, 0x00, 0x00, 0x00};
  CHECK(parseClientHello(server_hello, h) == ClientHelloParse::NotClientHello);
  CHECK(parseClientHello(Bytes{}, h) == ClientHelloParse::Malformed);
}

TEST_CASE(
    "parseClientHello: every truncation and every bad length is Malformed, never a read "
    "past the end",
    "[bot][tls_client_hello]") {
  const Bytes full = clientHelloMessage(testing::specExampleHello());
  // Cut anywhere: the 24-bit length then promises more than is there.
  for (std::size_t n = 0; n < full.size(); ++n) {
    Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    TlsClientHello h;
    CHECK(parseClientHello(cut, h) == ClientHelloParse::Malformed);
  }
  SECTION("an odd cipher list length") {
    HelloSpec s;
    s.ciphers = {0x1301};
    Bytes msg = clientHelloMessage(s);
    // the cipher list length sits after type(1) len(3) version(2) random(32) sid(1+32)
    const std::size_t at = 4 + 2 + 32 + 33;
    msg[at + 1] = 3;
    TlsClientHello h;
    CHECK(parseClientHello(msg, h) == ClientHelloParse::Malformed);
  }
  SECTION("an extension body longer than the extensions block") {
    HelloSpec s;
    s.ciphers = {0x1301};
    s.extensions = {{0x0017, Bytes{}}};
    Bytes msg = clientHelloMessage(s);
    msg[msg.size() - 1] = 9;  // the extension's own length
    TlsClientHello h;
    CHECK(parseClientHello(msg, h) == ClientHelloParse::Malformed);
  }
  SECTION("a signature_algorithms list longer than its extension") {
    HelloSpec s;
    s.ciphers = {0x1301};
    s.extensions = {{0x000d, Bytes{0x00, 0x08, 0x04, 0x03}}};
    TlsClientHello h;
    CHECK(parseClientHello(clientHelloMessage(s), h) == ClientHelloParse::Malformed);
  }
}

}  // namespace
}  // namespace rampart::bot
