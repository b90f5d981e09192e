// Strict UTF-8 (RFC 3629) as the canonical view demands it of every decoded path, query, cookie
// and body text. Overlong forms (%C0%AF for '/'), UTF-16 surrogates (U+D800-U+DFFF), code points
// above U+10FFFF and truncated sequences are all invalid: a backend that decodes them leniently
// would see characters (a '/', a '.') that the detectors never saw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::canonical {

enum class Utf8Status : std::uint8_t { Valid, Invalid };

Utf8Status validateUtf8(std::string_view bytes);

// Which control characters a context tolerates. Paths tolerate none; form and query values may
// carry TAB, CR and LF (a textarea submitted by GET); NUL is never allowed anywhere.
enum class ControlCharacters : std::uint8_t { NoneAllowed, TabAndNewlinesAllowed };

enum class ControlStatus : std::uint8_t { Clean, ControlFound };

// C0 controls and DEL. (C1 controls U+0080-U+009F are valid UTF-8 text and pass.)
ControlStatus findControlCharacters(std::string_view text, ControlCharacters allowed);

// Appends the UTF-8 encoding of `code_point` (the caller has checked it is a scalar value).
void appendUtf8(std::string& out, std::uint32_t code_point);

}  // namespace rampart::canonical
