#include "proxy/http1/response_parser.h"

#include "tests/unit/proxy/http1/parse_error_printer.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>


namespace rampart::http1 {
namespace {

using namespace std::string_literals;

ParseResult parse(std::string_view input, ResponseHead& out, std::string_view method = "GET",
                  const ParseLimits& limits = {}) {
  return parseResponseHead(input, limits, method, out);
}

ParseError errorOf(std::string_view input, std::string_view method = "GET",
                   const ParseLimits& limits = {}) {
  ResponseHead head;
  const ParseResult r = parseResponseHead(input, limits, method, head);
  return r.status == ParseStatus::Error ? r.error : ParseError::None;
}

TEST_CASE("parses a 200 with Content-Length", "[http1][response]") {
  const std::string head_bytes =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n";
  ResponseHead head;
  const ParseResult r = parse(head_bytes + "hello", head);
  REQUIRE(r.status == ParseStatus::Complete);
  CHECK(r.consumed == head_bytes.size());
  CHECK(head.status == 200);
  CHECK(head.reason == "OK");
  REQUIRE(head.headers.size() == 2);
  CHECK(head.headers.fields()[0].name == "content-type");
  CHECK(head.content_length == 5);
  CHECK(head.has_body);
  CHECK_FALSE(head.chunked);
}

TEST_CASE("response framing", "[http1][response]") {
  ResponseHead head;
  SECTION("chunked") {
    REQUIRE(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", head).status ==
            ParseStatus::Complete);
    CHECK(head.chunked);
    CHECK(head.content_length == -1);
    CHECK(head.has_body);
  }
  SECTION("read until close") {
    REQUIRE(parse("HTTP/1.0 200 OK\r\nServer: x\r\n\r\n", head).status == ParseStatus::Complete);
    CHECK_FALSE(head.chunked);
    CHECK(head.content_length == -1);
    CHECK(head.has_body);
  }
  SECTION("Content-Length: 0") {
    REQUIRE(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", head).status ==
            ParseStatus::Complete);
    CHECK(head.content_length == 0);
    CHECK_FALSE(head.has_body);
  }
  SECTION("HEAD, 204, 304 and 1xx have no body whatever they announce") {
    REQUIRE(parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", head, "HEAD").status ==
            ParseStatus::Complete);
    CHECK_FALSE(head.has_body);
    CHECK(head.content_length == 0);
    CHECK(*head.headers.find("content-length") == "100");  // still forwarded to the client
    REQUIRE(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", head, "HEAD").status ==
            ParseStatus::Complete);
    CHECK_FALSE(head.has_body);
    CHECK_FALSE(head.chunked);
    for (const char* status :
         {"100 Continue", "103 Early Hints", "204 No Content", "304 Not Modified"}) {
      INFO(status);
      REQUIRE(parse("HTTP/1.1 "s + status + "\r\n\r\n", head).status == ParseStatus::Complete);
      CHECK_FALSE(head.has_body);
    }
  }
}

TEST_CASE("interim responses", "[http1][response]") {
  CHECK(isInterim(100));
  CHECK(isInterim(103));
  CHECK_FALSE(isInterim(200));
  CHECK_FALSE(isInterim(99));
  const std::string input =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  ResponseHead head;
  const ParseResult first = parse(input, head);
  REQUIRE(first.status == ParseStatus::Complete);
  CHECK(head.status == 100);
  const ParseResult second = parse(std::string_view(input).substr(first.consumed), head);
  REQUIRE(second.status == ParseStatus::Complete);
  CHECK(head.status == 200);
  CHECK(errorOf("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n") ==
        ParseError::UpgradeNotSupported);
}

TEST_CASE("status line forms", "[http1][response]") {
  ResponseHead head;
  REQUIRE(parse("HTTP/1.1 200\r\n\r\n", head).status == ParseStatus::Complete);
  CHECK(head.reason.empty());
  REQUIRE(parse("HTTP/1.1 404 \r\n\r\n", head).status == ParseStatus::Complete);
  CHECK(head.status == 404);
  CHECK(head.reason.empty());
  REQUIRE(parse("HTTP/1.1 503 Service  Unavailable\tnow \xc3\xa9\r\n\r\n", head).status ==
          ParseStatus::Complete);
  CHECK(head.reason == "Service  Unavailable\tnow \xc3\xa9");

  const std::vector<std::pair<std::string, ParseError>> cases = {
      {"HTTP/1.1 20 OK\r\n\r\n", ParseError::BadStatusLine},
      {"HTTP/1.1 2000 OK\r\n\r\n", ParseError::BadStatusLine},
      {"HTTP/1.1 600 X\r\n\r\n", ParseError::BadStatusLine},
      {"HTTP/1.1 099 X\r\n\r\n", ParseError::BadStatusLine},
      {"HTTP/1.1  200 OK\r\n\r\n", ParseError::BadStatusLine},
      {"http/1.1 200 OK\r\n\r\n", ParseError::BadStatusLine},
      {"HTTP/1.1 2x0 OK\r\n\r\n", ParseError::BadStatusLine},
      {"HTTP/1.1 200 O\x01K\r\n\r\n", ParseError::BadStatusLine},
      {"HTTP/1 200 OK\r\n\r\n", ParseError::BadStatusLine},
      {"ICY 200 OK\r\n\r\n", ParseError::BadStatusLine},
      {"HTTP/2.0 200 OK\r\n\r\n", ParseError::UnsupportedHttpVersion},
      {"HTTP/1.2 200 OK\r\n\r\n", ParseError::UnsupportedHttpVersion},
      {"HTTP/0.9 200 OK\r\n\r\n", ParseError::UnsupportedHttpVersion},
  };
  for (const auto& [input, expected] : cases) {
    INFO(input);
    CHECK(errorOf(input) == expected);
  }
}

TEST_CASE("response header and framing errors", "[http1][response]") {
  const std::vector<std::pair<std::string, ParseError>> cases = {
      {"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", ParseError::BareLf},
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\n\n", ParseError::BareLf},
      {"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", ParseError::BareCr},
      {"HTTP/1.1 200 OK\r\nX: 1\r\n 2\r\n\r\n", ParseError::ObsFold},
      {"HTTP/1.1 200 OK\r\nX : 1\r\n\r\n", ParseError::BadHeaderName},
      {"HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"s, ParseError::NulByte},
      {"HTTP/1.1 200 OK\r\nX: a\x02\r\n\r\n", ParseError::BadHeaderValue},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
       ParseError::ContentLengthAndTransferEncoding},
      {"HTTP/1.1 204 No Content\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
       ParseError::ContentLengthAndTransferEncoding},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
       ParseError::DuplicateContentLength},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1,1\r\n\r\n", ParseError::BadContentLength},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       ParseError::UnsupportedTransferEncoding},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
       ParseError::UnsupportedTransferEncoding},
      {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
       ParseError::TransferEncodingInHttp10},
  };
  for (const auto& [input, expected] : cases) {
    INFO(input);
    CHECK(errorOf(input) == expected);
  }
}

