#include "detectors/canonical/percent_encoding.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/detectors/test_strings.h"

namespace rampart::canonical {
namespace {

std::string decoded(std::string_view in, PlusSign plus = PlusSign::Literal) {
  std::string out;
  REQUIRE(percentDecode(in, plus, out) == PercentDecodeStatus::Decoded);
  return out;
}

PercentDecodeStatus statusOf(std::string_view in) {
  std::string out;
  return percentDecode(in, PlusSign::Literal, out);
}

TEST_CASE("percent-decoding is one strict pass", "[canonical]") {
  REQUIRE(decoded("a%20b%2fc%2F") == "a b/c/");
  REQUIRE(decoded("a+b") == "a+b");
  REQUIRE(decoded("a+b", PlusSign::Space) == "a b");
  REQUIRE(decoded("%2B", PlusSign::Space) == "+");
  // Double encoding: decoded once, never twice.
  REQUIRE(decoded("%252e") == "%2e");
  REQUIRE(decoded("%25252e") == "%252e");
  REQUIRE(statusOf("%") == PercentDecodeStatus::BadEscape);
  REQUIRE(statusOf("%2") == PercentDecodeStatus::BadEscape);
  REQUIRE(statusOf("%zz") == PercentDecodeStatus::BadEscape);
  REQUIRE(statusOf("%u0027") == PercentDecodeStatus::BadEscape);  // IIS %u is not a thing here
  REQUIRE(statusOf("100%") == PercentDecodeStatus::BadEscape);
}

// The decoder reads eight bytes at a time where it can; this is the byte-at-a-time rule it must
// agree with, checked over every string of a small alphabet that puts '%' and '+' at every
// offset of a word, across word boundaries and in the tail.
PercentDecodeStatus referenceDecode(std::string_view in, PlusSign plus, std::string& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+' && plus == PlusSign::Space) {
      out += ' ';
    } else if (in[i] != '%') {
      out += in[i];
    } else if (in.size() - i >= 3 && hexValue(in[i + 1]) >= 0 && hexValue(in[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(in[i + 1]) * 16 + hexValue(in[i + 2]));
      i += 2;
    } else {
      return PercentDecodeStatus::BadEscape;
    }
  }
  return PercentDecodeStatus::Decoded;
}

TEST_CASE("percent-decoding word by word agrees with byte by byte", "[canonical]") {
  std::size_t compared = 0;
  test::forEachTestString("a+%2F", [&](const std::string& input) {
    for (const PlusSign plus : {PlusSign::Literal, PlusSign::Space}) {
      std::string expected = "prefix", actual = "prefix";  // decoding appends
      const PercentDecodeStatus want = referenceDecode(input, plus, expected);
      INFO("input: " << input);
      REQUIRE(percentDecode(input, plus, actual) == want);
      if (want == PercentDecodeStatus::Decoded) REQUIRE(actual == expected);
      ++compared;
    }
  });
  CHECK(compared == 2 * test::testStringCount(5));
}

TEST_CASE("encodingDepthOf spots a value that was encoded twice", "[canonical]") {
  REQUIRE(encodingDepthOf("%2e") == EncodingDepth::Double);
  REQUIRE(encodingDepthOf("a%41") == EncodingDepth::Double);
  REQUIRE(encodingDepthOf("100%") == EncodingDepth::Single);
  REQUIRE(encodingDepthOf("50% off") == EncodingDepth::Single);
  REQUIRE(encodingDepthOf("%zz") == EncodingDepth::Single);
}

TEST_CASE("percentEncode leaves only the context's safe bytes", "[canonical]") {
  std::string path;
  percentEncode("a b;c/%?#\\\xC3\xA9+=:@", pathSegmentSafeBytes(), path);
  REQUIRE(path == "a%20b%3Bc%2F%25%3F%23%5C%C3%A9+=:@");
  std::string query;
  percentEncode("a b&c=d+e;f%/:?", queryComponentSafeBytes(), query);
  REQUIRE(query == "a%20b%26c%3Dd%2Be%3Bf%25/:?");
}

}  // namespace
}  // namespace rampart::canonical
