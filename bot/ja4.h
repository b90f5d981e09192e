// JA4, FoxIO's TLS client fingerprint (BSD 3-Clause; technical_details/JA4.md in FoxIO-LLC/ja4),
// computed from a parsed ClientHello. Pure functions; docs/bots.md states the definition as
// implemented. Only JA4 itself: JA4H/JA4S/... are under another licence and not used here.
#pragma once

#include <cstdint>
#include <string>

#include "bot/tls_client_hello.h"

namespace rampart::bot {

// JA4's first character: the transport the hello came over.
enum class Ja4Transport : std::uint8_t {
  Tcp,   // "t": TLS over TCP, every rampart listener today
  Quic,  // "q"
  Dtls,  // "d"
};

struct Ja4 {
  // a_b_c, e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1".
  std::string fingerprint;
  // JA4_r: a, then the sorted cipher list, the sorted extension list (without SNI and ALPN) and
  // the signature algorithms in wire order, in place of the two hashes.
  std::string raw;
};

// JA4 and JA4_r together: the lists are built once for both. GREASE is ignored everywhere.
Ja4 computeJa4(const TlsClientHello& hello, Ja4Transport transport = Ja4Transport::Tcp);

// JA4_o: the same with ciphers and extensions in wire order and SNI/ALPN kept in the extension
// hash. Not logged; here so tests can check ordering against the spec's published example.
std::string computeJa4Original(const TlsClientHello& hello,
                               Ja4Transport transport = Ja4Transport::Tcp);

}  // namespace rampart::bot
