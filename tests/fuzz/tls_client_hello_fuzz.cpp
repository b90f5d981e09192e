// libFuzzer target for the ClientHello parser and the fingerprints computed from it (bot/).
// Besides "no crash and no read past the input" (ASan), it checks the bounds the capture relies
// on: no list above kMaxListEntries, and a parsed hello always gives a JA4 of the fixed shape
// (10 characters of section a, two 12-digit sections) and a 32-digit JA3.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "bot/ja3.h"
#include "bot/ja4.h"
#include "bot/tls_client_hello.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rampart::bot;
  TlsClientHello hello;
  if (parseClientHello(std::span<const std::uint8_t>(data, size), hello) != ClientHelloParse::Ok)
    return 0;
  constexpr std::size_t kMax = TlsClientHello::kMaxListEntries;
  check(hello.ciphers.size() <= kMax && hello.extensions.size() <= kMax &&
        hello.supported_versions.size() <= kMax && hello.signature_algorithms.size() <= kMax &&
        hello.supported_groups.size() <= kMax && hello.ec_point_formats.size() <= kMax);
  check(hello.first_alpn.size() <= 255);
  const Ja4 ja4 = computeJa4(hello);
  check(ja4.fingerprint.size() == 10 + 1 + 12 + 1 + 12);
  check(ja4.fingerprint[10] == '_' && ja4.fingerprint[23] == '_');
  check(ja4.raw.compare(0, 10, ja4.fingerprint, 0, 10) == 0);
  check(computeJa3(hello).hash.size() == 32);
  return 0;
}
