// Judges one stage with go-ftw semantics, from what the client saw and the request's decision
// record. Pure functions: no I/O, so the unit tests feed fake outcomes and records.
//
//   status             the response status must be one of the listed values
//   log_contains       the rule id(s) in the pattern (`id "942100"` -> 942100) must be among the
//                      record's rules[].id; no_log_contains: none of them may be
//   log.expect_ids     the same, with the ids given directly (go-ftw v2)
//   expect_error: true the client must get NO proper HTTP response (reset, timeout, garbage).
//                      A 400 is a response, hence a failure, as in go-ftw.
//   no response while expect_error is not set: an error (the test could not run as written).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/replay/decision_log_reader.h"
#include "proxy/replay/test_case.h"

namespace rampart::replay {

// What happened when one stage was sent.
struct StageOutcome {
  bool got_response = false;
  std::string error;        // transport error when !got_response
  int status = 0;
  std::string request_id;   // x-request-id response header
  std::string body;
  std::optional<RecordInfo> record;  // the decision record, when found
  bool record_looked_up = false;     // false: no log expectation, nothing was waited for
};

enum class Verdict { Passed, Failed, Error };

struct StageVerdict {
  Verdict verdict = Verdict::Passed;
  std::string reason;   // why it failed / errored ("" when passed)
  bool blocked = false;  // payload tests: the request was blocked
};

// The rule ids named in a log_contains pattern: every run of 3+ digits ("id \"942100\"",
// "id:921140", "930120"). Empty when the pattern names none (it cannot be judged).
std::vector<std::string> ruleIdsInPattern(std::string_view pattern);

// True when judging `e` needs the decision record.
bool needsRecord(const Expectations& e);

// A 4xx answered by rampart itself (its JSON local reply), not by the upstream.
bool isRefusalByRampart(const StageOutcome& outcome);

StageVerdict judgeStage(const Expectations& e, const StageOutcome& o);

}  // namespace rampart::replay
