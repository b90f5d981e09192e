// Results of a replay run: per test, per summary row (CRS rule folder / payload class) and in
// total; the stdout table and the JSON report (schema in docs/replay.md).
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "proxy/replay/test_case.h"

namespace rampart::replay {

enum class Outcome {
  Passed,
  Failed,   // an expectation was not met
  Error,    // could not be judged: no response when one was expected, no decision record, ...
  Ignored,  // failed or errored, but listed in the ignore file
};
std::string_view outcomeName(Outcome o);

struct StageResult {
  bool got_response = false;
  int status = 0;
  std::string error;       // transport error
  std::string request_id;
  bool marker_sent = false;
  std::string marker;
  bool record_found = false;
  std::vector<std::string> rule_ids;       // CRS rules in the stage's decision record
  std::vector<std::string> signature_ids;  // rampart signatures in it
  std::string reason;      // why this stage failed / errored
};

struct TestResult {
  std::string name;
  std::string group;
  std::string file;
  SuiteKind kind = SuiteKind::Ftw;
  std::string payload;        // payload tests: the payload line
  Outcome outcome = Outcome::Passed;
  std::string reason;         // first failing stage's reason
  std::string ignore_reason;  // from the ignore file, when listed
  bool blocked = false;       // payload tests
  bool expect_pass = false;   // payload tests run with --expect pass
  double duration_ms = 0;
  std::vector<StageResult> stages;
};

struct GroupSummary {
  std::string group;
  SuiteKind kind = SuiteKind::Ftw;
  std::size_t total = 0, passed = 0, failed = 0, ignored = 0, errors = 0;
  std::size_t responded = 0, blocked = 0;  // payload tests
  bool expect_pass = false;
  // blocked / responded, in percent (payload rows); 0 when nothing responded
  double blockRate() const;
};

struct LoadStats {
  std::size_t files = 0;
  std::size_t tests_loaded = 0;
  std::size_t disabled_files = 0;
  std::size_t disabled_tests = 0;
  std::vector<LoadError> errors;
};

struct RunSummary {
  std::vector<GroupSummary> groups;  // sorted by (kind, group)
  GroupSummary total;                // group "TOTAL"
  std::size_t unused_ignore_entries = 0;
  // Each rule or signature id in the records of failed tests, with how many failed tests it is
  // in: most first (then by id). What a false positive or a missed attack was decided by.
  std::vector<std::pair<std::string, std::size_t>> failed_rules;
};

RunSummary summarise(const std::vector<TestResult>& results);

void printSummary(std::FILE* out, const RunSummary& summary, const LoadStats& load);

struct GateResult;  // gates.h

struct ReportMeta {
  std::string target;
  std::string suite;
  std::string started_utc;
  double duration_s = 0;
  int exit_status = 0;
};

std::string reportJson(const ReportMeta& meta, const RunSummary& summary, const LoadStats& load,
                       const std::vector<TestResult>& results,
                       const std::vector<GateResult>& gates);

}  // namespace rampart::replay
