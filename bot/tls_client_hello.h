// What TLS fingerprints (JA4, JA3) need from a ClientHello, parsed from the raw handshake
// message. A pure parser: no OpenSSL, no allocation beyond the bounded lists, so it is
// unit-tested with hand-made bytes and safe on anything a client sends.
//
// Why our own parser and not OpenSSL's client-hello callback getters: in OpenSSL 3.0,
// SSL_client_hello_get1_extensions_present() and SSL_client_hello_get0_ext() only see the
// extensions OpenSSL itself implements (ssl/statem/extensions.c verify_extension() drops unknown
// types), and SSL_client_hello_get_extension_order() only exists from 3.2. GREASE,
// compress_certificate (0x001b), ALPS (0x4469), ECH (0xfe0d)... would be missing, so every
// browser's extension count and hash would be wrong. The raw message
// (bot/tls_fingerprint_capture.h) has them all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rampart::bot {

// RFC 8701 GREASE values: 0x0a0a, 0x1a1a, ... 0xfafa (both bytes equal, low nibble 0xa).
constexpr bool isGrease(std::uint16_t v) { return (v >> 8) == (v & 0xff) && (v & 0x0f) == 0x0a; }

// The fields of one ClientHello that fingerprints read. Lists keep the wire order and GREASE
// values (each fingerprint decides what to drop); each holds at most kMaxListEntries, the rest is
// dropped and `truncated` set, so a hostile hello cannot grow memory.
struct TlsClientHello {
  static constexpr std::size_t kMaxListEntries = 128;

  std::uint16_t legacy_version = 0;               // ClientHello.legacy_version (0x0303 for 1.2/1.3)
  std::vector<std::uint16_t> ciphers;             // cipher_suites
  std::vector<std::uint16_t> extensions;          // extension types
  std::vector<std::uint16_t> supported_versions;  // 0x002b
  std::vector<std::uint16_t> signature_algorithms;  // 0x000d
  std::vector<std::uint16_t> supported_groups;      // 0x000a
  std::vector<std::uint8_t> ec_point_formats;       // 0x000b
  std::string first_alpn;  // first protocol of 0x0010 (at most 255 bytes by its wire format)
  bool has_sni = false;    // 0x0000 present
  bool has_alpn = false;   // 0x0010 present (first_alpn may still be empty)
  bool truncated = false;  // a list was longer than kMaxListEntries
};

// What parseClientHello() made of its input.
enum class ClientHelloParse : std::uint8_t {
  Ok,              // `out` holds the hello
  NotClientHello,  // the message is another handshake type (nothing to fingerprint)
  Malformed,       // a length runs past its container; `out` is unspecified, do not fingerprint
};

// Parses one handshake message: type (1 byte, 1 = client_hello), length (3 bytes), body, as
// OpenSSL's message callback passes it. Extension bodies we do not read are only skipped.
ClientHelloParse parseClientHello(std::span<const std::uint8_t> message, TlsClientHello& out);

}  // namespace rampart::bot
