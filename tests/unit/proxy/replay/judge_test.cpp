#include "proxy/replay/judge.h"

#include <catch2/catch.hpp>

namespace rampart::replay {
namespace {

StageOutcome response(int status, std::vector<std::string> rules = {}, bool with_record = true) {
  StageOutcome o;
  o.got_response = true;
  o.status = status;
  o.request_id = "abc";
  if (with_record) {
    RecordInfo r;
    r.request_id = "abc";
    r.status = status;
    r.action = status == 403 ? "block" : "allow";
    r.rule_ids = std::move(rules);
    o.record = r;
  }
  return o;
}

StageOutcome noResponse(std::string error) {
  StageOutcome o;
  o.error = std::move(error);
  return o;
}

}  // namespace

TEST_CASE("rule ids come out of log_contains patterns", "[replay][judge]") {
  CHECK(ruleIdsInPattern("id \"942100\"") == std::vector<std::string>{"942100"});
  CHECK(ruleIdsInPattern("id:921140") == std::vector<std::string>{"921140"});
  CHECK(ruleIdsInPattern("id \"942480") == std::vector<std::string>{"942480"});
  CHECK(ruleIdsInPattern("930120") == std::vector<std::string>{"930120"});
  CHECK(ruleIdsInPattern("id \"(942100|942101)\"") ==
        std::vector<std::string>{"942100", "942101"});
  CHECK(ruleIdsInPattern("no ids here 12").empty());
}

TEST_CASE("status expectations", "[replay][judge]") {
  Expectations e;
  e.status = {403, 400};
  CHECK(judgeStage(e, response(400)).verdict == Verdict::Passed);
  const StageVerdict v = judgeStage(e, response(200));
  CHECK(v.verdict == Verdict::Failed);
  CHECK(v.reason == "status 200, expected 403, 400");
  // no response while none was expected to fail: an error, not a failure
  CHECK(judgeStage(e, noResponse("timeout")).verdict == Verdict::Error);
}

TEST_CASE("log_contains and no_log_contains look at the record's rule ids", "[replay][judge]") {
  Expectations e;
  e.log_contains = {"id \"942100\""};
  CHECK(judgeStage(e, response(200, {"942100", "949110"})).verdict == Verdict::Passed);
  StageVerdict v = judgeStage(e, response(200, {"941100"}));
  CHECK(v.verdict == Verdict::Failed);
  CHECK(v.reason.find("942100 did not match") != std::string::npos);
  // an absent rules array means no rules matched
  CHECK(judgeStage(e, response(200, {})).verdict == Verdict::Failed);
  // no record at all: cannot judge
  v = judgeStage(e, response(200, {}, false));
  CHECK(v.verdict == Verdict::Error);
  CHECK(v.reason.find("no decision record for request_id abc") != std::string::npos);

  Expectations n;
  n.no_log_contains = {"id \"920100\""};
  CHECK(judgeStage(n, response(200, {"942100"})).verdict == Verdict::Passed);
  CHECK(judgeStage(n, response(200, {"920100"})).verdict == Verdict::Failed);

  Expectations ids;
  ids.expect_ids = {"1"};
  ids.no_expect_ids = {"2"};
  CHECK(judgeStage(ids, response(200, {"1"})).verdict == Verdict::Passed);
  CHECK(judgeStage(ids, response(200, {"1", "2"})).verdict == Verdict::Failed);

  Expectations bad;
  bad.log_contains = {"SQL Injection"};
  CHECK(judgeStage(bad, response(200, {"942100"})).verdict == Verdict::Error);
}

TEST_CASE("expect_error: a response, even a 400, is not an error", "[replay][judge]") {
  Expectations e;
  e.expect_error = true;
  CHECK(judgeStage(e, noResponse("connection reset")).verdict == Verdict::Passed);
  CHECK(judgeStage(e, noResponse("timeout: no response")).verdict == Verdict::Passed);
  const StageVerdict v = judgeStage(e, response(400));
  CHECK(v.verdict == Verdict::Failed);
  CHECK(v.reason == "expected a connection error (expect_error), got HTTP 400");
  // expect_error together with log_contains: both are checked
  e.log_contains = {"id \"920430\""};
  StageOutcome o = noResponse("connection reset");
  RecordInfo r;
  r.rule_ids = {"920430"};
  o.record = r;
  CHECK(judgeStage(e, o).verdict == Verdict::Passed);
}

TEST_CASE("response_contains", "[replay][judge]") {
  Expectations e;
  e.response_contains = "hel+o";
  StageOutcome o = response(200);
  o.body = "why hello";
  CHECK(judgeStage(e, o).verdict == Verdict::Passed);
  o.body = "bye";
  CHECK(judgeStage(e, o).verdict == Verdict::Failed);
  e.response_contains = "(";
  CHECK(judgeStage(e, o).verdict == Verdict::Error);
}

TEST_CASE("payload expectations: block and pass", "[replay][judge]") {
  Expectations block;
  block.payload = PayloadExpect::Block;
  block.block_status = 403;
  StageVerdict v = judgeStage(block, response(403));
  CHECK(v.verdict == Verdict::Passed);
  CHECK(v.blocked);
  v = judgeStage(block, response(200));
  CHECK(v.verdict == Verdict::Failed);
  CHECK_FALSE(v.blocked);
  block.block_status = 406;
  CHECK(judgeStage(block, response(406, {}, false)).blocked);
  // Refused by rampart before any stage (400 invalid byte, 414 target too long): blocked; the
  // same status from the upstream with its own body is not.
  block.block_status = 403;
  StageOutcome refused = response(414, {}, false);
  refused.body = "{\"status\":414,\"reason\":\"uri_too_long\"}";
  CHECK(judgeStage(block, refused).blocked);
  refused.body = "<html>414</html>";
  CHECK_FALSE(judgeStage(block, refused).blocked);
  refused.status = 200;
  refused.body = "{\"status\":200,\"reason\":\"ok\"}";
  CHECK_FALSE(judgeStage(block, refused).blocked);

  Expectations pass;
  pass.payload = PayloadExpect::Pass;
  CHECK(judgeStage(pass, response(200)).verdict == Verdict::Passed);
  v = judgeStage(pass, response(403));
  CHECK(v.verdict == Verdict::Failed);
  CHECK(v.reason.find("false positive") != std::string::npos);
  CHECK(judgeStage(pass, noResponse("reset")).verdict == Verdict::Error);
}

}  // namespace rampart::replay
