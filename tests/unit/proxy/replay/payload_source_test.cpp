#include "proxy/replay/payload_source.h"

#include <catch2/catch.hpp>

#include "proxy/replay/request_builder.h"

namespace rampart::replay {

TEST_CASE("payload lists: comments and blank lines skipped, one test per place",
          "[replay][payload_source]") {
  PayloadOptions opts;
  opts.places = {PayloadPlace::Query, PayloadPlace::Json};
  opts.expect = PayloadExpect::Pass;
  std::vector<TestCase> out;
  loadPayloadString("# comment\n\n' or 1=1--\r\n   \n<script>\n", "lists/sqli/a.txt", "sqli", opts,
                    out);
  REQUIRE(out.size() == 4);
  CHECK(out[0].name == "sqli/a.txt:3@query");
  CHECK(out[1].name == "sqli/a.txt:3@json");
  CHECK(out[2].name == "sqli/a.txt:5@query");
  CHECK(out[0].group == "sqli");
  CHECK(out[0].kind == SuiteKind::Payload);
  CHECK(out[0].description == "' or 1=1--");
  CHECK(out[0].stages[0].output.payload == PayloadExpect::Pass);
}

TEST_CASE("payload places", "[replay][payload_source]") {
  PayloadOptions opts;
  const std::string p = "a\"b c/<&>\x01";
  auto bytes = [&](PayloadPlace place) { return buildRequest(payloadRequest(p, place, opts), "").bytes; };
  CHECK(bytes(PayloadPlace::Query).rfind("GET /?q=a%22b+c%2F%3C%26%3E%01 HTTP/1.1\r\n", 0) == 0);
  CHECK(bytes(PayloadPlace::Path).rfind("GET /a%22b%20c/%3C%26%3E%01 HTTP/1.1\r\n", 0) == 0);
  const std::string form = bytes(PayloadPlace::Form);
  CHECK(form.rfind("POST / HTTP/1.1\r\n", 0) == 0);
  CHECK(form.find("Content-Type: application/x-www-form-urlencoded\r\n") != std::string::npos);
  CHECK(form.find("Content-Length: 24\r\n") != std::string::npos);
  CHECK(form.substr(form.size() - 24) == "q=a%22b+c%2F%3C%26%3E%01");
  const std::string json = bytes(PayloadPlace::Json);
  CHECK(json.find("Content-Type: application/json\r\n") != std::string::npos);
  CHECK(json.substr(json.find("\r\n\r\n") + 4) == "{\"q\":\"a\\\"b c/<&>\\u0001\"}");
  CHECK(bytes(PayloadPlace::Header).find("\r\nReferer: a\"b c/<&>%01\r\n") != std::string::npos);
  CHECK(bytes(PayloadPlace::Cookie).find("\r\nCookie: q=a%22b+c%2F%3C%26%3E%01\r\n") !=
        std::string::npos);
  CHECK(parsePlace("cookie") == PayloadPlace::Cookie);
  CHECK_FALSE(parsePlace("body").has_value());
}

}  // namespace rampart::replay
