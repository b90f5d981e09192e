#include "proxy/replay/ftw_loader.h"

#include <catch2/catch.hpp>
#include <string>

namespace rampart::replay {
namespace {

// A legacy CRS 3.3.4 file, cut down from REQUEST-920-PROTOCOL-ENFORCEMENT/920100.yaml and
// 920270.yaml (Apache-2.0, OWASP CRS): the `stage:` wrapper, a headers mapping, status lists.
constexpr const char* kLegacy = R"(---
  meta:
    author: "csanders-git"
    enabled: true
    name: "920100.yaml"
    description: "Tests to trigger, or not trigger 920100"
  tests:
    -
      # Standard GET request
      test_title: 920100-1
      stages:
        -
          stage:
            input:
              dest_addr: "127.0.0.1"
              method: "GET"
              port: 80
              headers:
                  User-Agent: "ModSecurity CRS 3 Tests"
                  Host: "localhost"
              protocol: "http"
              uri: "/"
              version: "HTTP/1.1"
            output:
              no_log_contains: "id \"920100\""
    -
      test_title: 920100-4
      stages:
        -
          stage:
            input:
              dest_addr: "127.0.0.1"
              method: "CONNECT"
              port: 80
              headers:
                  User-Agent: "ModSecurity CRS 3 Tests"
                  Host: "localhost"
              uri: "1.2.3.4:80"
              version: "HTTP/1.1"
            output:
              status: [405, 403]
    -
      test_title: 920100-9
      stages:
        -
          stage:
            input:
              headers:
                  Host: "localhost"
              version: ""
              stop_magic: true
              data:
                - "a=1"
                - "b=2"
            output:
              log_contains: id "920100"
              expect_error: true
)";

constexpr const char* kGoFtw = R"(---
meta:
  author: "crs"
rule_id: 942100
tests:
  - test_id: 1
    desc: "go-ftw layout"
    stages:
      - input:
          dest_addr: "127.0.0.1"
          port: 80
          method: "POST"
          autocomplete_headers: false
          headers:
            - name: Host
              value: localhost
            - name: Accept
              value: a
            - name: Accept
              value: b
          data: "x=1"
        output:
          status: 200
          log:
            expect_ids: [942100]
            no_expect_ids: [942101, 942102]
  - test_id: 2
    stages:
      - input:
          encoded_request: "R0VUIC8gSFRUUC8xLjENCg0K"
        output:
          response_contains: "hello"
)";

}  // namespace

TEST_CASE("ftw loader reads the legacy CRS 3.x layout", "[replay][ftw_loader]") {
  FtwLoadResult r;
  loadFtwString(kLegacy, "tests/920100.yaml", "REQUEST-920", r);
  REQUIRE(r.errors.empty());
  REQUIRE(r.tests.size() == 3);
  const TestCase& t1 = r.tests[0];
  CHECK(t1.name == "920100-1");
  CHECK(t1.group == "REQUEST-920");
  CHECK(t1.file == "tests/920100.yaml");
  REQUIRE(t1.stages.size() == 1);
  const HttpInput& in = t1.stages[0].input;
  CHECK(in.method == "GET");
  CHECK(in.uri == "/");
  CHECK(in.version == "HTTP/1.1");
  REQUIRE(in.headers.size() == 2);
  CHECK(in.headers[0].first == "User-Agent");  // file order kept
  CHECK(in.headers[1] == std::pair<std::string, std::string>("Host", "localhost"));
  CHECK(in.autocomplete_headers);
  CHECK(t1.stages[0].output.no_log_contains == std::vector<std::string>{"id \"920100\""});

  CHECK(r.tests[1].stages[0].output.status == std::vector<int>{405, 403});
  CHECK(r.tests[1].stages[0].input.uri == "1.2.3.4:80");

  const TestStage& s3 = r.tests[2].stages[0];
  CHECK(s3.input.version.empty());  // an empty version is sent as written
  CHECK(s3.input.method == "GET");
  CHECK_FALSE(s3.input.autocomplete_headers);  // stop_magic
  CHECK(s3.input.data == "a=1\r\nb=2");         // a list is joined with CRLF
  CHECK(s3.output.expect_error);
  CHECK(s3.output.log_contains == std::vector<std::string>{"id \"920100\""});
}

