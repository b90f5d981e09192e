#include "detectors/canonical/percent_encoding.h"

#include <cstring>

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
  // Decoding never lengthens: write in place after what `out` held, copying the runs between
  // escapes whole (a push_back per byte was most of the form parser's time), then trim.
  const std::size_t start = out.size();
  out.resize(start + in.size());
  char* const begin = out.data() + start;
  char* w = begin;
  const char special_plus = plus == PlusSign::Space ? '+' : '%';
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::size_t run = i;
    while (run < in.size() && in[run] != '%' && in[run] != special_plus) ++run;
    if (run != i) {
      std::memcpy(w, in.data() + i, run - i);
      w += run - i;
      i = run;
      if (i == in.size()) break;
    }
    if (in[i] == '+') {  // only reached when '+' means a space
      *w++ = ' ';
      continue;
    }
    if (in.size() - i < 3) {
      out.resize(start + static_cast<std::size_t>(w - begin));
      return PercentDecodeStatus::BadEscape;
    }
    const int hi = hexValue(in[i + 1]);
    const int lo = hexValue(in[i + 2]);
    if (hi < 0 || lo < 0) {
      out.resize(start + static_cast<std::size_t>(w - begin));
      return PercentDecodeStatus::BadEscape;
    }
    *w++ = static_cast<char>(hi * 16 + lo);
    i += 2;
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
