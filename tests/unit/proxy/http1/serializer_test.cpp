#include "proxy/http1/serializer.h"

#include <catch2/catch.hpp>
#include <string>

#include "proxy/http1/chunked_decoder.h"
#include "proxy/http1/request_parser.h"
#include "proxy/http1/response_parser.h"

namespace rampart::http1 {
namespace {

TEST_CASE("request head serialisation", "[http1][serializer]") {
  RequestHead head;
  head.method = "POST";
  head.target = "/a?b=1";
  head.protocol = HttpProtocol::Http10;  // always sent upstream as HTTP/1.1
  head.headers.add("host", "example.com");
  head.headers.add("content-length", "3");
  head.headers.add("x-b", "");
  std::string out = "prefix|";
  appendRequestHead(out, head);
  CHECK(out ==
        "prefix|POST /a?b=1 HTTP/1.1\r\nhost: example.com\r\ncontent-length: 3\r\nx-b: \r\n\r\n");
}

TEST_CASE("a parsed request round-trips", "[http1][serializer]") {
  const std::string input =
      "GET /x HTTP/1.1\r\nHost: a\r\nAccept:  */*\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n";
  RequestHead parsed;
  REQUIRE(parseRequestHead(input, ParseLimits{}, parsed).status == ParseStatus::Complete);
  std::string out;
  appendRequestHead(out, parsed);
  CHECK(out == "GET /x HTTP/1.1\r\nhost: a\r\naccept: */*\r\nx-dup: 1\r\nx-dup: 2\r\n\r\n");
  RequestHead again;
  REQUIRE(parseRequestHead(out, ParseLimits{}, again).status == ParseStatus::Complete);
  CHECK(again.headers.size() == parsed.headers.size());
  CHECK(again.target == parsed.target);
}

TEST_CASE("response head serialisation", "[http1][serializer]") {
  HeaderList headers;
  headers.add("content-length", "0");
  std::string out;
  appendResponseHead(out, 404, "", headers);
  CHECK(out == "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
  out.clear();
  appendResponseHead(out, 200, "Fine", HeaderList{});
  CHECK(out == "HTTP/1.1 200 Fine\r\n\r\n");
  out.clear();
  appendResponseHead(out, 599, "", HeaderList{});
  CHECK(out == "HTTP/1.1 599 \r\n\r\n");
  ResponseHead parsed;
  REQUIRE(parseResponseHead(out, ParseLimits{}, "GET", parsed).status == ParseStatus::Complete);
  CHECK(parsed.status == 599);
}

TEST_CASE("default reason phrases", "[http1][serializer]") {
  CHECK(defaultReasonPhrase(200) == "OK");
  CHECK(defaultReasonPhrase(403) == "Forbidden");
  CHECK(defaultReasonPhrase(413) == "Content Too Large");
  CHECK(defaultReasonPhrase(431) == "Request Header Fields Too Large");
  CHECK(defaultReasonPhrase(502) == "Bad Gateway");
  CHECK(defaultReasonPhrase(799).empty());
}

TEST_CASE("chunk framing", "[http1][serializer]") {
  std::string out;
  appendChunk(out, "hello");
  appendChunk(out, "");
  appendChunk(out, std::string(255, 'x'));
  appendLastChunk(out);
  CHECK(out.substr(0, 10) == "5\r\nhello\r\n");
  CHECK(out.substr(10, 4) == "ff\r\n");
  CHECK(out.substr(out.size() - 5) == "0\r\n\r\n");
  ChunkedDecoder decoder;
  std::string payload;
  const ChunkedDecoder::Step step = decoder.feed(out, payload);
  CHECK(step.status == ChunkedDecoder::Status::Done);
  CHECK(step.consumed == out.size());
  CHECK(payload == "hello" + std::string(255, 'x'));
}

}  // namespace
}  // namespace rampart::http1
