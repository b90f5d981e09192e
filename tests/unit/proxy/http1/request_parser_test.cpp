#include "proxy/http1/request_parser.h"

#include "tests/unit/proxy/http1/parse_error_printer.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>


namespace rampart::http1 {
namespace {

using namespace std::string_literals;

ParseResult parse(std::string_view input, RequestHead& out, const ParseLimits& limits = {}) {
  return parseRequestHead(input, limits, out);
}

// The error for `input`, or None when it parses (Complete or NeedMore).
ParseError errorOf(std::string_view input, const ParseLimits& limits = {}) {
  RequestHead head;
  const ParseResult r = parseRequestHead(input, limits, head);
  return r.status == ParseStatus::Error ? r.error : ParseError::None;
}

ParseStatus statusOfParse(std::string_view input, const ParseLimits& limits = {}) {
  RequestHead head;
  return parseRequestHead(input, limits, head).status;
}

void requireSameHead(const RequestHead& a, const RequestHead& b) {
  REQUIRE(a.method == b.method);
  REQUIRE(a.scheme == b.scheme);
  REQUIRE(a.authority == b.authority);
  REQUIRE(a.target == b.target);
  REQUIRE(a.absolute_form == b.absolute_form);
  REQUIRE(a.absolute_authority == b.absolute_authority);
  REQUIRE(a.protocol == b.protocol);
  REQUIRE(a.content_length == b.content_length);
  REQUIRE(a.chunked == b.chunked);
  REQUIRE(a.has_body == b.has_body);
  REQUIRE(a.expect_continue == b.expect_continue);
  REQUIRE(a.headers.size() == b.headers.size());
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    REQUIRE(a.headers.fields()[i].name == b.headers.fields()[i].name);
    REQUIRE(a.headers.fields()[i].value == b.headers.fields()[i].value);
  }
}

TEST_CASE("parses a simple GET", "[http1][request]") {
  const std::string input =
      "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent:  curl/8 \t\r\nX-Empty:\r\n\r\n";
  RequestHead head;
  const ParseResult r = parse(input, head);
  REQUIRE(r.status == ParseStatus::Complete);
  REQUIRE(r.error == ParseError::None);
  REQUIRE(r.consumed == input.size());
  CHECK(head.method == "GET");
  CHECK(head.target == "/a/b?x=1");
  CHECK(head.protocol == HttpProtocol::Http11);
  CHECK(head.authority == "example.com");
  CHECK(head.scheme.empty());
  CHECK_FALSE(head.absolute_form);
  REQUIRE(head.headers.size() == 3);
  CHECK(head.headers.fields()[0].name == "host");
  CHECK(head.headers.fields()[1].name == "user-agent");
  CHECK(head.headers.fields()[1].value == "curl/8");
  CHECK(head.headers.fields()[2].name == "x-empty");
  CHECK(head.headers.fields()[2].value.empty());
  CHECK(head.content_length == 0);
  CHECK_FALSE(head.chunked);
  CHECK_FALSE(head.has_body);
  CHECK_FALSE(head.expect_continue);
}

TEST_CASE("keeps header order, duplicates and obs-text", "[http1][request]") {
  RequestHead head;
  const std::string input =
      "GET / HTTP/1.1\r\nB: 1\r\nHost: h\r\nB: 2\r\nX-Utf8: caf\xc3\xa9\r\nCookie: a=1; "
      "b=2\r\n\r\n";
  REQUIRE(parse(input, head).status == ParseStatus::Complete);
  CHECK(head.headers.count("b") == 2);
  CHECK(head.headers.fields()[0].value == "1");
  CHECK(head.headers.fields()[2].value == "2");
  CHECK(*head.headers.find("x-utf8") == "caf\xc3\xa9");
}

TEST_CASE("only the head is consumed when a body or a pipelined request follows",
          "[http1][request]") {
  const std::string head_bytes = "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n";
  RequestHead head;
  const ParseResult r = parse(head_bytes + "helloGET / HTTP/1.1\r\n", head);
  REQUIRE(r.status == ParseStatus::Complete);
  CHECK(r.consumed == head_bytes.size());
  CHECK(head.content_length == 5);
  CHECK(head.has_body);
  CHECK_FALSE(head.chunked);
}

TEST_CASE("framing: chunked, zero length, leading zeros", "[http1][request]") {
  RequestHead head;
  REQUIRE(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", head).status ==
          ParseStatus::Complete);
  CHECK(head.chunked);
  CHECK(head.content_length == -1);
  CHECK(head.has_body);

  REQUIRE(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: CHUNKED\r\n\r\n", head).status ==
          ParseStatus::Complete);
  CHECK(head.chunked);

  REQUIRE(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", head).status ==
          ParseStatus::Complete);
  CHECK(head.content_length == 0);
  CHECK_FALSE(head.has_body);

  REQUIRE(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\n\r\n", head).status ==
          ParseStatus::Complete);
  CHECK(head.content_length == 7);

  REQUIRE(parse("POST / HTTP/1.1\r\nHost: h\r\ncontent-length: 999999999999999999\r\n\r\n", head)
              .status == ParseStatus::Complete);
  CHECK(head.content_length == 999999999999999999);
}

TEST_CASE("absolute-form targets become origin-form", "[http1][request]") {
  RequestHead head;
  REQUIRE(
      parse("GET http://Example.com:8080/p/q?x=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", head)
          .status == ParseStatus::Complete);
  CHECK(head.absolute_form);
  CHECK(head.absolute_authority == "Example.com:8080");
  CHECK(head.authority == "example.com:8080");
  CHECK(head.scheme == "http");
  CHECK(head.target == "/p/q?x=1");

  REQUIRE(parse("GET HTTPS://h?x HTTP/1.1\r\nHost: h\r\n\r\n", head).status ==
          ParseStatus::Complete);
  CHECK(head.scheme == "https");
  CHECK(head.target == "/?x");

  REQUIRE(parse("GET http://[::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", head).status ==
          ParseStatus::Complete);
  CHECK(head.target == "/");
  CHECK(head.absolute_authority == "[::1]:80");

  // HTTP/1.0 without Host: the authority comes from the target.
  REQUIRE(parse("GET http://h.example/x HTTP/1.0\r\n\r\n", head).status == ParseStatus::Complete);
  CHECK(head.authority == "h.example");
  CHECK(head.protocol == HttpProtocol::Http10);

  CHECK(errorOf("GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n") == ParseError::HostMismatch);
  CHECK(errorOf("GET http://a:80/ HTTP/1.1\r\nHost: a\r\n\r\n") == ParseError::HostMismatch);
  CHECK(errorOf("GET http://user@a/ HTTP/1.1\r\nHost: a\r\n\r\n") == ParseError::BadRequestTarget);
  CHECK(errorOf("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n") == ParseError::BadRequestTarget);
  CHECK(errorOf("GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n") == ParseError::BadRequestTarget);
  CHECK(errorOf("GET http:/a/x HTTP/1.1\r\nHost: a\r\n\r\n") == ParseError::BadRequestTarget);
}

TEST_CASE("HTTP/1.0 may omit Host, HTTP/1.1 may not", "[http1][request]") {
  RequestHead head;
  REQUIRE(parse("GET / HTTP/1.0\r\n\r\n", head).status == ParseStatus::Complete);
  CHECK(head.protocol == HttpProtocol::Http10);
  CHECK(head.authority.empty());
  REQUIRE(parse("GET / HTTP/1.0\r\nHost: a\r\n\r\n", head).status == ParseStatus::Complete);
  CHECK(head.authority == "a");
  CHECK(errorOf("GET / HTTP/1.1\r\n\r\n") == ParseError::MissingHost);
  CHECK(errorOf("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n") == ParseError::DuplicateHost);
  CHECK(errorOf("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n") == ParseError::DuplicateHost);
}

TEST_CASE("Host must be a valid authority", "[http1][request]") {
  for (const char* ok :
       {"a", "example.com", "example.com:443", "10.0.0.1:8080", "[::1]", "[2001:db8::1]:443",
        "[::ffff:10.0.0.1]", "xn--bcher-kva.example", "a_b"}) {
    INFO(ok);
    CHECK(statusOfParse("GET / HTTP/1.1\r\nHost: "s + ok + "\r\n\r\n") == ParseStatus::Complete);
  }
  for (const char* bad :
       {"", "a b", "user@a", "a:", "a:x", "a:65536", "a:123456", ":80", "[::1", "[::1]x", "[zz::1]",
        "[fe80::1%25eth0]", "a/b", "a?b", "a,b", "[]", "a%2eb"}) {
    INFO(bad);
    CHECK(errorOf("GET / HTTP/1.1\r\nHost: "s + bad + "\r\n\r\n") == ParseError::BadHost);
  }
}

TEST_CASE("asterisk-form only for OPTIONS, CONNECT refused", "[http1][request]") {
  RequestHead head;
  REQUIRE(parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", head).status == ParseStatus::Complete);
  CHECK(head.target == "*");
  CHECK(errorOf("GET * HTTP/1.1\r\nHost: a\r\n\r\n") == ParseError::BadRequestTarget);
  CHECK(errorOf("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n") == ParseError::ConnectNotSupported);
  CHECK(errorOf("GET a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n") == ParseError::BadRequestTarget);
  CHECK(errorOf("OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n") == ParseError::BadRequestTarget);
}

TEST_CASE("Expect: only 100-continue, honoured on HTTP/1.1 only", "[http1][request]") {
  RequestHead head;
  REQUIRE(
      parse("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", head)
          .status == ParseStatus::Complete);
  CHECK(head.expect_continue);
  REQUIRE(
      parse("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", head).status ==
      ParseStatus::Complete);
  CHECK_FALSE(head.expect_continue);
  CHECK(errorOf("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n") ==
        ParseError::ExpectationFailed);
  CHECK(errorOf("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, x\r\n\r\n") ==
        ParseError::ExpectationFailed);
}

struct Case {
  const char* name;
  std::string input;
  ParseError expected;
};

TEST_CASE("every request ParseError has an input that produces it", "[http1][request]") {
  ParseLimits tiny;
  tiny.max_request_line = 32;
  tiny.max_header_bytes = 64;
  tiny.max_header_count = 2;
  CHECK(errorOf("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: a\r\n\r\n", tiny) ==
        ParseError::RequestLineTooLong);
  CHECK(errorOf(
            "GET / HTTP/1.1\r\nHost: a\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n",
            tiny) == ParseError::HeadersTooLarge);
  CHECK(errorOf("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", tiny) ==
        ParseError::TooManyHeaders);

  const std::vector<Case> cases = {
      {"double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BadRequestLine},
      {"leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BadRequestLine},
      {"trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", ParseError::BadRequestLine},
      {"no version (HTTP/0.9 simple request)", "GET /\r\nHost: a\r\n\r\n", ParseError::Http09Request},
      {"empty version after the target (HTTP/0.9, as nginx reads it)", "GET / \r\nHost: a\r\n\r\n",
       ParseError::Http09Request},
      {"empty version, not a path", "GET x \r\nHost: a\r\n\r\n", ParseError::BadRequestLine},
      {"no version, not a path", "GET x\r\nHost: a\r\n\r\n", ParseError::BadRequestLine},
      {"lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", ParseError::BadRequestLine},
      {"HTTP/1", "GET / HTTP/1\r\nHost: a\r\n\r\n", ParseError::BadRequestLine},
      {"leading empty line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BadRequestLine},
      {"empty head", "\r\n\r\n", ParseError::BadRequestLine},
      {"method with '@'", "GE@T / HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BadMethod},
      {"tab separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BadMethod},
      {"CONNECT", "CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n", ParseError::ConnectNotSupported},
      {"fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BadRequestTarget},
      {"control in target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BadRequestTarget},
      {"DEL in target", "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BadRequestTarget},
      {"high byte in target", "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
       ParseError::BadRequestTarget},
      {"relative target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BadRequestTarget},
      {"HTTP/0.9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", ParseError::ObsoleteHttpVersion},
      {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", ParseError::UnsupportedHttpVersion},
      {"HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", ParseError::UnsupportedHttpVersion},
      {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", ParseError::UnsupportedHttpVersion},
      {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", ParseError::BadHeaderName},
      {"tab in name", "GET / HTTP/1.1\r\nHost: a\r\nX\tY: 1\r\n\r\n", ParseError::BadHeaderName},
      {"no colon", "GET / HTTP/1.1\r\nHost: a\r\nXY\r\n\r\n", ParseError::BadHeaderName},
      {"empty name", "GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", ParseError::BadHeaderName},
      {"non-token name", "GET / HTTP/1.1\r\nHost: a\r\nX(Y): v\r\n\r\n", ParseError::BadHeaderName},
      {"control in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n",
       ParseError::BadHeaderValue},
      {"ESC in value", "GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[0m\r\n\r\n",
       ParseError::BadHeaderValue},
      {"DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", ParseError::BadHeaderValue},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", ParseError::ObsFold},
      {"obs-fold with tab", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\t2\r\n\r\n",
       ParseError::ObsFold},
      {"space before first header", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", ParseError::ObsFold},
      {"bare CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", ParseError::BareCr},
      {"bare CR in request line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BareCr},
      {"CR CR LF", "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", ParseError::BareCr},
      {"bare LF ending", "GET / HTTP/1.1\nHost: a\r\n\r\n", ParseError::BareLf},
      {"bare LF header", "GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n", ParseError::BareLf},
      {"LF LF", "GET / HTTP/1.1\r\nHost: a\n\n", ParseError::BareLf},
      {"NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"s, ParseError::NulByte},
      {"NUL in name", "GET / HTTP/1.1\r\nHost: a\r\nX\0: b\r\n\r\n"s, ParseError::NulByte},
      {"CL.TE",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n",
       ParseError::ContentLengthAndTransferEncoding},
      {"TE.CL",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
       ParseError::ContentLengthAndTransferEncoding},
      {"duplicate CL equal",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
       ParseError::DuplicateContentLength},
      {"duplicate CL differing",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n",
       ParseError::DuplicateContentLength},
      {"CL plus sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
       ParseError::BadContentLength},
      {"CL minus", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
       ParseError::BadContentLength},
      {"CL list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
       ParseError::BadContentLength},
      {"CL inner space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 0\r\n\r\n",
       ParseError::BadContentLength},
      {"CL hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n",
       ParseError::BadContentLength},
      {"CL empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n",
       ParseError::BadContentLength},
      {"CL overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551617\r\n\r\n",
       ParseError::BadContentLength},
      {"CL 19 digits", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000000000\r\n\r\n",
       ParseError::BadContentLength},
      {"TE xchunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n",
       ParseError::UnsupportedTransferEncoding},
      {"TE gzip, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       ParseError::UnsupportedTransferEncoding},
      {"TE chunked, chunked",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
       ParseError::UnsupportedTransferEncoding},
      {"TE twice",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
       "chunked\r\n\r\n",
       ParseError::UnsupportedTransferEncoding},
      {"TE identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
       ParseError::UnsupportedTransferEncoding},
      {"TE with params", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
       ParseError::UnsupportedTransferEncoding},
      {"TE quoted", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n",
       ParseError::UnsupportedTransferEncoding},
      {"TE vertical tab",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0b"
       "chunked\r\n\r\n",
       ParseError::BadHeaderValue},
      {"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
       ParseError::TransferEncodingInHttp10},
      {"missing Host", "GET / HTTP/1.1\r\n\r\n", ParseError::MissingHost},
      {"duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", ParseError::DuplicateHost},
      {"bad Host", "GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", ParseError::BadHost},
      {"Host mismatch", "GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n", ParseError::HostMismatch},
      {"Expect other", "GET / HTTP/1.1\r\nHost: a\r\nExpect: x\r\n\r\n",
       ParseError::ExpectationFailed},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(errorOf(c.input) == c.expected);
  }
}

TEST_CASE("smuggling obfuscations of Transfer-Encoding", "[http1][request][smuggling]") {
  // Legal: OWS (SP or HTAB) around the value is trimmed.
  RequestHead head;
  REQUIRE(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n", head).status ==
          ParseStatus::Complete);
  CHECK(head.chunked);
  REQUIRE(
      parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  chunked \t\r\n\r\n", head).status ==
      ParseStatus::Complete);
  CHECK(head.chunked);
  // TE.TE variants: each must be refused, none may silently fall back to Content-Length.
  const std::string prefix = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n";
  CHECK(errorOf(prefix + "Transfer-Encoding : chunked\r\n\r\n") == ParseError::BadHeaderName);
  CHECK(errorOf(prefix + "Transfer-Encoding: xchunked\r\n\r\n") ==
        ParseError::UnsupportedTransferEncoding);
  CHECK(errorOf(prefix + " Transfer-Encoding: chunked\r\n\r\n") == ParseError::ObsFold);
  CHECK(errorOf(prefix + "X: 1\r\n Transfer-Encoding: chunked\r\n\r\n") == ParseError::ObsFold);
  CHECK(errorOf(prefix + "Transfer-Encoding: chunked\r\n\r\n") ==
        ParseError::ContentLengthAndTransferEncoding);
  CHECK(errorOf(prefix + "Transfer-Encoding\t: chunked\r\n\r\n") == ParseError::BadHeaderName);
  CHECK(errorOf(prefix + "Transfer-Encoding: chunked\nX: 1\r\n\r\n") == ParseError::BareLf);
  CHECK(errorOf(prefix + "Transfer-Encoding\r: chunked\r\n\r\n") == ParseError::BareCr);
  CHECK(errorOf(prefix + "Transfer-Encoding: chu\0nked\r\n\r\n"s) == ParseError::NulByte);
  CHECK(errorOf(prefix + "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n") ==
        ParseError::UnsupportedTransferEncoding);
  CHECK(errorOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n") ==
        ParseError::DuplicateContentLength);
  CHECK(errorOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n") ==
        ParseError::BadContentLength);
  CHECK(errorOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n") ==
        ParseError::BadContentLength);
  CHECK(errorOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n") ==
        ParseError::BadHeaderName);
}

TEST_CASE("request line limit: exactly at the limit passes, one over fails", "[http1][limits]") {
  const ParseLimits limits;  // defaults: 8192
  auto line = [](std::size_t length) {
    // "GET /" + padding + " HTTP/1.1" is 14 bytes plus the padding.
    return "GET /" + std::string(length - 14, 'a') + " HTTP/1.1";
  };
  CHECK(statusOfParse(line(8192) + "\r\nHost: a\r\n\r\n", limits) == ParseStatus::Complete);
  CHECK(errorOf(line(8193) + "\r\nHost: a\r\n\r\n", limits) == ParseError::RequestLineTooLong);
  // While waiting for the CRLF: the limit is enforced before the line ends.
  const std::string long_line = line(9000);
  CHECK(statusOfParse(long_line.substr(0, 8192), limits) == ParseStatus::NeedMore);
  CHECK(statusOfParse(long_line.substr(0, 8192) + "\r", limits) == ParseStatus::NeedMore);
  CHECK(errorOf(long_line.substr(0, 8193), limits) == ParseError::RequestLineTooLong);
  CHECK(statusOf(ParseError::RequestLineTooLong) == 414);
}

TEST_CASE("header bytes limit: exactly at the limit passes, one over fails", "[http1][limits]") {
  ParseLimits limits;
  limits.max_header_bytes = 200;
  auto head = [](std::size_t size) {
    const std::string base = "GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n";
    return "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(size - base.size(), 'v') + "\r\n\r\n";
  };
  REQUIRE(head(200).size() == 200);
  RequestHead out;
  const ParseResult at = parseRequestHead(head(200), limits, out);
  CHECK(at.status == ParseStatus::Complete);
  CHECK(at.consumed == 200);
  CHECK(errorOf(head(201), limits) == ParseError::HeadersTooLarge);
  // A client that never sends CRLFCRLF is cut off as soon as it passes the limit.
  const std::string endless = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(1000, 'v');
  CHECK(statusOfParse(endless.substr(0, 200), limits) == ParseStatus::NeedMore);
  CHECK(errorOf(endless.substr(0, 201), limits) == ParseError::HeadersTooLarge);
  CHECK(errorOf(endless, limits) == ParseError::HeadersTooLarge);
  // Default limit, 1 MB without a terminator.
  CHECK(errorOf("GET / HTTP/1.1\r\nX: " + std::string(1 << 20, 'v')) ==
        ParseError::HeadersTooLarge);
  CHECK(statusOf(ParseError::HeadersTooLarge) == 431);
}

TEST_CASE("header count limit: exactly at the limit passes, one over fails", "[http1][limits]") {
  auto head = [](std::size_t fields, bool terminated) {
    std::string s = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (std::size_t i = 1; i < fields; ++i) s += "X-" + std::to_string(i) + ": v\r\n";
    return terminated ? s + "\r\n" : s;
  };
  CHECK(statusOfParse(head(100, true)) == ParseStatus::Complete);
  CHECK(errorOf(head(101, true)) == ParseError::TooManyHeaders);
  // Enforced before the head is complete.
  CHECK(statusOfParse(head(100, false)) == ParseStatus::NeedMore);
  CHECK(errorOf(head(101, false)) == ParseError::TooManyHeaders);
  CHECK(statusOf(ParseError::TooManyHeaders) == 431);
}

TEST_CASE("garbage is rejected before a limit is reached", "[http1][request]") {
  CHECK(errorOf("\x16\x03\x01\x02\x00\x01") == ParseError::BadMethod);  // TLS ClientHello
  CHECK(errorOf("GET / HTTP/1.1\rX") == ParseError::BareCr);
  CHECK(errorOf("GET / HTTP/1.1\r\nHost: a\r\n X") == ParseError::ObsFold);
  CHECK(errorOf(" ") == ParseError::BadRequestLine);
  CHECK(statusOfParse("") == ParseStatus::NeedMore);
  CHECK(statusOfParse("GET") == ParseStatus::NeedMore);
  CHECK(statusOfParse("GET / HTTP/1.1\r") == ParseStatus::NeedMore);
  CHECK(statusOfParse("GET / HTTP/1.1\r\nHost: a\r\n\r") == ParseStatus::NeedMore);
}

// Feeds every prefix of `input`, first without and then with a cursor: no prefix may complete
// early, once an error shows it stays, and the final answer equals parsing the whole at once.
void checkEveryPrefix(const std::string& input) {
  RequestHead whole_head;
  const ParseResult whole = parseRequestHead(input, ParseLimits{}, whole_head);
  HeadCursor cursor;
  bool errored = false;
  for (std::size_t n = 0; n <= input.size(); ++n) {
    INFO("prefix length " << n);
    const std::string_view prefix(input.data(), n);
    RequestHead head;
    const ParseResult fresh = parseRequestHead(prefix, ParseLimits{}, head);
    RequestHead resumed_head;
    const ParseResult resumed = parseRequestHead(prefix, ParseLimits{}, resumed_head, cursor);
    REQUIRE(fresh.status == resumed.status);
    REQUIRE(fresh.error == resumed.error);
    REQUIRE(fresh.consumed == resumed.consumed);
    if (errored) REQUIRE(fresh.status == ParseStatus::Error);
    errored = fresh.status == ParseStatus::Error;
    if (fresh.status == ParseStatus::Complete) {
      REQUIRE(whole.status == ParseStatus::Complete);
      REQUIRE(fresh.consumed == whole.consumed);
      REQUIRE(n >= whole.consumed);
      requireSameHead(head, whole_head);
      requireSameHead(resumed_head, whole_head);
    }
  }
}

TEST_CASE("input split at every byte", "[http1][request][split]") {
  const std::vector<std::string> inputs = {
      "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nX: 1\r\n\r\n",
      "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
      "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      "GET http://a.example:81/x HTTP/1.1\r\nHost: a.example:81\r\n\r\n",
      "GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX: 1\rY\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "G\x01T / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\n\n",
  };
  for (const std::string& input : inputs) {
    INFO(input);
    checkEveryPrefix(input);
  }
}

TEST_CASE("a cursor from another buffer is ignored safely", "[http1][request]") {
  HeadCursor cursor;
  cursor.validated = 1000;
  cursor.fields = 50;
  RequestHead head;
  const ParseResult r =
      parseRequestHead("GET / HTTP/1.1\r\nHost: a\r\n\r\n", ParseLimits{}, head, cursor);
  CHECK(r.status == ParseStatus::Complete);
}

TEST_CASE("every ParseError has a unique reason and a status", "[http1][errors]") {
  std::vector<std::string_view> seen;
  for (int i = 0; i <= static_cast<int>(ParseError::TrailersTooLarge); ++i) {
    const auto error = static_cast<ParseError>(i);
    const std::string_view reason = reasonOf(error);
    INFO(reason);
    CHECK_FALSE(reason.empty());
    CHECK(reason != "unknown_parse_error");
    CHECK(reason.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == reason.npos);
    CHECK(std::find(seen.begin(), seen.end(), reason) == seen.end());
    seen.push_back(reason);
    const auto status = statusOf(error);
    CHECK(status >= 200);
    CHECK(status <= 599);
  }
  CHECK(statusOf(ParseError::BareLf) == 400);
  CHECK(statusOf(ParseError::UnsupportedHttpVersion) == 505);
  CHECK(statusOf(ParseError::UnsupportedTransferEncoding) == 501);
  CHECK(statusOf(ParseError::ExpectationFailed) == 417);
  CHECK(reasonOf(ParseError::ContentLengthAndTransferEncoding) ==
        "content_length_and_transfer_encoding");
}

}  // namespace
}  // namespace rampart::http1
