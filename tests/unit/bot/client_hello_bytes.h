// Builds ClientHello handshake messages byte by byte for the bot/ tests: the shape a client
// sends (RFC 8446 4.1.2), with each extension body written by hand.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::bot::testing {

using Bytes = std::vector<std::uint8_t>;

inline void put16(Bytes& b, std::size_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

// A list of 16-bit values behind a length prefix of `prefix_bytes` (1 or 2).
inline Bytes u16List(const std::vector<std::uint16_t>& values, int prefix_bytes = 2) {
  Bytes b;
  if (prefix_bytes == 1) {
    b.push_back(static_cast<std::uint8_t>(values.size() * 2));
  } else {
    put16(b, values.size() * 2);
  }
  for (auto v : values) put16(b, v);
  return b;
}

inline Bytes alpnBody(const std::vector<std::string_view>& protocols) {
  Bytes list;
  for (auto p : protocols) {
    list.push_back(static_cast<std::uint8_t>(p.size()));
    list.insert(list.end(), p.begin(), p.end());
  }
  Bytes b;
  put16(b, list.size());
  b.insert(b.end(), list.begin(), list.end());
  return b;
}

inline Bytes sniBody(std::string_view host) {
  Bytes b;
  put16(b, host.size() + 3);
  b.push_back(0);  // host_name
  put16(b, host.size());
  b.insert(b.end(), host.begin(), host.end());
  return b;
}

struct HelloSpec {
  std::uint16_t legacy_version = 0x0303;
  std::vector<std::uint16_t> ciphers;
  std::vector<std::pair<std::uint16_t, Bytes>> extensions;
  bool extensions_block = true;  // false: a hello that ends after compression methods
};

// type 1, 24-bit length, then the body.
inline Bytes clientHelloMessage(const HelloSpec& spec) {
  Bytes body;
  put16(body, spec.legacy_version);
  body.insert(body.end(), 32, 0x42);  // random
  body.push_back(32);                 // legacy_session_id
  body.insert(body.end(), 32, 0x17);
  Bytes ciphers = u16List(spec.ciphers);
  body.insert(body.end(), ciphers.begin(), ciphers.end());
  body.push_back(1);  // compression methods: null only
  body.push_back(0);
  if (spec.extensions_block) {
    Bytes exts;
    for (const auto& [type, ext_body] : spec.extensions) {
      put16(exts, type);
      put16(exts, ext_body.size());
      exts.insert(exts.end(), ext_body.begin(), ext_body.end());
    }
    put16(body, exts.size());
    body.insert(body.end(), exts.begin(), exts.end());
  }
  Bytes msg{0x01, static_cast<std::uint8_t>(body.size() >> 16),
            static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
  msg.insert(msg.end(), body.begin(), body.end());
  return msg;
}

// The spec's published example (FoxIO technical_details/JA4.md, "Raw Output", JA4_ro) with the
// GREASE values a Chrome-like client adds around it: cipher 0x0a0a first, extensions 0x2a2a
// first and 0x3a3a last, a GREASE supported_version and group.
inline HelloSpec specExampleHello() {
  HelloSpec s;
  s.ciphers = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
               0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  const Bytes empty;
  s.extensions = {
      {0x2a2a, empty},
      {0x001b, Bytes{0x02, 0x00, 0x02}},  // compress_certificate: brotli
      {0x0000, sniBody("shop.example")},
      {0x0033, Bytes{0x00, 0x00}},  // key_share (contents do not matter here)
      {0x0010, alpnBody({"h2", "http/1.1"})},
      {0x4469, Bytes{0x00, 0x03, 0x02, 'h', '2'}},  // ALPS
      {0x0017, empty},
      {0x002d, Bytes{0x01, 0x01}},
      {0x000d, u16List({0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601})},
      {0x0005, Bytes{0x01, 0x00, 0x00, 0x00, 0x00}},
      {0x0023, empty},
      {0x0012, empty},
      {0x002b, u16List({0x7a7a, 0x0304, 0x0303}, 1)},
      {0xff01, Bytes{0x00}},
      {0x000b, Bytes{0x01, 0x00}},
      {0x000a, u16List({0x4a4a, 0x001d, 0x0017, 0x0018})},
      {0x0015, Bytes(10, 0)},  // padding
      {0x3a3a, Bytes{0x00}},
  };
  return s;
}

}  // namespace rampart::bot::testing
