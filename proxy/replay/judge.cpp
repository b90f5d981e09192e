#include "proxy/replay/judge.h"

#include <algorithm>
#include <regex>

namespace rampart::replay {
namespace {

std::string joinInts(const std::vector<int>& v) {
  std::string out;
  for (const int x : v) out += (out.empty() ? "" : ", ") + std::to_string(x);
  return out;
}

bool contains(const std::vector<std::string>& ids, std::string_view id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::string rulesText(const RecordInfo& r) {
  if (r.rule_ids.empty()) return "no rules";
  std::string out = "rules";
  for (const auto& id : r.rule_ids) out += " " + id;
  return out;
}

}  // namespace

std::vector<std::string> ruleIdsInPattern(std::string_view pattern) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] >= '0' && pattern[i] <= '9') {
      std::size_t j = i;
      while (j < pattern.size() && pattern[j] >= '0' && pattern[j] <= '9') ++j;
      if (j - i >= 3) out.emplace_back(pattern.substr(i, j - i));
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

bool needsRecord(const Expectations& e) {
  return !e.log_contains.empty() || !e.no_log_contains.empty() || !e.expect_ids.empty() ||
         !e.no_expect_ids.empty();
}

bool isRefusalByRampart(const StageOutcome& o) {
  // rampart's own local reply (proxy/local_reply.cpp): {"status":N,"reason":"..."}. A request
  // refused before any stage (an invalid byte in the target: 400; a target over the limit: 414)
  // has no block record, yet it never reached the upstream: for a payload, that is a block.
  if (o.status < 400 || o.status > 499) return false;
  const std::string prefix = "{\"status\":" + std::to_string(o.status) + ",\"reason\":\"";
  return o.body.rfind(prefix, 0) == 0;
}

StageVerdict judgeStage(const Expectations& e, const StageOutcome& o) {
  StageVerdict v;
  auto fail = [&v](std::string why) {
    if (v.verdict == Verdict::Passed) {
      v.verdict = Verdict::Failed;
      v.reason = std::move(why);
    }
  };
  auto error = [&v](std::string why) {
    if (v.verdict != Verdict::Error) {
      v.verdict = Verdict::Error;
      v.reason = std::move(why);
    }
  };

  // Payload lists: block = the block status (or a "block" record), pass = anything else.
  if (e.payload != PayloadExpect::None) {
    if (!o.got_response) {
      error("no response: " + o.error);
      return v;
    }
    v.blocked = o.status == e.block_status || (o.record && o.record->action == "block") ||
                isRefusalByRampart(o);
    if (e.payload == PayloadExpect::Block && !v.blocked) {
      fail("not blocked: HTTP " + std::to_string(o.status));
    } else if (e.payload == PayloadExpect::Pass && v.blocked) {
      fail("false positive: blocked with HTTP " + std::to_string(o.status));
    }
    return v;
  }

  if (e.expect_error) {
    if (o.got_response) {
      fail("expected a connection error (expect_error), got HTTP " + std::to_string(o.status));
    }
  } else if (!o.got_response) {
    error("no response: " + o.error);
    return v;
  }

  if (!e.status.empty() && o.got_response &&
      std::find(e.status.begin(), e.status.end(), o.status) == e.status.end()) {
    fail("status " + std::to_string(o.status) + ", expected " + joinInts(e.status));
  }

  if (e.response_contains && o.got_response) {
    try {
      const std::regex re(*e.response_contains);
      if (!std::regex_search(o.body, re)) {
        fail("response does not contain /" + *e.response_contains + "/");
      }
    } catch (const std::regex_error&) {
      error("response_contains is not a valid regular expression");
      return v;
    }
  }

  if (needsRecord(e)) {
    std::vector<std::string> want = e.expect_ids;
    std::vector<std::string> reject = e.no_expect_ids;
    for (const auto& p : e.log_contains) {
      auto ids = ruleIdsInPattern(p);
      if (ids.empty()) {
        error("log_contains '" + p + "' names no rule id (only rule-id patterns are supported)");
        return v;
      }
      want.insert(want.end(), ids.begin(), ids.end());
    }
    for (const auto& p : e.no_log_contains) {
      auto ids = ruleIdsInPattern(p);
      if (ids.empty()) {
        error("no_log_contains '" + p + "' names no rule id (only rule-id patterns are supported)");
        return v;
      }
      reject.insert(reject.end(), ids.begin(), ids.end());
    }
    if (!o.record) {
      error(o.request_id.empty()
                ? "no decision record found (no x-request-id in the response, marker not in the log)"
                : "no decision record for request_id " + o.request_id);
      return v;
    }
    for (const auto& id : want) {
      if (!contains(o.record->rule_ids, id)) {
        fail("rule " + id + " did not match (record has " + rulesText(*o.record) + ")");
      }
    }
    for (const auto& id : reject) {
      if (contains(o.record->rule_ids, id)) fail("rule " + id + " matched but must not");
    }
  }
  return v;
}

}  // namespace rampart::replay
