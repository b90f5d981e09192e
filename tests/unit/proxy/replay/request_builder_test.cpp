#include "proxy/replay/request_builder.h"

#include <catch2/catch.hpp>
#include <string>

namespace rampart::replay {

TEST_CASE("request builder autocompletes like go-ftw", "[replay][request_builder]") {
  HttpInput in;
  in.method = "POST";
  in.uri = "/x";
  in.headers = {{"Host", "localhost"}};
  in.data = "a=1 2&b=<c>";
  const BuiltRequest r = buildRequest(in, "m-1");
  CHECK(r.marker_sent);
  // Content-Type added, form data query-escaped, Connection and Content-Length added.
  CHECK(r.bytes ==
        "POST /x HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n"
        "Content-Length: 15\r\nX-Rampart-Replay-Id: m-1\r\n\r\na=1+2&b=%3Cc%3E");
}

TEST_CASE("Content-Length autocompletion", "[replay][request_builder]") {
  HttpInput in;
  in.headers = {{"Host", "h"}, {"Content-Type", "text/plain"}};
  SECTION("GET without a body gets none") {
    const std::string b = buildRequest(in, "").bytes;
    CHECK(b.find("Content-Length") == std::string::npos);
    CHECK(b.find("Connection: close") != std::string::npos);
  }
  SECTION("POST without a body gets no Content-Length either (go-ftw; CRS 920180 relies on it)") {
    in.method = "POST";
    CHECK(buildRequest(in, "").bytes.find("Content-Length") == std::string::npos);
  }
  SECTION("a body's length counts bytes, not characters; already-encoded data is left alone") {
    in.data = "caf\xc3\xa9";
    CHECK(buildRequest(in, "").bytes.find("Content-Length: 5\r\n") != std::string::npos);
    in.headers[1].second = "application/x-www-form-urlencoded";
    in.data = "a=%41+b";
    const std::string b = buildRequest(in, "").bytes;
    CHECK(b.find("Content-Length: 7\r\n") != std::string::npos);
    CHECK(b.substr(b.size() - 7) == "a=%41+b");
  }
  SECTION("a test's own Content-Length wins (any case)") {
    in.headers.emplace_back("content-length", "50");
    in.data = "xy";
    const std::string b = buildRequest(in, "").bytes;
    CHECK(b.find("Content-Length") == std::string::npos);
    CHECK(b.find("content-length: 50\r\n") != std::string::npos);
  }
  SECTION("stop_magic / autocomplete_headers false: nothing added") {
    in.autocomplete_headers = false;
    in.method = "POST";
    in.data = "a b";
    CHECK(buildRequest(in, "").bytes == "POST / HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n\r\na b");
  }
  SECTION("multipart bodies get CRLF line ends") {
    in.headers[1].second = "multipart/form-data; boundary=x";
    in.data = "--x\nA: b\r\n\nv\n--x--";
    const std::string b = buildRequest(in, "").bytes;
    CHECK(b.substr(b.find("\r\n\r\n") + 4) == "--x\r\nA: b\r\n\r\nv\r\n--x--");
  }
}

TEST_CASE("the request line is written as the test says", "[replay][request_builder]") {
  HttpInput in;
  in.method = "\tGET";
  in.uri = "index.html";
  in.version = "";
  in.autocomplete_headers = false;
  CHECK(buildRequest(in, "").bytes == "\tGET index.html \r\n\r\n");
}

TEST_CASE("marker injection into raw requests", "[replay][request_builder]") {
  HttpInput in;
  SECTION("after a CRLF request line") {
    in.raw = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    const BuiltRequest r = buildRequest(in, "u");
    CHECK(r.marker_sent);
    CHECK(r.bytes == "GET / HTTP/1.1\r\nX-Rampart-Replay-Id: u\r\nHost: a\r\n\r\n");
  }
  SECTION("a bare-LF request keeps bare LF") {
    in.raw = "POST /index.html HTTP/1.1\nHost: a\n\nd=1";
    const BuiltRequest r = buildRequest(in, "u");
    CHECK(r.marker_sent);
    CHECK(r.bytes == "POST /index.html HTTP/1.1\nX-Rampart-Replay-Id: u\nHost: a\n\nd=1");
  }
  SECTION("not injected where it would change the request") {
    for (const char* raw : {"GET /\r\n\r\n", "GARBAGE\r\n", "GET / HTTP/1.1", "GET / HTTP/2.0\r\n\r\n",
                            "GET / HTTP/1.1\r\n"}) {
      in.raw = raw;
      const BuiltRequest r = buildRequest(in, "u");
      CHECK_FALSE(r.marker_sent);
      CHECK(r.bytes == raw);
    }
  }
  SECTION("HEAD is recognised") {
    in.raw = "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n";
    CHECK(buildRequest(in, "u").head_request);
  }
}

TEST_CASE("URL encoding helpers", "[replay][request_builder]") {
  CHECK(queryEscape("a b&c=d/é") == "a+b%26c%3Dd%2F%C3%A9");
  CHECK(pathEscape("../etc/passwd x") == "../etc/passwd%20x");
  std::string out;
  CHECK(queryUnescape("a+b%2F", out));
  CHECK(out == "a b/");
  CHECK_FALSE(queryUnescape("100%", out));
  CHECK_FALSE(queryUnescape("%zz", out));
  CHECK(encodeFormData("q=' or 1=1--&x") == "q=%27+or+1%3D1--&x");
  CHECK(encodeFormData("q=%27") == "q=%27");      // already encoded
  CHECK(encodeFormData("q=100%") == "q=100%");    // not decodable: left alone (go-ftw errors)
}

}  // namespace rampart::replay
