#include "bot/ja3.h"

#include <charconv>

#include "bot/digest.h"

namespace rampart::bot {
namespace {

template <typename T>
void appendDecimalList(std::string& out, const std::vector<T>& values, bool skip_grease) {
  bool first = true;
  for (T v : values) {
    if (skip_grease && isGrease(static_cast<std::uint16_t>(v))) continue;
    if (!first) out += '-';
    first = false;
    char buf[8];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), static_cast<unsigned>(v));
    out.append(buf, end);
  }
}

}  // namespace

Ja3 computeJa3(const TlsClientHello& hello) {
  Ja3 out;
  out.text = std::to_string(hello.legacy_version);
  out.text += ',';
  appendDecimalList(out.text, hello.ciphers, true);
  out.text += ',';
  appendDecimalList(out.text, hello.extensions, true);
  out.text += ',';
  appendDecimalList(out.text, hello.supported_groups, true);
  out.text += ',';
  // Point formats are single bytes: no GREASE value exists for them.
  appendDecimalList(out.text, hello.ec_point_formats, false);
  out.hash = md5Hex(out.text);
  return out;
}

}  // namespace rampart::bot
