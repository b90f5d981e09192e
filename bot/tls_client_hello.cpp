#include "bot/tls_client_hello.h"

namespace rampart::bot {
namespace {

constexpr std::uint8_t kClientHelloType = 1;
constexpr std::uint16_t kExtServerName = 0x0000;
constexpr std::uint16_t kExtSupportedGroups = 0x000a;
constexpr std::uint16_t kExtEcPointFormats = 0x000b;
constexpr std::uint16_t kExtSignatureAlgorithms = 0x000d;
constexpr std::uint16_t kExtAlpn = 0x0010;
constexpr std::uint16_t kExtSupportedVersions = 0x002b;

// A bounds-checked reader over the message: every read either succeeds whole or fails, so a
// length field can never send us past the end.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::size_t left() const { return bytes_.size() - pos_; }
  bool u8(std::uint8_t& v) {
    if (left() < 1) return false;
    v = bytes_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (left() < 2) return false;
    v = static_cast<std::uint16_t>(bytes_[pos_] << 8 | bytes_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u24(std::size_t& v) {
    if (left() < 3) return false;
    v = static_cast<std::size_t>(bytes_[pos_]) << 16 |
        static_cast<std::size_t>(bytes_[pos_ + 1]) << 8 | bytes_[pos_ + 2];
    pos_ += 3;
    return true;
  }
  // A sub-reader over the next n bytes, which are consumed.
  bool take(std::size_t n, Reader& sub) {
    if (left() < n) return false;
    sub = Reader(bytes_.subspan(pos_, n));
    pos_ += n;
    return true;
  }
  bool skip(std::size_t n) {
    if (left() < n) return false;
    pos_ += n;
    return true;
  }
  // Length-prefixed (1 or 2 bytes) vector as a sub-reader.
  bool vec8(Reader& sub) {
    std::uint8_t n = 0;
    return u8(n) && take(n, sub);
  }
  bool vec16(Reader& sub) {
    std::uint16_t n = 0;
    return u16(n) && take(n, sub);
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

template <typename T>
void pushBounded(std::vector<T>& list, T v, bool& truncated) {
  if (list.size() < TlsClientHello::kMaxListEntries) {
    list.push_back(v);
  } else {
    truncated = true;
  }
}

// A list of 16-bit values filling the reader; odd leftovers make it malformed.
bool readU16List(Reader& r, std::vector<std::uint16_t>& list, bool& truncated) {
  if (r.left() % 2 != 0) return false;
  std::uint16_t v = 0;
  while (r.u16(v)) pushBounded(list, v, truncated);
  return true;
}

bool parseExtension(std::uint16_t type, Reader body, TlsClientHello& out) {
  Reader list(std::span<const std::uint8_t>{});
  switch (type) {
    case kExtServerName:
      out.has_sni = true;
      return true;
    case kExtAlpn: {
      if (out.has_alpn) return true;  // a repeated ALPN (OpenSSL refuses it) adds nothing
      out.has_alpn = true;
      Reader first(std::span<const std::uint8_t>{});
      if (!body.vec16(list)) return false;
      if (list.left() == 0) return true;  // an empty list: no first value
      if (!list.vec8(first)) return false;
      std::uint8_t c = 0;
      while (first.u8(c)) out.first_alpn += static_cast<char>(c);
      return true;
    }
    case kExtSignatureAlgorithms:
      return body.vec16(list) && readU16List(list, out.signature_algorithms, out.truncated);
    case kExtSupportedGroups:
      return body.vec16(list) && readU16List(list, out.supported_groups, out.truncated);
    case kExtSupportedVersions:
      return body.vec8(list) && readU16List(list, out.supported_versions, out.truncated);
    case kExtEcPointFormats: {
      if (!body.vec8(list)) return false;
      std::uint8_t f = 0;
      while (list.u8(f)) pushBounded(out.ec_point_formats, f, out.truncated);
      return true;
    }
    default:
      return true;  // only its type counts
  }
}

}  // namespace

ClientHelloParse parseClientHello(std::span<const std::uint8_t> message, TlsClientHello& out) {
  out = TlsClientHello{};
  Reader msg(message);
  std::uint8_t type = 0;
  if (!msg.u8(type)) return ClientHelloParse::Malformed;
  if (type != kClientHelloType) return ClientHelloParse::NotClientHello;
  std::size_t length = 0;
  Reader hello(std::span<const std::uint8_t>{});
  if (!msg.u24(length) || !msg.take(length, hello)) return ClientHelloParse::Malformed;

  Reader session_id(std::span<const std::uint8_t>{});
  Reader ciphers(std::span<const std::uint8_t>{});
  Reader compression(std::span<const std::uint8_t>{});
  if (!hello.u16(out.legacy_version) || !hello.skip(32) || !hello.vec8(session_id) ||
      !hello.vec16(ciphers) || !readU16List(ciphers, out.ciphers, out.truncated) ||
      !hello.vec8(compression)) {
    return ClientHelloParse::Malformed;
  }
  if (hello.left() == 0) return ClientHelloParse::Ok;  // no extensions block (old clients)

  Reader extensions(std::span<const std::uint8_t>{});
  if (!hello.vec16(extensions)) return ClientHelloParse::Malformed;
  while (extensions.left() > 0) {
    std::uint16_t ext_type = 0;
    Reader body(std::span<const std::uint8_t>{});
    if (!extensions.u16(ext_type) || !extensions.vec16(body)) return ClientHelloParse::Malformed;
    pushBounded(out.extensions, ext_type, out.truncated);
    // A repeated extension (OpenSSL refuses the handshake later) appends to the bounded lists.
    if (!parseExtension(ext_type, body, out)) return ClientHelloParse::Malformed;
  }
  return ClientHelloParse::Ok;
}

}  // namespace rampart::bot
