// corpus/gates.yaml: what a replay suite must reach for CI to pass. Top level: suite name ->
//   min_passed: N                 tests passed (ignored ones do not count)
//   max_failed: N                 failed + errors (not ignored)
//   min_block_rate: P | {class: P, "*": P}   percent blocked per payload class (--expect block)
//   max_false_positive_rate: P    percent blocked of an --expect pass payload suite; for ftw
//                                 tests (a benign corpus expecting 200), percent failed or errored
// Unknown keys and a suite missing from the file are errors, so CI never passes by accident.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/api/error.h"
#include "proxy/replay/report.h"

namespace rampart::replay {

struct SuiteGates {
  std::optional<std::size_t> min_passed;
  std::optional<std::size_t> max_failed;
  std::map<std::string, double> min_block_rate;  // class -> percent; "*" = every class
  std::optional<double> max_false_positive_rate;
};

struct GateFile {
  std::map<std::string, SuiteGates> suites;
};

struct GateResult {
  std::string suite;
  std::string gate;   // "min_passed", "min_block_rate[sqli]", ...
  double want = 0;
  double got = 0;
  bool met = false;
};

Result<GateFile> parseGates(std::string_view yaml, const std::string& source);
Result<GateFile> loadGatesFile(const std::string& path);

// Evaluates the suite's gates on the run. An error when the suite has no entry.
Result<std::vector<GateResult>> evaluateGates(const GateFile& gates, const std::string& suite,
                                              const RunSummary& summary);

}  // namespace rampart::replay
