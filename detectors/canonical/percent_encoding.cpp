#include "detectors/canonical/percent_encoding.h"

#include <cstdint>
#include <cstring>

#include "detectors/canonical/swar.h"

namespace rampart::canonical {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

constexpr SafeBytes unreservedBytes() {
  SafeBytes table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  table['-'] = table['.'] = table['_'] = table['~'] = true;
  return table;
}

constexpr SafeBytes withBytes(SafeBytes table, std::string_view extra) {
  for (const char c : extra) table[static_cast<unsigned char>(c)] = true;
  return table;
}

constexpr SafeBytes kPathSegmentSafe = withBytes(unreservedBytes(), "!$&'()*+,=:@");
constexpr SafeBytes kQueryComponentSafe = withBytes(unreservedBytes(), "!$'()*,/:@?");

}  // namespace

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

PercentDecodeStatus percentDecode(std::string_view in, PlusSign plus, std::string& out) {
  // Decoding never lengthens: write in place after what `out` held, then trim. Eight bytes at a
  // time while there is no '%' among them, a '+' turned into a space in the word itself: form
  // text has a '+' every few bytes, so copying the runs between escapes (a memcpy per word) cost
  // more than the decoding.
  const std::size_t start = out.size();
  out.resize(start + in.size());
  char* const begin = out.data() + start;
  char* w = begin;
  const bool plus_is_space = plus == PlusSign::Space;
  const char* p = in.data();
  const char* const end = p + in.size();
  while (p != end) {
    if (end - p >= 8) {
      std::uint64_t word = swar::load64(p);
      if (!swar::hasByte(word, '%')) {
        if (plus_is_space) word = swar::plusAsSpace(word);
        std::memcpy(w, &word, 8);
        w += 8;
        p += 8;
        continue;
      }
    }
    const char c = *p;
    if (c != '%') {
      *w++ = plus_is_space && c == '+' ? ' ' : c;
      ++p;
      continue;
    }
    const int hi = end - p >= 3 ? hexValue(p[1]) : -1;
    const int lo = hi >= 0 ? hexValue(p[2]) : -1;
    if (lo < 0) {
      out.resize(start + static_cast<std::size_t>(w - begin));
      return PercentDecodeStatus::BadEscape;
    }
    *w++ = static_cast<char>(hi * 16 + lo);
    p += 3;
  }
  out.resize(start + static_cast<std::size_t>(w - begin));
  return PercentDecodeStatus::Decoded;
}

EncodingDepth encodingDepthOf(std::string_view decoded) {
  for (std::size_t i = decoded.find('%'); i != std::string_view::npos;
       i = decoded.find('%', i + 1)) {
    if (decoded.size() - i >= 3 && hexValue(decoded[i + 1]) >= 0 && hexValue(decoded[i + 2]) >= 0)
      return EncodingDepth::Double;
  }
  return EncodingDepth::Single;
}

const SafeBytes& pathSegmentSafeBytes() { return kPathSegmentSafe; }
const SafeBytes& queryComponentSafeBytes() { return kQueryComponentSafe; }

void percentEncode(std::string_view in, const SafeBytes& safe, std::string& out) {
  out.reserve(out.size() + in.size());
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (safe[c]) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHexDigits[c >> 4]);
      out.push_back(kHexDigits[c & 0xF]);
    }
  }
}

}  // namespace rampart::canonical
