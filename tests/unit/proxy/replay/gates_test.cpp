#include "proxy/replay/gates.h"

#include <catch2/catch.hpp>

namespace rampart::replay {
namespace {

TestResult result(std::string group, Outcome o, SuiteKind kind = SuiteKind::Ftw,
                  bool blocked = false, bool expect_pass = false) {
  TestResult r;
  r.name = group + "-x";
  r.group = std::move(group);
  r.kind = kind;
  r.outcome = o;
  r.blocked = blocked;
  r.expect_pass = expect_pass;
  StageResult s;
  s.got_response = true;
  r.stages.push_back(s);
  return r;
}

const GateResult* find(const std::vector<GateResult>& v, std::string_view gate) {
  for (const auto& g : v) {
    if (g.gate == gate) return &g;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("gates file parsing", "[replay][gates]") {
  auto g = parseGates(R"(
crs:
  min_passed: 2360
  max_failed: 0
payloads:
  min_block_rate: {sqli: 80, "*": 50.5}
benign:
  max_false_positive_rate: 1
)",
                      "gates.yaml");
  REQUIRE(g);
  CHECK(g->suites.at("crs").min_passed == std::size_t{2360});
  CHECK(g->suites.at("crs").max_failed == std::size_t{0});
  CHECK(g->suites.at("payloads").min_block_rate.at("sqli") == 80);
  CHECK(g->suites.at("payloads").min_block_rate.at("*") == 50.5);
  CHECK(g->suites.at("benign").max_false_positive_rate == 1.0);

  auto bad = parseGates("crs:\n  min_pased: 1\n", "gates.yaml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().detail == "gates.yaml:2: unknown gate `min_pased` in crs");
  CHECK_FALSE(parseGates("crs:\n  min_block_rate: 150\n", "g"));
  CHECK_FALSE(parseGates("crs:\n  min_passed: -1\n", "g"));
  CHECK_FALSE(parseGates("- a\n", "g"));
  CHECK_FALSE(parseGates("crs: [\n", "g"));
}

TEST_CASE("gates evaluation", "[replay][gates]") {
  auto gates = parseGates(R"(
crs: {min_passed: 2, max_failed: 1}
payloads: {min_block_rate: {sqli: 50, xss: 10, "*": 90}}
benign: {max_false_positive_rate: 10}
)",
                          "g");
  REQUIRE(gates);

  SECTION("pass counts and failures (errors count as failures, ignored ones do not)") {
    const RunSummary s = summarise({result("a", Outcome::Passed), result("a", Outcome::Passed),
                                    result("b", Outcome::Ignored), result("b", Outcome::Error)});
    auto r = evaluateGates(*gates, "crs", s);
    REQUIRE(r);
    CHECK(find(*r, "min_passed")->met);
    CHECK(find(*r, "max_failed")->met);
    const RunSummary worse = summarise({result("a", Outcome::Passed), result("b", Outcome::Failed),
                                        result("b", Outcome::Error)});
    r = evaluateGates(*gates, "crs", worse);
    REQUIRE(r);
    CHECK_FALSE(find(*r, "min_passed")->met);
    CHECK_FALSE(find(*r, "max_failed")->met);
    CHECK(find(*r, "max_failed")->got == 2);
  }
  SECTION("block rate per class, '*' for the rest, a named class must be present") {
    const auto P = SuiteKind::Payload;
    const RunSummary s = summarise({result("sqli", Outcome::Passed, P, true),
                                    result("sqli", Outcome::Failed, P, false),
                                    result("lfi", Outcome::Passed, P, true)});
    auto r = evaluateGates(*gates, "payloads", s);
    REQUIRE(r);
    CHECK(find(*r, "min_block_rate[sqli]")->met);  // 50 >= 50
    CHECK(find(*r, "min_block_rate[sqli]")->got == 50);
    CHECK_FALSE(find(*r, "min_block_rate[xss]")->met);  // absent from the run
    CHECK(find(*r, "min_block_rate[lfi]")->met);        // 100 >= 90 via "*"
  }
  SECTION("an ignored payload (no attack on its own) counts for neither side of the rate") {
    const auto P = SuiteKind::Payload;
    const RunSummary s = summarise({result("sqli", Outcome::Passed, P, true),
                                    result("sqli", Outcome::Ignored, P, false),
                                    result("sqli", Outcome::Ignored, P, false)});
    auto r = evaluateGates(*gates, "payloads", s);
    REQUIRE(r);
    CHECK(find(*r, "min_block_rate[sqli]")->got == 100);
    CHECK(s.groups.front().ignored == 2);
  }
  SECTION("false-positive rate of an --expect pass suite") {
    const auto P = SuiteKind::Payload;
    std::vector<TestResult> v;
    for (int i = 0; i < 9; ++i) v.push_back(result("benign", Outcome::Passed, P, false, true));
    v.push_back(result("benign", Outcome::Failed, P, true, true));
    auto r = evaluateGates(*gates, "benign", summarise(v));
    REQUIRE(r);
    CHECK(find(*r, "max_false_positive_rate")->got == 10);
    CHECK(find(*r, "max_false_positive_rate")->met);
    v.push_back(result("benign", Outcome::Failed, P, true, true));
    r = evaluateGates(*gates, "benign", summarise(v));
    CHECK_FALSE(find(*r, "max_false_positive_rate")->met);
  }
  SECTION("false-positive rate of a benign ftw suite: failed and errored tests, not ignored ones") {
    std::vector<TestResult> v;
    for (int i = 0; i < 17; ++i) v.push_back(result("json-comment", Outcome::Passed));
    v.push_back(result("json-comment", Outcome::Failed));
    v.push_back(result("graphql", Outcome::Error));
    v.push_back(result("graphql", Outcome::Ignored));
    auto r = evaluateGates(*gates, "benign", summarise(v));
    REQUIRE(r);
    CHECK(find(*r, "max_false_positive_rate")->got == Approx(100.0 * 2 / 19));
    CHECK_FALSE(find(*r, "max_false_positive_rate")->met);  // 10.5 > 10
    v.push_back(result("graphql", Outcome::Passed));
    r = evaluateGates(*gates, "benign", summarise(v));
    CHECK(find(*r, "max_false_positive_rate")->met);  // 2 / 20 = 10
  }
  SECTION("a suite without gates is an error, not a pass") {
    auto r = evaluateGates(*gates, "nope", summarise({}));
    REQUIRE_FALSE(r);
    CHECK(r.error().detail.find("no gates for suite 'nope'") != std::string::npos);
  }
}

}  // namespace rampart::replay
