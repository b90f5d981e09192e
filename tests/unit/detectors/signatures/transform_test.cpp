#include "detectors/signatures/transform.h"

#include <catch2/catch.hpp>

#include "detectors/canonical/percent_encoding.h"
#include "detectors/canonical/utf8_validation.h"
#include "tests/unit/detectors/test_strings.h"

namespace rampart::signatures {
namespace {

std::string apply(Transform transform, std::string_view input) {
  std::string out;
  applyTransform(transform, input, out);
  CHECK(out.size() <= input.size());  // the bound the scanner relies on
  return out;
}

TEST_CASE("url_decode decodes one more level, %u and '+'; malformed escapes stay", "[signatures]") {
  CHECK(apply(Transform::UrlDecode, "%2e%2e%2F") == "../");
  CHECK(apply(Transform::UrlDecode, "%252e") == "%2e");
  CHECK(apply(Transform::UrlDecode, "%u002e%U002F") == "./");
  CHECK(apply(Transform::UrlDecode, "a+b") == "a b");
  CHECK(apply(Transform::UrlDecode, "100% %zz %4") == "100% %zz %4");
  CHECK(apply(Transform::UrlDecode, "%c0%af") == "\xc0\xaf");
}

// url_decode reads eight bytes at a time where there is no '%'; this is the byte-at-a-time rule
// it must agree with.
std::string referenceUrlDecode(std::string_view in) {
  using canonical::hexValue;
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
      continue;
    }
    if (in[i] == '%' && i + 5 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U') &&
        hexValue(in[i + 2]) >= 0 && hexValue(in[i + 3]) >= 0 && hexValue(in[i + 4]) >= 0 &&
        hexValue(in[i + 5]) >= 0) {
      const auto cp = static_cast<std::uint32_t>(hexValue(in[i + 2]) << 12 | hexValue(in[i + 3]) << 8 |
                                                 hexValue(in[i + 4]) << 4 | hexValue(in[i + 5]));
      if (cp != 0 && (cp < 0xD800 || cp > 0xDFFF)) {
        canonical::appendUtf8(out, cp);
        i += 5;
        continue;
      }
    }
    if (in[i] == '%' && i + 2 < in.size() && hexValue(in[i + 1]) >= 0 && hexValue(in[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(in[i + 1]) << 4 | hexValue(in[i + 2]));
      i += 2;
      continue;
    }
    out += in[i];
  }
  return out;
}

TEST_CASE("url_decode word by word agrees with byte by byte", "[signatures]") {
  std::size_t compared = 0;
  test::forEachTestString("+%2u0e", [&](const std::string& input) {
    INFO("input: " << input);
    REQUIRE(apply(Transform::UrlDecode, std::string_view(input)) == referenceUrlDecode(input));
    ++compared;
  });
  CHECK(compared == test::testStringCount(6));
}

TEST_CASE("html_entity_decode: numeric, hex, named; unknown entities stay", "[signatures]") {
  CHECK(apply(Transform::HtmlEntityDecode, "&lt;!ENTITY&gt;") == "<!ENTITY>");
  CHECK(apply(Transform::HtmlEntityDecode, "&#60;&#x3C;&#x3c") == "<<<");
  CHECK(apply(Transform::HtmlEntityDecode, "&colon;&lpar;&quot") == ":(\"");
  CHECK(apply(Transform::HtmlEntityDecode, "&nosuch; &#xD800; &") == "&nosuch; &#xD800; &");
  CHECK(apply(Transform::HtmlEntityDecode, "&#233;") == "\xc3\xa9");
}

TEST_CASE("lowercase, compress_whitespace, remove_whitespace", "[signatures]") {
  CHECK(apply(Transform::Lowercase, "SeLeCt \xc3\x89") == "select \xc3\x89");
  CHECK(apply(Transform::CompressWhitespace, "a \t\n b  c") == "a b c");
  CHECK(apply(Transform::RemoveWhitespace, " a \t\n b c ") == "abc");
}

TEST_CASE("remove_comments removes C and HTML comments, unterminated to the end", "[signatures]") {
  CHECK(apply(Transform::RemoveComments, "un/**/ion sel/*x*/ect") == "union select");
  CHECK(apply(Transform::RemoveComments, "c<!-- -->at") == "cat");
  CHECK(apply(Transform::RemoveComments, "a/* open") == "a");
}

TEST_CASE("normalize_path resolves dot segments and keeps unresolvable ..", "[signatures]") {
  CHECK(apply(Transform::NormalizePath, "/a/./b/../c//d/") == "/a/c/d/");
  CHECK(apply(Transform::NormalizePath, "/../../etc/passwd") == "/etc/passwd");
  CHECK(apply(Transform::NormalizePath, "../../etc/passwd") == "../../etc/passwd");
  CHECK(apply(Transform::NormalizePath, "a\\..\\..\\win.ini") == "../win.ini");
}

TEST_CASE("base64_decode decodes whole base64 text only", "[signatures]") {
  CHECK(apply(Transform::Base64Decode, "Li4vZXRjL3Bhc3N3ZA==") == "../etc/passwd");
  CHECK(apply(Transform::Base64Decode, "  ZXRjL3Bhc3N3ZA  ") == "etc/passwd");
  CHECK(apply(Transform::Base64Decode, "not base64!") == "not base64!");
  CHECK(apply(Transform::Base64Decode, "/var/log") == "/var/log");  // decodes to binary: kept
  CHECK(apply(Transform::Base64Decode, "abc") == "abc");            // too short
}

TEST_CASE("cmd_line folds what a shell ignores", "[signatures]") {
  CHECK(apply(Transform::CmdLine, "C'a't  /etc/passwd") == "cat/etc/passwd");
  CHECK(apply(Transform::CmdLine, "w\\ho^am\"i\";id") == "whoami id");
  CHECK(apply(Transform::CmdLine, "echo (x)") == "echo(x)");
}

TEST_CASE("applyChain runs steps in order into the output buffer", "[signatures]") {
  std::string out, spare;
  applyChain({}, "As Is", out, spare);
  CHECK(out == "As Is");
  applyChain({Transform::UrlDecode, Transform::Lowercase}, "%41B", out, spare);
  CHECK(out == "ab");
  applyChain({Transform::UrlDecode, Transform::UrlDecode, Transform::Lowercase}, "%2541", out,
             spare);
  CHECK(out == "a");
  CHECK(describeChain({Transform::UrlDecode, Transform::CmdLine}) == "url_decode,cmd_line");
  CHECK(describeChain({}) == "none");
}

TEST_CASE("transform names round-trip", "[signatures]") {
  for (std::string_view name : transformSpellings()) {
    auto parsed = parseTransform(name);
    REQUIRE(parsed.has_value());
    CHECK(transformName(*parsed) == name);
  }
  CHECK_FALSE(parseTransform("urldecode").has_value());
}

}  // namespace
}  // namespace rampart::signatures

