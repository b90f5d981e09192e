#include "bot/ja4.h"

#include <algorithm>
#include <vector>

#include "bot/digest.h"

namespace rampart::bot {
namespace {

constexpr std::uint16_t kExtServerName = 0x0000;
constexpr std::uint16_t kExtAlpn = 0x0010;
constexpr char kHex[] = "0123456789abcdef";
// What a hash section reads when its list is empty (the spec prefers this to hashing "").
constexpr std::string_view kEmptyHash = "000000000000";
constexpr std::size_t kHashChars = 12;

std::vector<std::uint16_t> withoutGrease(const std::vector<std::uint16_t>& in) {
  std::vector<std::uint16_t> out;
  out.reserve(in.size());
  for (std::uint16_t v : in)
    if (!isGrease(v)) out.push_back(v);
  return out;
}

void appendHex4(std::string& out, std::uint16_t v) {
  out += kHex[v >> 12];
  out += kHex[(v >> 8) & 0xf];
  out += kHex[(v >> 4) & 0xf];
  out += kHex[v & 0xf];
}

std::string hexList(const std::vector<std::uint16_t>& values) {
  std::string out;
  out.reserve(values.size() * 5);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out += ',';
    appendHex4(out, values[i]);
  }
  return out;
}

// Highest non-GREASE supported_versions entry, else legacy_version (the record-layer version
// is never used: clients put 0x0301 there for compatibility).
std::string_view versionCode(const TlsClientHello& hello) {
  std::uint16_t version = 0;
  for (std::uint16_t v : hello.supported_versions)
    if (!isGrease(v) && v > version) version = v;
  if (version == 0) version = hello.legacy_version;
  switch (version) {
    case 0x0304:
      return "13";
    case 0x0303:
      return "12";
    case 0x0302:
      return "11";
    case 0x0301:
      return "10";
    case 0x0300:
      return "s3";
    case 0x0002:
      return "s2";
    case 0xfeff:
      return "d1";
    case 0xfefd:
      return "d2";
    case 0xfefc:
      return "d3";
    default:
      return "00";
  }
}

bool isAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// First and last character of the first ALPN value; "00" without one. When either end is not
// alphanumeric, the first and last digit of the value's hex form instead (so a binary ALPN can
// never put '_' or a control byte into the fingerprint).
std::string alpnCode(const TlsClientHello& hello) {
  const std::string& v = hello.first_alpn;
  if (v.empty()) return "00";
  const auto first = static_cast<unsigned char>(v.front());
  const auto last = static_cast<unsigned char>(v.back());
  if (isAlnum(first) && isAlnum(last)) return {static_cast<char>(first), static_cast<char>(last)};
  return {kHex[first >> 4], kHex[last & 0xf]};
}

std::string twoDigits(std::size_t n) {
  n = std::min<std::size_t>(n, 99);
  return {static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
}

char transportCode(Ja4Transport t) {
  switch (t) {
    case Ja4Transport::Quic:
      return 'q';
    case Ja4Transport::Dtls:
      return 'd';
    case Ja4Transport::Tcp:
      break;
  }
  return 't';
}

std::string sectionA(const TlsClientHello& hello, Ja4Transport transport, std::size_t cipher_count,
                     std::size_t extension_count) {
  std::string a;
  a += transportCode(transport);
  a += versionCode(hello);
  a += hello.has_sni ? 'd' : 'i';
  a += twoDigits(cipher_count);
  a += twoDigits(extension_count);
  a += alpnCode(hello);
  return a;
}

std::string hashOrZeros(const std::vector<std::uint16_t>& list, std::string_view text) {
  if (list.empty()) return std::string(kEmptyHash);
  return sha256Hex(text, kHashChars);
}

// The c section's input: extensions, then '_' and the signature algorithms if there are any.
std::string extensionText(const std::vector<std::uint16_t>& extensions,
                          const std::vector<std::uint16_t>& signature_algorithms) {
  std::string text = hexList(extensions);
  if (!signature_algorithms.empty()) {
    text += '_';
    text += hexList(signature_algorithms);
  }
  return text;
}

}  // namespace

Ja4 computeJa4(const TlsClientHello& hello, Ja4Transport transport) {
  std::vector<std::uint16_t> ciphers = withoutGrease(hello.ciphers);
  const std::vector<std::uint16_t> all_extensions = withoutGrease(hello.extensions);
  const std::vector<std::uint16_t> signature_algorithms = withoutGrease(hello.signature_algorithms);
  // SNI and ALPN are already in section a; leaving them out of c keeps c the same whether the
  // client went to a name or an IP, and whatever it asked for.
  std::vector<std::uint16_t> extensions;
  extensions.reserve(all_extensions.size());
  for (std::uint16_t e : all_extensions)
    if (e != kExtServerName && e != kExtAlpn) extensions.push_back(e);
  std::sort(ciphers.begin(), ciphers.end());
  std::sort(extensions.begin(), extensions.end());

  const std::string a = sectionA(hello, transport, ciphers.size(), all_extensions.size());
  const std::string cipher_text = hexList(ciphers);
  const std::string extension_text = extensionText(extensions, signature_algorithms);

  Ja4 out;
  out.fingerprint =
      a + '_' + hashOrZeros(ciphers, cipher_text) + '_' + hashOrZeros(extensions, extension_text);
  out.raw = a + '_' + cipher_text + '_' + extension_text;
  return out;
}

std::string computeJa4Original(const TlsClientHello& hello, Ja4Transport transport) {
  const std::vector<std::uint16_t> ciphers = withoutGrease(hello.ciphers);
  const std::vector<std::uint16_t> extensions = withoutGrease(hello.extensions);
  const std::vector<std::uint16_t> signature_algorithms = withoutGrease(hello.signature_algorithms);
  return sectionA(hello, transport, ciphers.size(), extensions.size()) + '_' +
         hashOrZeros(ciphers, hexList(ciphers)) + '_' +
         hashOrZeros(extensions, extensionText(extensions, signature_algorithms));
}

}  // namespace rampart::bot