TEST_CASE("response limits", "[http1][response][limits]") {
  ParseLimits limits;
  limits.max_request_line = 20;
  limits.max_header_bytes = 64;
  limits.max_header_count = 1;
  CHECK(errorOf("HTTP/1.1 200 OK\r\n\r\n", "GET", limits) == ParseError::None);
  const std::string at_limit = "HTTP/1.1 200 " + std::string(7, 'K');
  REQUIRE(at_limit.size() == 20);
  CHECK(errorOf(at_limit + "\r\n\r\n", "GET", limits) == ParseError::None);
  CHECK(errorOf(at_limit + "K\r\n\r\n", "GET", limits) == ParseError::StatusLineTooLong);
  CHECK(errorOf(at_limit, "GET", limits) == ParseError::None);  // NeedMore
  CHECK(errorOf(at_limit + "K", "GET", limits) == ParseError::StatusLineTooLong);
  CHECK(errorOf("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", "GET", limits) ==
        ParseError::TooManyHeaders);
  CHECK(errorOf("HTTP/1.1 200 OK\r\nA: " + std::string(100, 'x'), "GET", limits) ==
        ParseError::HeadersTooLarge);
  CHECK(errorOf("XTTP") == ParseError::BadStatusLine);  // rejected before the line ends
  CHECK(errorOf("HTTP/1.1 200 OK\r\nA: 1\r\n") == ParseError::None);  // NeedMore
}

TEST_CASE("response split at every byte", "[http1][response][split]") {
  const std::vector<std::string> inputs = {
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello",
      "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: 1\nY: 2\r\n\r\n",
  };
  for (const std::string& input : inputs) {
    INFO(input);
    ResponseHead whole_head;
    const ParseResult whole = parseResponseHead(input, ParseLimits{}, "GET", whole_head);
    HeadCursor cursor;
    for (std::size_t n = 0; n <= input.size(); ++n) {
      INFO("prefix length " << n);
      ResponseHead fresh_head;
      ResponseHead resumed_head;
      const std::string_view prefix(input.data(), n);
      const ParseResult fresh = parseResponseHead(prefix, ParseLimits{}, "GET", fresh_head);
      const ParseResult resumed =
          parseResponseHead(prefix, ParseLimits{}, "GET", resumed_head, cursor);
      REQUIRE(fresh.status == resumed.status);
      REQUIRE(fresh.error == resumed.error);
      if (fresh.status == ParseStatus::Complete) {
        REQUIRE(fresh.consumed == whole.consumed);
        REQUIRE(fresh_head.status == whole_head.status);
        REQUIRE(fresh_head.headers.size() == whole_head.headers.size());
        REQUIRE(resumed_head.content_length == whole_head.content_length);
      }
      if (n == input.size()) REQUIRE(fresh.status == whole.status);
    }
  }
}

}  // namespace
}  // namespace rampart::http1