namespace rampart::signatures {
namespace {

TEST_CASE("IdentityProbe: a chain it calls identity leaves the value unchanged", "[transform]") {
  const std::vector<TransformChain> chains = {
      {Transform::UrlDecode},
      {Transform::HtmlEntityDecode},
      {Transform::Lowercase},
      {Transform::Base64Decode, Transform::UrlDecode, Transform::UrlDecode},
      {Transform::UrlDecode, Transform::CmdLine},
      {Transform::RemoveWhitespace},
      {Transform::UrlDecode, Transform::HtmlEntityDecode, Transform::Lowercase},
  };
  const std::vector<std::string> values = {
      "It's a nice day; we'll meet at the park.", "1234", "", "a%27b", "a+b", "&lt;script&gt;",
      "UPPER", "dW5pb24gc2VsZWN0", "Zm9v", "/var/log", "x y", "%u0027", "caf\xc3\xa9"};
  std::size_t identities = 0;
  for (const auto& value : values) {
    IdentityProbe probe(value);
    for (const auto& chain : chains) {
      std::string out, spare;
      applyChain(chain, value, out, spare);
      // Skipping the steps the probe calls unchanged gives the same result as the whole chain.
      std::string rest, rest_spare;
      const std::size_t unchanged = probe.identityPrefix(chain);
      applyChainSteps(std::span<const Transform>(chain).subspan(unchanged), value, rest,
                      rest_spare);
      CHECK(rest == out);
      if (unchanged == chain.size()) {
        ++identities;
        INFO(describeChain(chain) << " on " << value);
        CHECK(out == value);
      }
    }
  }
  CHECK(identities > 20);  // the probe does say yes where it can
  IdentityProbe escaped("a%27b");
  CHECK(escaped.identityPrefix({Transform::UrlDecode}) == 0);
  CHECK(escaped.identityPrefix({Transform::HtmlEntityDecode}) == 1);
  IdentityProbe encoded("dW5pb24gc2VsZWN0");  // "union select"
  CHECK(encoded.identityPrefix({Transform::Base64Decode}) == 0);
  IdentityProbe spaces("a b");
  CHECK(spaces.identityPrefix({Transform::RemoveWhitespace}) == 0);  // not modelled
}

}  // namespace
}  // namespace rampart::signatures
