#include "proxy/replay/raw_http_client.h"

#include <catch2/catch.hpp>

namespace rampart::replay {

TEST_CASE("response parsing", "[replay][raw_http_client]") {
  RawResponse r;
  SECTION("content-length body") {
    const std::string data = "HTTP/1.1 403 Forbidden\r\nX-Request-Id: abc\r\nContent-Length: 4\r\n\r\nnope";
    CHECK_FALSE(parseResponse(data.substr(0, data.size() - 1), false, false, r));
    REQUIRE(parseResponse(data, false, false, r));
    CHECK(r.ok);
    CHECK(r.status == 403);
    CHECK(r.reason == "Forbidden");
    CHECK(r.header("x-request-id") == "abc");
    CHECK(r.body == "nope");
    CHECK(r.body_complete);
  }
  SECTION("chunked body, interim 100 skipped") {
    const std::string data =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
    REQUIRE(parseResponse(data, false, false, r));
    CHECK(r.status == 200);
    CHECK(r.body == "abcde");
  }
  SECTION("HEAD and 204 have no body") {
    REQUIRE(parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true, false, r));
    CHECK(r.body_complete);
  }
  SECTION("close-delimited body needs EOF") {
    CHECK_FALSE(parseResponse("HTTP/1.0 200 OK\r\n\r\nabc", false, false, r));
    REQUIRE(parseResponse("HTTP/1.0 200 OK\r\n\r\nabc", false, true, r));
    CHECK(r.body == "abc");
  }
  SECTION("errors") {
    REQUIRE(parseResponse("", false, true, r));
    CHECK_FALSE(r.ok);
    CHECK(r.error == "connection closed without a response");
    REQUIRE(parseResponse(std::string("\x00\x00\x08\x07\x00", 5), false, false, r));
    CHECK(r.error == "not an HTTP response");
    REQUIRE(parseResponse("HTTP/1.1 2x0 OK\r\n\r\n", false, false, r));
    CHECK(r.error == "malformed status line");
    REQUIRE(parseResponse("HTTP/1.1 200 OK\r\nContent-", false, true, r));
    CHECK(r.error == "incomplete response head");
  }
}

TEST_CASE("connection refused is an error, not a response", "[replay][raw_http_client]") {
  // port 1 on loopback: nothing listens there in the test environment
  const RawHttpClient client("127.0.0.1", 1, std::chrono::milliseconds(500));
  const RawResponse r = client.exchange("GET / HTTP/1.1\r\n\r\n", false);
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("connect") != std::string::npos);
}

}  // namespace rampart::replay
