#include "detectors/canonical/canonical_request.h"

#include <catch2/catch.hpp>
#include <string>

namespace rampart::canonical {
namespace {

using namespace std::string_literals;

struct Request {
  std::string method = "GET";
  std::string target = "/";
  HeaderList headers;
  std::string body;

  Request& header(std::string name, std::string value) {
    headers.add(std::move(name), std::move(value));
    return *this;
  }
  Request& post(std::string content_type, std::string payload) {
    method = "POST";
    if (!content_type.empty()) headers.add("content-type", std::move(content_type));
    body = std::move(payload);
    return *this;
  }
};

Result<CanonicalRequest> build(const Request& r, const CanonicalPolicy& policy = {}) {
  return buildCanonicalRequest({r.method, r.target, r.headers, r.body}, policy);
}

CanonicalRequest view(const Request& r, const CanonicalPolicy& policy = {}) {
  Result<CanonicalRequest> result = build(r, policy);
  INFO((result ? std::string("ok") : std::string(result.error().reason) + " " + result.error().detail));
  REQUIRE(result.has_value());
  return std::move(result.value());
}

std::string reasonOf(const Request& r, const CanonicalPolicy& policy = {}) {
  const Result<CanonicalRequest> result = build(r, policy);
  return result ? std::string("ok") : std::string(result.error().reason);
}

// The values of every field from `source`, joined by '|'.
std::string valuesOf(const CanonicalRequest& v, FieldSource source) {
  std::string out;
  for (const auto& f : v.fields) {
    if (f.source != source) continue;
    if (!out.empty()) out += '|';
    out += f.value;
  }
  return out;
}

TEST_CASE("view: a GET becomes path, query, header and cookie fields", "[canonical]") {
  Request r;
  r.target = "/shop/./items/../cart?q=red+shoes&page=2&&id=%31";
  r.header("host", "shop.test").header("Cookie", "sid=abc; theme=dark").header("user-agent", "curl/8");
  const CanonicalRequest v = view(r);
  REQUIRE(v.path == "/shop/cart");
  REQUIRE(v.forward_target == "/shop/cart?q=red%20shoes&page=2&id=1");
  REQUIRE(valuesOf(v, FieldSource::Path) == "/shop/cart");
  REQUIRE(valuesOf(v, FieldSource::QueryName) == "q|page|id");
  REQUIRE(valuesOf(v, FieldSource::QueryValue) == "red shoes|2|1");
  REQUIRE(valuesOf(v, FieldSource::HeaderName) == "host|cookie|user-agent");
  REQUIRE(valuesOf(v, FieldSource::CookieValue) == "abc|dark");
  REQUIRE(!v.body_parser.has_value());
  REQUIRE(v.anomalies.empty());
}

TEST_CASE("view: the forwarded target re-parses to the same view", "[canonical]") {
  Request r;
  r.target = "/a/%7Euser/b%20c/../d?x=%2B1+2&y=%C3%A9&z";
  const CanonicalRequest first = view(r);
  Request again;
  again.target = first.forward_target;
  const CanonicalRequest second = view(again);
  REQUIRE(second.forward_target == first.forward_target);
  REQUIRE(valuesOf(second, FieldSource::QueryValue) == valuesOf(first, FieldSource::QueryValue));
  REQUIRE(second.path == first.path);
}

TEST_CASE("view: target shapes", "[canonical]") {
  Request options;
  options.method = "OPTIONS";
  options.target = "*";
  REQUIRE(view(options).forward_target == "*");
  Request star;
  star.target = "*";
  REQUIRE(reasonOf(star) == "target_invalid");
  Request fragment;
  fragment.target = "/a?b=1#frag";
  REQUIRE(reasonOf(fragment) == "path_fragment");
  Request no_query;
  no_query.target = "/a?";
  REQUIRE(view(no_query).forward_target == "/a");
}

TEST_CASE("view: refusals carry reason, status and where", "[canonical]") {
  Request r;
  r.target = "/..%2f..%2fetc/passwd";
  const Result<CanonicalRequest> result = build(r);
  REQUIRE(!result.has_value());
  REQUIRE(result.error().reason == "path_encoded_slash");
  REQUIRE(result.error().status == 400);
  REQUIRE(result.error().source == ErrorSource::Downstream);
  REQUIRE(result.error().detail == "target");
  Request q;
  q.target = "/?a=%C0%AF";
  REQUIRE(reasonOf(q) == "query_invalid_utf8");
  Request c;
  c.header("cookie", "a=\"x");
  REQUIRE(reasonOf(c) == "cookie_invalid");
}

TEST_CASE("view: double encoding in the query is flagged, not decoded twice", "[canonical]") {
  Request r;
  r.target = "/search?q=%253Cscript%253E";
  const CanonicalRequest v = view(r);
  REQUIRE(valuesOf(v, FieldSource::QueryValue) == "%3Cscript%3E");
  REQUIRE(v.forward_target == "/search?q=%253Cscript%253E");
  REQUIRE(v.anomalies.total() == 1);
  REQUIRE(v.anomalies.items()[0].name == "q");
}

TEST_CASE("view: HPP with first/last forwards only what was inspected", "[canonical]") {
  CanonicalPolicy policy;
  policy.query.duplicates = DuplicateParameterPolicy::Last;
  policy.form.duplicates = DuplicateParameterPolicy::First;
  Request r;
  r.target = "/transfer?to=alice&to=mallory";
  r.post("application/x-www-form-urlencoded", "amount=1&amount=1000000&memo=hi");
  const CanonicalRequest v = view(r, policy);
  REQUIRE(v.forward_target == "/transfer?to=mallory");
  REQUIRE(valuesOf(v, FieldSource::QueryValue) == "mallory");
  REQUIRE(v.body_forwarding == BodyForwarding::Rewritten);
  REQUIRE(v.forward_body == "amount=1&memo=hi");
  REQUIRE(valuesOf(v, FieldSource::FormValue) == "1|hi");
  policy.query.duplicates = DuplicateParameterPolicy::Reject;
  REQUIRE(reasonOf(r, policy) == "query_duplicate_parameter");
}

TEST_CASE("view: body parsers chosen by content type", "[canonical]") {
  SECTION("form") {
    Request r;
    r.post("application/x-www-form-urlencoded; charset=UTF-8", "user=bob&comment=it%27s+fine");
    const CanonicalRequest v = view(r);
    REQUIRE(v.body_parser == BodyParser::Form);
    REQUIRE(v.body_forwarding == BodyForwarding::AsReceived);
    REQUIRE(valuesOf(v, FieldSource::FormValue) == "bob|it's fine");
  }
  SECTION("multipart") {
    Request r;
    r.post("multipart/form-data; boundary=\"--b\"",
           "----b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.php\"\r\n\r\n<?php ?>\r\n----b--\r\n");
    const CanonicalRequest v = view(r);
    REQUIRE(v.body_parser == BodyParser::Multipart);
    REQUIRE(valuesOf(v, FieldSource::MultipartFilename) == "x.php");
    REQUIRE(valuesOf(v, FieldSource::MultipartValue) == "<?php ?>");
  }
  SECTION("multipart with a JSON part: the part is parsed too") {
    Request r;
    r.post("multipart/form-data; boundary=b",
           "--b\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n"
           "{\"q\":\"\\u0027 OR 1=1\"}\r\n--b--\r\n");
    const CanonicalRequest v = view(r);
    REQUIRE(valuesOf(v, FieldSource::JsonValue) == "' OR 1=1");
    REQUIRE(v.fields.back().name == "meta.q");
    Request broken = r;
    broken.body = "--b\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n"
                  "{'q':1}\r\n--b--\r\n";
    REQUIRE(reasonOf(broken) == "json_syntax_error");
  }
  SECTION("json") {
    Request r;
    r.post("application/json", R"({"q":"\u0027 OR 1=1"})");
    const CanonicalRequest v = view(r);
    REQUIRE(v.body_parser == BodyParser::Json);
    REQUIRE(valuesOf(v, FieldSource::JsonValue) == "' OR 1=1");
  }
  SECTION("json with a +json type") {
    Request r;
    r.post("application/vnd.api+json", R"({"a":1})");
    REQUIRE(view(r).body_parser == BodyParser::Json);
  }
  SECTION("xml") {
    Request r;
    r.post("text/xml; charset=utf-8", "<a b='1'>x</a>");
    const CanonicalRequest v = view(r);
    REQUIRE(v.body_parser == BodyParser::Xml);
    REQUIRE(valuesOf(v, FieldSource::XmlValue) == "1|x");
  }
  SECTION("raw") {
    Request r;
    r.post("text/plain", "just some text [with brackets]");
    const CanonicalRequest v = view(r);
    REQUIRE(v.body_parser == BodyParser::Raw);
    REQUIRE(valuesOf(v, FieldSource::RawBody) == "just some text [with brackets]");
  }
}

TEST_CASE("view: a body that does not parse under its content type is refused", "[canonical]") {
  Request json;
  json.post("application/json", "{'a':1}");
  REQUIRE(reasonOf(json) == "json_syntax_error");
  Request xml;
  xml.post("application/xml", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>");
  REQUIRE(reasonOf(xml) == "xml_doctype_forbidden");
  Request multipart;
  multipart.post("multipart/form-data; boundary=b", "--b\nContent-Disposition: form-data; name=a\n\n1\n--b--\n");
  REQUIRE(reasonOf(multipart) == "multipart_bare_lf");
}

TEST_CASE("view: content-type confusion", "[canonical]") {
  SECTION("JSON sent as text/plain: refused by default, parsed when the route allows it") {
    Request r;
    r.post("text/plain;charset=UTF-8", R"(["$ne", {"password": {"$gt": ""}}])");
    REQUIRE(reasonOf(r) == "body_content_type_mismatch");
    CanonicalPolicy policy;
    policy.body.structured_raw_body = StructuredRawBodyPolicy::Parse;
    const CanonicalRequest v = view(r, policy);
    REQUIRE(v.body_parser == BodyParser::Raw);
    REQUIRE(valuesOf(v, FieldSource::JsonName) == "password|$gt");
    REQUIRE(!valuesOf(v, FieldSource::RawBody).empty());
  }
  SECTION("XML sent as text/plain") {
    Request r;
    r.post("text/plain", "<?xml version=\"1.0\"?><r>x</r>");
    REQUIRE(reasonOf(r) == "body_content_type_mismatch");
  }
  SECTION("JSON sent as a form") {
    Request r;
    r.post("application/x-www-form-urlencoded", R"({"user":"admin' --"})");
    REQUIRE(reasonOf(r) == "body_content_type_mismatch");
  }
  SECTION("no content type") {
    Request r;
    r.post("", R"({"a":1})");
    REQUIRE(reasonOf(r) == "content_type_missing");
    CanonicalPolicy policy;
    policy.body.missing_content_type = MissingContentTypePolicy::Raw;
    REQUIRE(reasonOf(r, policy) == "body_content_type_mismatch");
    r.body = "plain";
    REQUIRE(view(r, policy).body_parser == BodyParser::Raw);
  }
  SECTION("unknown types and forced processors") {
    Request r;
    r.post("application/x-evil", "a=1");
    REQUIRE(reasonOf(r) == "content_type_not_allowed");
    Request forced;
    forced.post("application/x-www-form-urlencoded;boundary=\"application/json\"", "a=1");
    REQUIRE(reasonOf(forced) == "content_type_unexpected_parameter");
    Request two;
    two.post("application/json", "{}");
    two.header("content-type", "text/plain");
    REQUIRE(reasonOf(two) == "header_duplicate_content_type");
    Request bad;
    bad.post("application/json; charset", "{}");
    REQUIRE(reasonOf(bad) == "content_type_invalid");
  }
}

TEST_CASE("view: charset games", "[canonical]") {
  for (const char* content_type :
       {"application/json; charset=utf-7", "application/x-www-form-urlencoded; charset=ibm037",
        "text/xml; charset=utf-16", "text/plain; charset=UTF-16BE"}) {
    Request r;
    r.post(content_type, "{}");
    INFO(content_type);
    REQUIRE(reasonOf(r) == "content_type_charset_not_allowed");
  }
  Request twice;
  twice.post("application/json; charset=utf-8; charset=utf-7", "{}");
  REQUIRE(reasonOf(twice) == "content_type_duplicate_parameter");
  Request multipart_two_boundaries;
  multipart_two_boundaries.post("multipart/form-data; boundary=a; boundary=b", "--a\r\n");
  REQUIRE(reasonOf(multipart_two_boundaries) == "content_type_duplicate_parameter");
  Request missing_boundary;
  missing_boundary.post("multipart/form-data", "--a\r\n");
  REQUIRE(reasonOf(missing_boundary) == "multipart_missing_boundary");
  Request bad_boundary;
  bad_boundary.post("multipart/form-data; boundary=\"\"", "--\r\n");
  REQUIRE(reasonOf(bad_boundary) == "multipart_bad_boundary");
}

TEST_CASE("view: limits", "[canonical]") {
  CanonicalPolicy policy;
  policy.max_body_bytes = 4;
  policy.max_fields = 3;
  Request big;
  big.post("text/plain", "12345");
  REQUIRE(reasonOf(big, policy) == "body_too_large");
  Request many;
  many.target = "/?a=1&b=2";
  REQUIRE(reasonOf(many, policy) == "too_many_fields");
  Request empty_body;
  empty_body.post("application/json", "");
  REQUIRE(!view(empty_body).body_parser.has_value());  // nothing to parse, nothing forwarded
}

}  // namespace
}  // namespace rampart::canonical
