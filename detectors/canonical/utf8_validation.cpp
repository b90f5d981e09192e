#include "detectors/canonical/utf8_validation.h"

#include <cstdint>

#include "detectors/canonical/swar.h"

namespace rampart::canonical {

namespace {

using swar::kHighBits;
using swar::kOnes;
using swar::load64;

// Whether any byte of `word` is below 0x20 or is 0x7F (bit-twiddling: a byte below n has its
// high bit set in (x - n) & ~x; a zero byte of x ^ 0x7F..7F is a 0x7F byte of x).
bool hasControlByte(std::uint64_t word) {
  const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighBits;
  const std::uint64_t del = word ^ (kOnes * 0x7F);
  const std::uint64_t is_del = (del - kOnes) & ~del & kHighBits;
  return (below_space | is_del) != 0;
}

}  // namespace

Utf8Status validateUtf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII runs, 8 bytes at a time: most of a request is ASCII.
    while (n - i >= 8 && (load64(p + i) & kHighBits) == 0) i += 8;
    if (i == n) break;
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    // The second-byte ranges of RFC 3629's table rule out overlong forms, surrogates and
    // code points above U+10FFFF without decoding the code point.
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c == 0xE0) {
      length = 3;
      low = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      length = 3;
    } else if (c == 0xED) {
      length = 3;
      high = 0x9F;  // U+D800..U+DFFF are surrogates
    } else if (c == 0xF0) {
      length = 4;
      low = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      length = 4;
    } else if (c == 0xF4) {
      length = 4;
      high = 0x8F;  // nothing above U+10FFFF
    } else {
      return Utf8Status::Invalid;  // 0x80-0xC1 (continuation or overlong lead), 0xF5-0xFF
    }
    if (n - i < length) return Utf8Status::Invalid;
    if (p[i + 1] < low || p[i + 1] > high) return Utf8Status::Invalid;
    for (std::size_t k = 2; k < length; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return Utf8Status::Invalid;
    i += length;
  }
  return Utf8Status::Valid;
}

ControlStatus findControlCharacters(std::string_view text, ControlCharacters allowed) {
  // 8 bytes at a time past words with no control byte at all; a word with one is looked at
  // byte by byte below (a tab or a newline may be allowed).
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t clean = 0;
  while (text.size() - clean >= 8 && !hasControlByte(load64(p + clean))) clean += 8;
  for (const char ch : text.substr(clean)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7F) continue;
    if (allowed == ControlCharacters::TabAndNewlinesAllowed &&
        (c == '\t' || c == '\r' || c == '\n'))
      continue;
    return ControlStatus::ControlFound;
  }
  return ControlStatus::Clean;
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace rampart::canonical
