#include "proxy/forwarding_headers.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace rampart {
namespace {

std::vector<std::string> names(const HeaderList& headers) {
  std::vector<std::string> out;
  for (const auto& f : headers) out.push_back(f.name);
  return out;
}

RequestHead request() {
  RequestHead req;
  req.method = "POST";
  req.scheme = "http";
  req.authority = "app.example.com:8080";
  req.target = "/submit?x=1";
  req.headers.add("host", "app.example.com:8080");
  req.headers.add("user-agent", "curl/8");
  req.headers.add("content-length", "5");
  req.content_length = 5;
  req.has_body = true;
  return req;
}

ConnectionInfo plainConnection() {
  ConnectionInfo c;
  c.client_ip = "198.51.100.7";
  c.client_port = 51000;
  return c;
}

TEST_CASE("stripHopByHopHeaders removes the RFC 9110 connection-specific fields", "[forwarding]") {
  HeaderList h;
  for (const char* name :
       {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade", "proxy-authenticate", "proxy-authorization"})
    h.add(name, "x");
  h.add("accept", "*/*");
  h.add("authorization", "Bearer t");
  stripHopByHopHeaders(h);
  CHECK(names(h) == std::vector<std::string>{"accept", "authorization"});
  CHECK(h.bytes() == std::string("accept*/*authorizationBearer t").size());
}

TEST_CASE("stripHopByHopHeaders removes the fields named in Connection", "[forwarding]") {
  HeaderList h;
  h.add("connection", "close,  X-Internal-Token ,\tX-Trace,,");
  h.add("x-internal-token", "secret");
  h.add("x-trace", "1");
  h.add("x-trace", "2");
  h.add("x-kept", "k");
  h.add("connection", "x-second");  // a second Connection field counts too
  h.add("x-second", "s");
  stripHopByHopHeaders(h);
  CHECK(names(h) == std::vector<std::string>{"x-kept"});
}

TEST_CASE("stripHopByHopHeaders leaves a list without Connection alone", "[forwarding]") {
  HeaderList h;
  h.add("accept", "a");
  h.add("cookie", "c=1");
  h.add("cookie", "d=2");
  stripHopByHopHeaders(h);
  CHECK(names(h) == std::vector<std::string>{"accept", "cookie", "cookie"});
}

TEST_CASE("buildUpstreamRequestHead shapes the upstream head", "[forwarding]") {
  RequestHead req = request();
  req.headers.add("connection", "keep-alive, X-Hop");
  req.headers.add("x-hop", "1");
  req.headers.add("expect", "100-continue");
  req.headers.add("x-forwarded-for", "203.0.113.1");
  req.headers.add("x-forwarded-proto", "https");
  req.headers.add("x-forwarded-host", "spoofed.example");
  req.headers.add("x-request-id", "client-chosen");
  req.expect_continue = true;
  req.absolute_form = true;
  req.absolute_authority = "app.example.com:8080";
  req.protocol = HttpProtocol::Http2;
  req.chunked = true;
  req.h2_fingerprint = "1:65536;4:131072|12517377|0|m,a,s,p";
  const RequestHead out =
      buildUpstreamRequestHead(req, plainConnection(), ForwardingConfig{}, "0123abcd");

  SECTION("Host first, client order kept, forwarding headers appended") {
    CHECK(names(out.headers) == std::vector<std::string>{"host", "user-agent", "content-length",
                                                         "x-forwarded-for", "x-forwarded-proto",
                                                         "x-forwarded-host", "x-request-id"});
    CHECK(*out.headers.find("host") == "app.example.com:8080");
    CHECK(out.headers.count("host") == 1);
  }
  SECTION("untrusted client values are replaced, not appended") {
    CHECK(*out.headers.find("x-forwarded-for") == "198.51.100.7");
    CHECK(*out.headers.find("x-forwarded-proto") == "http");
    CHECK(*out.headers.find("x-forwarded-host") == "app.example.com:8080");
    CHECK(*out.headers.find("x-request-id") == "0123abcd");
    for (const char* name :
         {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id"})
      CHECK(out.headers.count(name) == 1);
  }
  SECTION("hop-by-hop and Expect removed") {
    CHECK(out.headers.find("connection") == nullptr);
    CHECK(out.headers.find("x-hop") == nullptr);
    CHECK(out.headers.find("expect") == nullptr);
  }
  SECTION("the rest of the head is copied, the input untouched") {
    CHECK(out.method == "POST");
    CHECK(out.target == "/submit?x=1");
    CHECK(out.authority == "app.example.com:8080");
    CHECK(out.content_length == 5);
    CHECK(out.has_body);
    CHECK(out.scheme == "http");
    CHECK(out.absolute_form);
    CHECK(out.absolute_authority == "app.example.com:8080");
    CHECK(out.protocol == HttpProtocol::Http2);
    CHECK(out.chunked);
    CHECK(out.expect_continue);
    CHECK(out.h2_fingerprint == req.h2_fingerprint);
    CHECK(*out.headers.find("content-length") == "5");
    CHECK(req.headers.find("expect") != nullptr);
    CHECK(*req.headers.find("x-forwarded-for") == "203.0.113.1");
  }
  SECTION("bytes() matches the fields") {
    std::size_t bytes = 0;
    for (const auto& f : out.headers) bytes += f.name.size() + f.value.size();
    CHECK(out.headers.bytes() == bytes);
  }
}

TEST_CASE("buildUpstreamRequestHead adds Host from the authority when the client sent none",
          "[forwarding]") {
  RequestHead req = request();
  req.headers.remove("host");  // h2: :authority only
  req.protocol = HttpProtocol::Http2;
  const RequestHead out = buildUpstreamRequestHead(req, plainConnection(), {}, "id");
  REQUIRE_FALSE(out.headers.empty());
  CHECK(out.headers.fields().front().name == "host");
  CHECK(out.headers.fields().front().value == "app.example.com:8080");
}

TEST_CASE("X-Forwarded-Proto is https on TLS", "[forwarding]") {
  ConnectionInfo tls = plainConnection();
  tls.tls = true;
  tls.tls_version = "TLSv1.3";
  const RequestHead out = buildUpstreamRequestHead(request(), tls, {}, "id");
  CHECK(*out.headers.find("x-forwarded-proto") == "https");
}

TEST_CASE("trusted forwarding appends to X-Forwarded-For and keeps proto and host",
          "[forwarding]") {
  ForwardingConfig trusted;
  trusted.trust_incoming_forwarded = true;
  SECTION("with incoming values") {
    RequestHead req = request();
    req.headers.add("x-forwarded-for", "203.0.113.1, 10.0.0.2");
    req.headers.add("x-forwarded-proto", "https");
    req.headers.add("x-forwarded-host", "public.example.com");
    const RequestHead out = buildUpstreamRequestHead(req, plainConnection(), trusted, "id");
    CHECK(*out.headers.find("x-forwarded-for") == "203.0.113.1, 10.0.0.2, 198.51.100.7");
    CHECK(*out.headers.find("x-forwarded-proto") == "https");
    CHECK(*out.headers.find("x-forwarded-host") == "public.example.com");
    CHECK(out.headers.count("x-forwarded-for") == 1);
  }
  SECTION("without incoming values it falls back to its own") {
    const RequestHead out = buildUpstreamRequestHead(request(), plainConnection(), trusted, "id");
    CHECK(*out.headers.find("x-forwarded-for") == "198.51.100.7");
    CHECK(*out.headers.find("x-forwarded-proto") == "http");
    CHECK(*out.headers.find("x-forwarded-host") == "app.example.com:8080");
  }
  SECTION("X-Request-Id is always the one passed in (the exchange decides trust)") {
    RequestHead req = request();
    req.headers.add("x-request-id", "client-chosen");
    const RequestHead out = buildUpstreamRequestHead(req, plainConnection(), trusted, "chosen");
    CHECK(*out.headers.find("x-request-id") == "chosen");
    CHECK(out.headers.count("x-request-id") == 1);
  }
}

// Regression test (bug found and fixed): with trust_incoming_forwarded, only the first X-Forwarded-For field is kept
// (HeaderList::find); a trusted hop that adds its own X-Forwarded-For line instead of appending
// to the existing one loses the addresses in every later line (RFC 9110 §5.3: repeated fields
// are one comma-separated list).
TEST_CASE("trusted forwarding keeps every incoming X-Forwarded-For field",
          "[forwarding]") {
  ForwardingConfig trusted;
  trusted.trust_incoming_forwarded = true;
  RequestHead req = request();
  req.headers.add("x-forwarded-for", "203.0.113.1");
  req.headers.add("x-forwarded-for", "10.0.0.2");
  const RequestHead out = buildUpstreamRequestHead(req, plainConnection(), trusted, "id");
  CHECK(*out.headers.find("x-forwarded-for") == "203.0.113.1, 10.0.0.2, 198.51.100.7");
}

}  // namespace
}  // namespace rampart
