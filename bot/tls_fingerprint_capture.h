// Fingerprints a TLS connection from its first ClientHello, once per connection, inside the
// handshake. Hooks OpenSSL's per-SSL message callback, which hands us each handshake message as
// received (before OpenSSL acts on it), and unhooks itself after the first one: no cost for the
// rest of the connection. Certificate selection (the servername callback in proxy/tls_context.cpp)
// and ALPN are untouched, and nothing here can fail the handshake: an unusable hello leaves the
// fingerprints empty.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <string>

namespace rampart::bot {

// What the capture found; the strings are empty unless status is Fingerprinted.
struct TlsFingerprint {
  enum class Status : std::uint8_t {
    Waiting,        // no ClientHello seen yet (or no capture attached)
    Fingerprinted,  // ja4, ja4_r and ja3 are set
    Malformed,      // the ClientHello did not parse (the handshake will normally fail too)
    Unsupported,    // the first message was no TLS handshake message (an SSLv2-format hello)
    Failed,         // out of memory while fingerprinting
  };
  Status status = Status::Waiting;
  std::string ja4;    // "t13d1516h2_8daaf6152771_e5627efa2ab1"
  std::string ja4_r;  // JA4 with the lists instead of their hashes
  std::string ja3;    // md5 hex
};

// Attaches the one-shot capture to a server SSL before its handshake starts. `out` must outlive
// the handshake (the connection owns both). Replaces any message callback set on `ssl`.
void captureClientHello(SSL* ssl, TlsFingerprint* out);

// The fingerprints of one raw handshake message (type, 24-bit length, body), as the capture
// computes them; separate so tests can drive it without a handshake.
TlsFingerprint fingerprintHandshakeMessage(const std::uint8_t* message, std::size_t length);

}  // namespace rampart::bot
