#include "proxy/replay/report.h"

#include <catch2/catch.hpp>

#include "proxy/replay/gates.h"

namespace rampart::replay {
namespace {

TestResult failedWith(std::vector<std::vector<std::string>> rules_per_stage,
                      std::vector<std::string> signatures = {},
                      Outcome outcome = Outcome::Failed) {
  TestResult r;
  r.name = "t";
  r.group = "g";
  r.outcome = outcome;
  for (auto& rules : rules_per_stage) {
    StageResult s;
    s.got_response = true;
    s.rule_ids = std::move(rules);
    s.signature_ids = signatures;
    r.stages.push_back(std::move(s));
  }
  return r;
}

}  // namespace

TEST_CASE("summary: rules in failed tests, most first, once per test", "[replay]") {
  const RunSummary s = summarise({
      failedWith({{"932100", "942100"}, {"932100"}}),  // two stages, 932100 counts once
      failedWith({{"932100"}}, {"cmdi.separator-command"}),
      failedWith({{"942100"}}),
      failedWith({{"941100"}}, {}, Outcome::Passed),  // passed: not counted
      failedWith({{"949110"}}, {}, Outcome::Error),   // errors are not failures
  });
  using Count = std::pair<std::string, std::size_t>;
  CHECK(s.failed_rules == std::vector<Count>{{"932100", 2}, {"942100", 2},
                                             {"cmdi.separator-command", 1}});
}

TEST_CASE("report JSON lists the failed tests' rules and each stage's signatures", "[replay]") {
  const std::vector<TestResult> results = {failedWith({{"942100"}}, {"sqli.boolean-tautology"})};
  const std::string json = reportJson({}, summarise(results), {}, results, {});
  CHECK(json.find(R"("failed_rules":[{"id":"942100","failed_tests":1},)"
                  R"({"id":"sqli.boolean-tautology","failed_tests":1}])") != std::string::npos);
  CHECK(json.find(R"("rule_ids":["942100"],"signature_ids":["sqli.boolean-tautology"])") !=
        std::string::npos);
}

}  // namespace rampart::replay
