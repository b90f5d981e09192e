// Percent-decoding done once and strictly (RFC 3986 §2.1), and the re-encoding that makes the
// forwarded form unambiguous. Decoding happens exactly once: "%252e" becomes "%2e" and stays
// that way; whether such a double-encoded result is refused, flagged or let through is each
// context's DoubleEncodingPolicy (canonical_policy.h), decided by looksPercentEncoded().
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::canonical {

// -1 for a byte that is not a hex digit.
int hexValue(char c);

enum class PlusSign : std::uint8_t { Literal, Space };  // '+' means space in urlencoded forms

enum class PercentDecodeStatus : std::uint8_t {
  Decoded,
  BadEscape,  // a '%' not followed by two hex digits: an error, never passed through as-is
};

// Appends the decoded `in` to `out` (one pass).
PercentDecodeStatus percentDecode(std::string_view in, PlusSign plus, std::string& out);

// True when `decoded` still holds a "%HH" sequence after one decoding pass: the input was
// encoded twice (or carries a literal "%41" a second decoder would turn into "A").
enum class EncodingDepth : std::uint8_t { Single, Double };
EncodingDepth encodingDepthOf(std::string_view decoded);

// Bytes that the canonical forms leave as they are; everything else is written as %HH (upper
// case hex). One table per context.
using SafeBytes = std::array<bool, 256>;

// Path segments: unreserved, sub-delims except ';' (Tomcat's path-parameter separator), ':' '@'.
const SafeBytes& pathSegmentSafeBytes();
// Query and form names/values: unreserved and "!$'()*,/:@?" (never '&', '=', '+', ';', '%').
const SafeBytes& queryComponentSafeBytes();

void percentEncode(std::string_view in, const SafeBytes& safe, std::string& out);

}  // namespace rampart::canonical
