#include "detectors/canonical/urlencoded_parser.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/detectors/canonical/canonical_error_printer.h"

namespace rampart::canonical {
namespace {

using namespace std::string_literals;

UrlEncodedParameters parse(std::string_view text, const UrlEncodedPolicy& policy = {},
                           UrlEncodedContext context = UrlEncodedContext::Query) {
  UrlEncodedParameters out;
  AnomalyList anomalies;
  INFO(text);
  REQUIRE(parseUrlEncoded(text, context, policy, out, anomalies) == CanonicalError::None);
  return out;
}

CanonicalError errorOf(std::string_view text, const UrlEncodedPolicy& policy = {},
                       UrlEncodedContext context = UrlEncodedContext::Query) {
  UrlEncodedParameters out;
  AnomalyList anomalies;
  return parseUrlEncoded(text, context, policy, out, anomalies);
}

std::string canonical(std::string_view text, const UrlEncodedPolicy& policy = {}) {
  return serialiseUrlEncoded(parse(text, policy).parameters);
}

TEST_CASE("urlencoded: '&' separates, ';' does not, '+' is a space", "[canonical]") {
  const auto p = parse("a=1&b=x+y;c=2&%2B=%2b&name+with+space=v").parameters;
  REQUIRE(p.size() == 4);
  REQUIRE(p[0].name == "a");
  REQUIRE(p[0].value == "1");
  REQUIRE(p[1].name == "b");
  REQUIRE(p[1].value == "x y;c=2");
  REQUIRE(p[2].name == "+");
  REQUIRE(p[2].value == "+");
  REQUIRE(p[3].name == "name with space");
}

TEST_CASE("urlencoded: empty pieces, names without '=', empty values", "[canonical]") {
  const auto p = parse("&&a&b=&=v&").parameters;
  REQUIRE(p.size() == 3);
  REQUIRE(p[0].syntax == ValueSyntax::NameOnly);
  REQUIRE(p[1].syntax == ValueSyntax::NameEqualsValue);
  REQUIRE(p[1].value.empty());
  REQUIRE(p[2].name.empty());
  REQUIRE(p[2].value == "v");
  REQUIRE(canonical("&&a&b=&=v&") == "a&b=&=v");
}

TEST_CASE("urlencoded: the canonical form leaves nothing to reinterpret", "[canonical]") {
  REQUIRE(canonical("q=a+b") == "q=a%20b");  // never '+': a backend may read it literally
  REQUIRE(canonical("q=%41%2b%26%3d%3b%25") == "q=A%2B%26%3D%3B%25");
  REQUIRE(canonical("url=http://x.test/a?b") == "url=http://x.test/a?b");
  REQUIRE(canonical("n=caf%C3%A9") == "n=caf%C3%A9");
  REQUIRE(canonical(canonical("a=%20+x&b=%252e")) == canonical("a=%20+x&b=%252e"));
}

TEST_CASE("urlencoded: strict percent-decoding, UTF-8 and controls", "[canonical]") {
  REQUIRE(errorOf("a=%") == CanonicalError::QueryBadPercentEncoding);
  REQUIRE(errorOf("a=100%") == CanonicalError::QueryBadPercentEncoding);
  REQUIRE(errorOf("a%zz=1") == CanonicalError::QueryBadPercentEncoding);
  REQUIRE(errorOf("a=%u0027") == CanonicalError::QueryBadPercentEncoding);
  REQUIRE(errorOf("a=%C0%AF") == CanonicalError::QueryInvalidUtf8);     // overlong '/'
  REQUIRE(errorOf("a=%E0%80%AF") == CanonicalError::QueryInvalidUtf8);
  REQUIRE(errorOf("a=%C0%A7") == CanonicalError::QueryInvalidUtf8);     // overlong '\''
  REQUIRE(errorOf("a=%ED%A0%80") == CanonicalError::QueryInvalidUtf8);
  REQUIRE(errorOf("a=%00") == CanonicalError::QueryControlCharacter);
  REQUIRE(errorOf("a%0a=1") == CanonicalError::QueryControlCharacter);  // not in names
  REQUIRE(parse("a=line1%0D%0Aline2%09").parameters[0].value == "line1\r\nline2\t");
  REQUIRE(errorOf("a=%00", {}, UrlEncodedContext::Form) == CanonicalError::FormControlCharacter);
}

TEST_CASE("urlencoded: double encoding is decoded once, then flagged (default), refused or allowed", "[canonical]") {
  UrlEncodedParameters out;
  AnomalyList anomalies;
  REQUIRE(parseUrlEncoded("file=%252e%252e%252fetc", UrlEncodedContext::Query, {}, out, anomalies) ==
          CanonicalError::None);
  REQUIRE(out.parameters[0].value == "%2e%2e%2fetc");
  REQUIRE(anomalies.total() == 1);
  REQUIRE(anomalies.items()[0].source == FieldSource::QueryValue);
  REQUIRE(anomalies.items()[0].name == "file");
  UrlEncodedPolicy reject;
  reject.double_encoding = DoubleEncodingPolicy::Reject;
  REQUIRE(errorOf("file=%252e", reject) == CanonicalError::QueryDoubleEncoding);
  REQUIRE(errorOf("file=%252e", reject, UrlEncodedContext::Form) == CanonicalError::FormDoubleEncoding);
  REQUIRE(errorOf("discount=50%25", reject) == CanonicalError::None);  // a lone '%' is fine
}

TEST_CASE("urlencoded: duplicate parameters (HPP) per policy", "[canonical]") {
  const std::string_view hpp = "id=1&x=a&id=2%20OR%201=1";
  SECTION("allow (default): every occurrence inspected and forwarded") {
    const auto p = parse(hpp).parameters;
    REQUIRE(p.size() == 3);
    REQUIRE(p[2].value == "2 OR 1=1");
  }
  SECTION("reject") {
    UrlEncodedPolicy policy;
    policy.duplicates = DuplicateParameterPolicy::Reject;
    REQUIRE(errorOf(hpp, policy) == CanonicalError::QueryDuplicateParameter);
    REQUIRE(errorOf(hpp, policy, UrlEncodedContext::Form) == CanonicalError::FormDuplicateParameter);
    REQUIRE(errorOf("i%64=1&id=2", policy) == CanonicalError::QueryDuplicateParameter);  // compared decoded
    REQUIRE(errorOf("tag[]=a&tag[]=b", policy) == CanonicalError::None);  // array appends
  }
  SECTION("first: only the first is inspected and forwarded") {
    UrlEncodedPolicy policy;
    policy.duplicates = DuplicateParameterPolicy::First;
    const UrlEncodedParameters out = parse(hpp, policy);
    REQUIRE(out.dropped_duplicates == 1);
    REQUIRE(serialiseUrlEncoded(out.parameters) == "id=1&x=a");
  }
  SECTION("last: only the last, in the first one's place") {
    UrlEncodedPolicy policy;
    policy.duplicates = DuplicateParameterPolicy::Last;
    const UrlEncodedParameters out = parse(hpp, policy);
    REQUIRE(out.dropped_duplicates == 1);
    REQUIRE(serialiseUrlEncoded(out.parameters) == "id=2%20OR%201%3D1&x=a");
  }
}

TEST_CASE("urlencoded: limits", "[canonical]") {
  UrlEncodedPolicy small;
  small.max_parameters = 2;
  small.max_name_bytes = 4;
  small.max_value_bytes = 4;
  REQUIRE(errorOf("a=1&b=2&c=3", small) == CanonicalError::QueryTooManyParameters);
  REQUIRE(errorOf("a=1&&&b=2", small) == CanonicalError::None);  // empty pieces do not count
  REQUIRE(errorOf("abcde=1", small) == CanonicalError::QueryNameTooLong);
  REQUIRE(errorOf("a=12345", small) == CanonicalError::QueryValueTooLong);
  REQUIRE(errorOf("a=%31%32%33%34", small) == CanonicalError::None);  // measured decoded
  REQUIRE(errorOf("a=12345", small, UrlEncodedContext::Form) == CanonicalError::FormValueTooLong);
}

TEST_CASE("urlencoded: fields name their source", "[canonical]") {
  FieldList fields;
  appendUrlEncodedFields(parse("a=1").parameters, UrlEncodedContext::Form, fields);
  REQUIRE(fields.size() == 2);
  REQUIRE(fields[0].source == FieldSource::FormName);
  REQUIRE(fields[0].value == "a");
  REQUIRE(fields[1].source == FieldSource::FormValue);
  REQUIRE(fields[1].name == "a");
  REQUIRE(fields[1].value == "1");
}

}  // namespace
}  // namespace rampart::canonical