TEST_CASE("ftw loader reads the go-ftw layout", "[replay][ftw_loader]") {
  FtwLoadResult r;
  loadFtwString(kGoFtw, "942100.yaml", "g", r);
  REQUIRE(r.errors.empty());
  REQUIRE(r.tests.size() == 2);
  CHECK(r.tests[0].name == "942100-1");
  const TestStage& s = r.tests[0].stages[0];
  CHECK(s.input.method == "POST");
  CHECK_FALSE(s.input.autocomplete_headers);
  REQUIRE(s.input.headers.size() == 3);
  CHECK(s.input.headers[1].second == "a");  // duplicates kept in order
  CHECK(s.input.headers[2].second == "b");
  CHECK(s.output.status == std::vector<int>{200});
  CHECK(s.output.expect_ids == std::vector<std::string>{"942100"});
  CHECK(s.output.no_expect_ids == std::vector<std::string>{"942101", "942102"});
  const TestStage& s2 = r.tests[1].stages[0];
  REQUIRE(s2.input.raw.has_value());
  CHECK(*s2.input.raw == "GET / HTTP/1.1\r\n\r\n");
  CHECK(s2.output.response_contains == std::string("hello"));
}

TEST_CASE("ftw loader skips disabled files and counts them", "[replay][ftw_loader]") {
  FtwLoadResult r;
  loadFtwString("meta: {enabled: false}\ntests:\n  - test_title: a\n  - test_title: b\n", "x.yaml",
                "g", r);
  CHECK(r.tests.empty());
  CHECK(r.errors.empty());
  CHECK(r.disabled_files == 1);
  CHECK(r.disabled_tests == 2);
}

TEST_CASE("ftw loader reports malformed files and tests by name", "[replay][ftw_loader]") {
  SECTION("YAML syntax error: the file, the line") {
    FtwLoadResult r;
    loadFtwString("tests:\n  - test_title: [unclosed\n", "bad.yaml", "g", r);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].file == "bad.yaml");
    CHECK(r.errors[0].message.find("line") != std::string::npos);
  }
  SECTION("no tests list") {
    FtwLoadResult r;
    loadFtwString("meta: {enabled: true}\n", "empty.yaml", "g", r);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].message.find("tests") != std::string::npos);
  }
  SECTION("one bad test; the others still load") {
    FtwLoadResult r;
    loadFtwString(R"(
tests:
  - test_title: good-1
    stages:
      - stage: {input: {uri: /}, output: {status: 200}}
  - test_title: bad-2
    stages:
      - stage: {input: {uri: /}, output: {status: abc}}
  - test_title: bad-3
    stages:
      - stage: {input: {encoded_request: "!!!"}, output: {status: 200}}
  - test_title: bad-4
    stages:
      - stage: {input: {protocol: gopher}, output: {status: 200}}
  - test_title: bad-5
)",
                  "mixed.yaml", "g", r);
    REQUIRE(r.tests.size() == 1);
    CHECK(r.tests[0].name == "good-1");
    REQUIRE(r.errors.size() == 4);
    CHECK(r.errors[0].test == "bad-2");
    CHECK(r.errors[0].file == "mixed.yaml");
    CHECK(r.errors[0].message.find("status must be an integer") != std::string::npos);
    CHECK(r.errors[1].test == "bad-3");
    CHECK(r.errors[1].message.find("base64") != std::string::npos);
    CHECK(r.errors[2].message.find("not supported") != std::string::npos);
    CHECK(r.errors[3].message.find("stages") != std::string::npos);
  }
}

TEST_CASE("base64 decoding", "[replay][ftw_loader]") {
  CHECK(decodeBase64("aGVsbG8=") == std::string("hello"));
  CHECK(decodeBase64("aGVsbG8") == std::string("hello"));
  CHECK(decodeBase64("aGVs\nbG8=") == std::string("hello"));
  CHECK(decodeBase64("rO0ABQ==") == std::string("\xac\xed\x00\x05", 4));
  CHECK_FALSE(decodeBase64("a*b").has_value());
  CHECK_FALSE(decodeBase64("aGVsbG8=x").has_value());
  CHECK_FALSE(decodeBase64("a").has_value());
}

}  // namespace rampart::replay
