#include "proxy/stages/protocol_sanity_stage.h"

#include <catch2/catch.hpp>
#include <string>
#include <utility>

#include "tests/unit/fakes/fake_exchange.h"

namespace rampart {
namespace {

using test::FakeExchange;
using test::makeGet;

// One stage instance over one FakeExchange. The stage keeps a reference to its factory's limits,
// so the factory lives as long as the stage (as it does in a ConfigSnapshot).
struct Harness {
  explicit Harness(LimitsConfig l = {}) : limits(l), factory(limits) {
    stage = factory.create(ex.worker());
  }
  Verdict run(RequestHead req) {
    ex.setRequest(std::move(req));
    return stage->onRequestHeaders(ex);
  }
  Verdict run() { return stage->onRequestHeaders(ex); }

  FakeExchange ex;
  LimitsConfig limits;
  ProtocolSanityStageFactory factory;
  std::unique_ptr<Stage> stage;
};

#define CHECK_RESPOND(verdict, expected_status, expected_reason) \
  do {                                                           \
    const Verdict v_ = (verdict);                                \
    INFO(Catch::StringMaker<Verdict>::convert(v_));              \
    CHECK(v_.kind == Verdict::Kind::Respond);                    \
    CHECK(v_.status == (expected_status));                       \
    CHECK(v_.reason == (expected_reason));                       \
  } while (false)

#define CHECK_CONTINUE(verdict)                     \
  do {                                              \
    const Verdict v_ = (verdict);                   \
    INFO(Catch::StringMaker<Verdict>::convert(v_)); \
    CHECK(v_.kind == Verdict::Kind::Continue);      \
    CHECK(v_.status == 0);                          \
    CHECK(v_.reason.empty());                       \
  } while (false)

RequestHead h2Get(std::string target = "/") {
  return makeGet(std::move(target), HttpProtocol::Http2);
}

RequestHead withHeader(RequestHead req, std::string name, std::string value) {
  req.headers.add(std::move(name), std::move(value));
  return req;
}

RequestHead withMethod(RequestHead req, std::string method) {
  req.method = std::move(method);
  return req;
}

RequestHead withTarget(RequestHead req, std::string target) {
  req.target = std::move(target);
  return req;
}

RequestHead h1Post(std::string content_length) {
  RequestHead req = makeGet("/submit");
  req.method = "POST";
  req.headers.add("content-length", content_length);
  req.has_body = true;
  return req;
}

TEST_CASE("ProtocolSanity: the factory's name is the registered one", "[stages][sanity]") {
  Harness h;
  CHECK(h.factory.name() == "rampart.protocol_sanity");
  CHECK(h.stage->requestBodyMode(h.ex) == BodyMode::Stream);
}

TEST_CASE("ProtocolSanity: accepts normal requests", "[stages][sanity]") {
  Harness h;
  SECTION("h1 GET") { CHECK_CONTINUE(h.run(makeGet("/a/b?x=1&y=%20z"))); }
  SECTION("h1 POST with a body within the route limit") {
    CHECK_CONTINUE(h.run(h1Post("1024")));  // exactly max_body_bytes
  }
  SECTION("h1 chunked POST without Content-Length") {
    RequestHead req = makeGet("/upload");
    req.method = "POST";
    req.headers.add("transfer-encoding", "chunked");
    req.chunked = true;
    req.has_body = true;
    CHECK_CONTINUE(h.run(std::move(req)));
  }
  SECTION("HTTP/1.0 GET with Host") { CHECK_CONTINUE(h.run(makeGet("/", HttpProtocol::Http10))); }
  SECTION("h2 GET") { CHECK_CONTINUE(h.run(h2Get("/index.html"))); }
  SECTION("h2 POST with content-length") {
    RequestHead req = h2Get("/submit");
    req.method = "POST";
    req.headers.add("content-length", "12");
    req.content_length = 12;
    CHECK_CONTINUE(h.run(std::move(req)));
  }
  SECTION("h2 with te: trailers") { CHECK_CONTINUE(h.run(withHeader(h2Get(), "te", "trailers"))); }
  SECTION("h2 with a host header equal to :authority up to case and port") {
    RequestHead req = h2Get();
    req.authority = "Example.com:443";
    req.headers.add("host", "example.COM");
    CHECK_CONTINUE(h.run(std::move(req)));
  }
  SECTION("obs-text (bytes >= 0x80) and HTAB in values") {
    RequestHead req = makeGet();
    req.headers.add("x-utf8", "caf\xc3\xa9 \x80\xff");
    req.headers.add("x-tab", "a\tb");
    req.headers.add("x-empty", "");
    CHECK_CONTINUE(h.run(std::move(req)));
  }
  SECTION("every token character in a method and header name") {
    RequestHead req = withMethod(makeGet(), "M-1.!#$%&'*+^_`|~");
    req.headers.add("x-!#$%&'*+-.^_`|~09az", "v");
    CHECK_CONTINUE(h.run(std::move(req)));
  }
  SECTION("OPTIONS *") { CHECK_CONTINUE(h.run(withTarget(withMethod(makeGet(), "OPTIONS"), "*"))); }
  SECTION("absolute-form whose authority matches Host up to case and port") {
    RequestHead req = makeGet();
    req.absolute_form = true;
    req.absolute_authority = "EXAMPLE.com:80";
    CHECK_CONTINUE(h.run(std::move(req)));
  }
  SECTION("Content-Length without a route (the 404 comes later, not here)") {
    h.ex.setRoute(nullptr);
    CHECK_CONTINUE(h.run(h1Post("999999999")));
  }
  SECTION("exactly at the header count and byte limits") {
    LimitsConfig limits;
    limits.max_header_count = 3;
    limits.max_header_bytes = static_cast<std::uint32_t>(makeGet().headers.bytes());
    Harness tight(limits);
    CHECK_CONTINUE(tight.run(makeGet()));  // host, user-agent, accept
  }
  CHECK(h.ex.resumed().empty());
}

TEST_CASE("ProtocolSanity: header count and size limits give 431", "[stages][sanity]") {
  LimitsConfig limits;
  limits.max_header_count = 3;
  limits.max_header_bytes = 64;
  Harness h(limits);
  SECTION("one header too many") {
    CHECK_RESPOND(h.run(withHeader(makeGet(), "x-a", "1")), 431, "too_many_headers");
  }
  SECTION("one byte too many") {
    RequestHead req;
    req.method = "GET";
    req.authority = "example.com";
    req.target = "/";
    req.headers.add("host", "example.com");                       // 15 bytes
    req.headers.add("x-big", std::string(64 - 15 - 5 + 1, 'v'));  // 65 in all
    REQUIRE(req.headers.bytes() == 65);
    CHECK_RESPOND(h.run(std::move(req)), 431, "headers_too_large");
  }
  SECTION("count is checked before bytes") {
    RequestHead req = makeGet();
    req.headers.add("x-big", std::string(1000, 'v'));
    CHECK_RESPOND(h.run(std::move(req)), 431, "too_many_headers");
  }
}

TEST_CASE("ProtocolSanity: bad methods", "[stages][sanity]") {
  Harness h;
  SECTION("empty") { CHECK_RESPOND(h.run(withMethod(makeGet(), "")), 400, "bad_method"); }
  SECTION("space") { CHECK_RESPOND(h.run(withMethod(makeGet(), "GE T")), 400, "bad_method"); }
  SECTION("separator") { CHECK_RESPOND(h.run(withMethod(makeGet(), "G@T")), 400, "bad_method"); }
  SECTION("control char") {
    CHECK_RESPOND(h.run(withMethod(makeGet(), std::string("GET\0", 4))), 400, "bad_method");
  }
  SECTION("non-ASCII") {
    CHECK_RESPOND(h.run(withMethod(makeGet(), "G\xc3\x89T")), 400, "bad_method");
  }
  SECTION("CONNECT is refused with 405") {
    RequestHead req = withMethod(makeGet(), "CONNECT");
    CHECK_RESPOND(h.run(std::move(req)), 405, "connect_not_supported");
  }
  SECTION("CONNECT over h2 too") {
    CHECK_RESPOND(h.run(withMethod(h2Get(), "CONNECT")), 405, "connect_not_supported");
  }
}

TEST_CASE("ProtocolSanity: bad request targets", "[stages][sanity]") {
  Harness h;
  const char* reason = "bad_request_target";
  SECTION("empty") { CHECK_RESPOND(h.run(withTarget(makeGet(), "")), 400, reason); }
  SECTION("not starting with '/'") {
    CHECK_RESPOND(h.run(withTarget(makeGet(), "index.html")), 400, reason);
    CHECK_RESPOND(h.run(withTarget(makeGet(), "http://example.com/")), 400, reason);
    CHECK_RESPOND(h.run(withTarget(makeGet(), "?q=1")), 400, reason);
  }
  SECTION("control characters") {
    CHECK_RESPOND(h.run(withTarget(makeGet(), "/a\x01")), 400, reason);
    CHECK_RESPOND(h.run(withTarget(makeGet(), "/a\tb")), 400, reason);
    CHECK_RESPOND(h.run(withTarget(makeGet(), "/a\r\nX-Injected: 1")), 400, reason);
    CHECK_RESPOND(h.run(withTarget(makeGet(), std::string("/a\0b", 4))), 400, reason);
    CHECK_RESPOND(h.run(withTarget(makeGet(), "/a\x7f")), 400, reason);
  }
  SECTION("space") { CHECK_RESPOND(h.run(withTarget(makeGet(), "/a b")), 400, reason); }
  SECTION("non-ASCII") {
    CHECK_RESPOND(h.run(withTarget(makeGet(), "/caf\xc3\xa9")), 400, reason);
    CHECK_RESPOND(h.run(withTarget(h2Get(), "/\xff")), 400, reason);
  }
  SECTION("'*' only for OPTIONS") {
    CHECK_RESPOND(h.run(withTarget(makeGet(), "*")), 400, reason);
    CHECK_RESPOND(h.run(withTarget(withMethod(makeGet(), "options"), "*")), 400, reason);
    CHECK_RESPOND(h.run(withTarget(withMethod(makeGet(), "OPTIONS"), "*x")), 400, reason);
  }
  SECTION("longer than max_request_line_bytes gives 414") {
    LimitsConfig limits;
    limits.max_request_line_bytes = 16;
    Harness tight(limits);
    CHECK_CONTINUE(tight.run(withTarget(makeGet(), "/" + std::string(15, 'a'))));
    CHECK_RESPOND(tight.run(withTarget(makeGet(), "/" + std::string(16, 'a'))), 414,
                  "request_line_too_long");
  }
}

TEST_CASE("ProtocolSanity: host checks", "[stages][sanity]") {
  Harness h;
  SECTION("missing host") {
    RequestHead req = makeGet();
    req.authority.clear();
    req.headers.remove("host");
    CHECK_RESPOND(h.run(std::move(req)), 400, "missing_host");
  }
  SECTION("missing :authority on h2") {
    RequestHead req = h2Get();
    req.authority.clear();
    CHECK_RESPOND(h.run(std::move(req)), 400, "missing_host");
  }
  SECTION("HTTP/1.0 may omit Host (RFC 9112 requires it from 1.1 on)") {
    RequestHead req = makeGet("/", HttpProtocol::Http10);
    req.authority.clear();
    req.headers.remove("host");
    CHECK(h.run(std::move(req)).isContinue());
  }
  SECTION("userinfo '@'") {
    RequestHead req = makeGet();
    req.authority = "user@example.com";
    CHECK_RESPOND(h.run(std::move(req)), 400, "bad_host");
  }
  SECTION("whitespace, control or non-ASCII bytes") {
    for (std::string bad : {"exa mple.com", "example.com\r\n", "ex\x01.com", "caf\xc3\xa9.com"}) {
      RequestHead req = makeGet();
      req.authority = bad;
      CHECK_RESPOND(h.run(std::move(req)), 400, "bad_host");
    }
  }
  SECTION("absolute-form authority differs from Host") {
    RequestHead req = makeGet();
    req.absolute_form = true;
    req.absolute_authority = "evil.example";
    CHECK_RESPOND(h.run(std::move(req)), 400, "absolute_form_host_mismatch");
  }
  SECTION("h2 host header differs from :authority") {
    RequestHead req = h2Get();
    req.headers.add("host", "other.example");
    CHECK_RESPOND(h.run(std::move(req)), 400, "authority_host_mismatch");
  }
}

TEST_CASE("ProtocolSanity: header names", "[stages][sanity]") {
  Harness h;
  const char* reason = "bad_header_name";
  SECTION("upper case") { CHECK_RESPOND(h.run(withHeader(makeGet(), "X-Foo", "1")), 400, reason); }
  SECTION("upper case on h2") {
    CHECK_RESPOND(h.run(withHeader(h2Get(), "x-fOo", "1")), 400, reason);
  }
  SECTION("empty") { CHECK_RESPOND(h.run(withHeader(makeGet(), "", "1")), 400, reason); }
  SECTION("invalid characters") {
    for (std::string bad : {"x foo", "x:foo", "x(foo)", "x\"foo", "x/foo", "x@foo", "x\tfoo",
                            "x\x01", "x\x7f", "x\xc3\xa9", ":path"}) {
      INFO("name: " << bad);
      CHECK_RESPOND(h.run(withHeader(makeGet(), bad, "1")), 400, reason);
    }
  }
}

TEST_CASE("ProtocolSanity: header values", "[stages][sanity]") {
  Harness h;
  const char* reason = "bad_header_value";
  SECTION("CR") { CHECK_RESPOND(h.run(withHeader(makeGet(), "x-a", "a\rb")), 400, reason); }
  SECTION("LF") { CHECK_RESPOND(h.run(withHeader(makeGet(), "x-a", "a\nb")), 400, reason); }
  SECTION("NUL") {
    CHECK_RESPOND(h.run(withHeader(makeGet(), "x-a", std::string("a\0b", 3))), 400, reason);
  }
  SECTION("DEL") { CHECK_RESPOND(h.run(withHeader(makeGet(), "x-a", "a\x7f")), 400, reason); }
  SECTION("other C0 controls") {
    CHECK_RESPOND(h.run(withHeader(makeGet(), "x-a", "a\x1b[31m")), 400, reason);
  }
  SECTION("on h2 too") {
    CHECK_RESPOND(h.run(withHeader(h2Get(), "x-a", "a\r\nset-cookie: x")), 400, reason);
  }
}

TEST_CASE("ProtocolSanity: h2 connection-specific headers", "[stages][sanity]") {
  Harness h;
  const char* reason = "h2_connection_specific_header";
  for (std::string name :
       {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}) {
    INFO("header: " << name);
    CHECK_RESPOND(h.run(withHeader(h2Get(), name, "x")), 400, reason);
    // The same fields are fine on HTTP/1.1 (the h1 codec deals with them).
    if (name != "transfer-encoding") CHECK_CONTINUE(h.run(withHeader(makeGet(), name, "x")));
  }
  CHECK_RESPOND(h.run(withHeader(h2Get(), "te", "gzip")), 400, reason);
  CHECK_RESPOND(h.run(withHeader(h2Get(), "te", "trailers, gzip")), 400, reason);
  CHECK_RESPOND(h.run(withHeader(h2Get(), "te", "")), 400, reason);
  CHECK_CONTINUE(h.run(withHeader(makeGet(), "te", "gzip")));
}

// Regression test (bug found and fixed): only the first `te` field is checked (HeaderList::find), so a second one with a
// value other than "trailers" passes. nghttp2 rejects this before the stage sees it, but the stage
// is meant to be the protocol-independent re-check.
TEST_CASE("ProtocolSanity: h2 second te field other than trailers",
          "[stages][sanity]") {
  Harness h;
  RequestHead req = h2Get();
  req.headers.add("te", "trailers");
  req.headers.add("te", "gzip");
  CHECK_RESPOND(h.run(std::move(req)), 400, "h2_connection_specific_header");
}

TEST_CASE("ProtocolSanity: content-length checks", "[stages][sanity]") {
  Harness h;
  SECTION("Content-Length with chunked on h1") {
    RequestHead req = h1Post("5");
    req.headers.add("transfer-encoding", "chunked");
    req.chunked = true;
    CHECK_RESPOND(h.run(std::move(req)), 400, "content_length_and_transfer_encoding");
  }
  SECTION("duplicate Content-Length, even equal") {
    RequestHead req = h1Post("5");
    req.headers.add("content-length", "5");
    CHECK_RESPOND(h.run(std::move(req)), 400, "duplicate_content_length");
  }
  SECTION("duplicate content-length on h2") {
    RequestHead req = h2Get();
    req.method = "POST";
    req.headers.add("content-length", "5");
    req.headers.add("content-length", "6");
    CHECK_RESPOND(h.run(std::move(req)), 400, "duplicate_content_length");
  }
  SECTION("non-numeric Content-Length") {
    for (std::string bad :
         {"", "abc", "-1", "+5", "5 ", " 5", "5,5", "0x10", "1e3", "5.0", "1234567890123456789"}) {
      INFO("content-length: '" << bad << "'");
      CHECK_RESPOND(h.run(h1Post(bad)), 400, "bad_content_length");
    }
  }
  SECTION("over the route's max_body_bytes gives 413") {
    REQUIRE(h.ex.route() != nullptr);
    REQUIRE(h.ex.route()->max_body_bytes == 1024);
    CHECK_RESPOND(h.run(h1Post("1025")), 413, "body_too_large");
    CHECK_RESPOND(h.run(h1Post("999999999999999999")), 413, "body_too_large");
    CHECK_CONTINUE(h.run(h1Post("0000001024")));
  }
  SECTION("over max_body_bytes on h2 too") {
    RequestHead req = h2Get();
    req.method = "POST";
    req.headers.add("content-length", "4096");
    CHECK_RESPOND(h.run(std::move(req)), 413, "body_too_large");
  }
}

TEST_CASE("ProtocolSanity: checks run in a fixed order", "[stages][sanity]") {
  Harness h;
  RequestHead req = withMethod(withTarget(makeGet(), ""), "G T");
  CHECK_RESPOND(h.run(std::move(req)), 400, "bad_method");
  req = withTarget(makeGet(), "");
  req.authority.clear();
  CHECK_RESPOND(h.run(std::move(req)), 400, "bad_request_target");
  req = withHeader(makeGet(), "X-Bad", "a\rb");
  CHECK_RESPOND(h.run(std::move(req)), 400, "bad_header_name");
}

TEST_CASE("ProtocolSanity: the stage counts nothing and leaves the exchange alone",
          "[stages][sanity]") {
  Harness h;
  RequestHead req = withHeader(makeGet(), "x-a", "a\nb");
  const RequestHead copy = req;
  CHECK_RESPOND(h.run(std::move(req)), 400, "bad_header_value");
  // Reply counters (local_replies_total, requests_total{reason}) belong to the pipeline.
  const StatsSnapshot stats = h.ex.worker().stats().snapshot();
  for (std::size_t i = 0; i < kCounterCount; ++i) CHECK(stats.counters[i] == 0);
  CHECK(stats.requests.empty());
  CHECK(h.ex.resumed().empty());
  CHECK(h.ex.request().headers.size() == copy.headers.size());
  CHECK(h.ex.request().target == copy.target);
  CHECK(h.ex.record().reason.empty());
  CHECK(h.ex.record().status == 0);
}

TEST_CASE("ProtocolSanity: the snapshot's stage factories include it first", "[stages][sanity]") {
  FakeExchange ex;
  const auto& factories = ex.config().stage_factories;
  REQUIRE_FALSE(factories.empty());
  CHECK(factories.front()->name() == "rampart.protocol_sanity");
  auto stage = factories.front()->create(ex.worker());
  ex.mutableRequest() = withHeader(makeGet(), "X-Upper", "1");
  CHECK_RESPOND(stage->onRequestHeaders(ex), 400, "bad_header_name");
}

}  // namespace
}  // namespace rampart
