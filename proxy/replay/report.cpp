#include "proxy/replay/report.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "proxy/log/decision_record_json.h"
#include "proxy/replay/gates.h"

namespace rampart::replay {
namespace {

void add(GroupSummary& g, const TestResult& r) {
  ++g.total;
  switch (r.outcome) {
    case Outcome::Passed: ++g.passed; break;
    case Outcome::Failed: ++g.failed; break;
    case Outcome::Error: ++g.errors; break;
    case Outcome::Ignored: ++g.ignored; break;
  }
  if (r.kind == SuiteKind::Payload) {
    g.expect_pass = r.expect_pass;
    // An ignored payload (a list entry that is no attack on its own, listed with its reason)
    // counts for neither side of the block rate.
    if (r.outcome != Outcome::Ignored && !r.stages.empty() && r.stages.front().got_response) {
      ++g.responded;
      if (r.blocked) ++g.blocked;
    }
  }
}

void str(std::string& out, std::string_view key, std::string_view value) {
  appendJsonString(out, key);
  out += ':';
  appendJsonString(out, value);
}

void num(std::string& out, std::string_view key, double value) {
  appendJsonString(out, key);
  out += ':';
  char buf[64];
  if (value == static_cast<double>(static_cast<long long>(value))) {
    std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(value));
  } else {
    std::snprintf(buf, sizeof(buf), "%.3f", value);
  }
  out += buf;
}

void boolean(std::string& out, std::string_view key, bool value) {
  appendJsonString(out, key);
  out += value ? ":true" : ":false";
}

void groupJson(std::string& out, const GroupSummary& g) {
  out += '{';
  str(out, "group", g.group);
  out += ',';
  str(out, "kind", g.kind == SuiteKind::Ftw ? "ftw" : "payload");
  out += ',';
  num(out, "total", static_cast<double>(g.total));
  out += ',';
  num(out, "passed", static_cast<double>(g.passed));
  out += ',';
  num(out, "failed", static_cast<double>(g.failed));
  out += ',';
  num(out, "ignored", static_cast<double>(g.ignored));
  out += ',';
  num(out, "errors", static_cast<double>(g.errors));
  if (g.kind == SuiteKind::Payload) {
    out += ',';
    str(out, "expect", g.expect_pass ? "pass" : "block");
    out += ',';
    num(out, "responded", static_cast<double>(g.responded));
    out += ',';
    num(out, "blocked", static_cast<double>(g.blocked));
    out += ',';
    num(out, "block_rate", g.blockRate());
  }
  out += '}';
}

}  // namespace

std::string_view outcomeName(Outcome o) {
  switch (o) {
    case Outcome::Passed: return "passed";
    case Outcome::Failed: return "failed";
    case Outcome::Error: return "error";
    case Outcome::Ignored: return "ignored";
  }
  return "?";
}

double GroupSummary::blockRate() const {
  return responded == 0 ? 0.0
                        : 100.0 * static_cast<double>(blocked) / static_cast<double>(responded);
}

RunSummary summarise(const std::vector<TestResult>& results) {
  std::map<std::tuple<int, std::string>, GroupSummary> groups;
  RunSummary s;
  s.total.group = "TOTAL";
  bool any_payload = false, any_ftw = false;
  for (const auto& r : results) {
    auto& g = groups[{static_cast<int>(r.kind), r.group}];
    g.group = r.group;
    g.kind = r.kind;
    add(g, r);
    add(s.total, r);
    (r.kind == SuiteKind::Payload ? any_payload : any_ftw) = true;
  }
  s.total.kind = any_payload && !any_ftw ? SuiteKind::Payload : SuiteKind::Ftw;
  for (auto& [key, g] : groups) s.groups.push_back(std::move(g));

  std::map<std::string, std::size_t> failed_rules;
  for (const auto& r : results) {
    if (r.outcome != Outcome::Failed) continue;
    std::set<std::string> ids;  // a rule counts once per test, however many stages it is in
    for (const auto& stage : r.stages) {
      ids.insert(stage.rule_ids.begin(), stage.rule_ids.end());
      ids.insert(stage.signature_ids.begin(), stage.signature_ids.end());
    }
    for (const auto& id : ids) ++failed_rules[id];
  }
  s.failed_rules.assign(failed_rules.begin(), failed_rules.end());
  std::stable_sort(s.failed_rules.begin(), s.failed_rules.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return s;
}

void printSummary(std::FILE* out, const RunSummary& summary, const LoadStats& load) {
  std::size_t width = 5;
  for (const auto& g : summary.groups) width = std::max(width, g.group.size());
  const bool payload = std::any_of(summary.groups.begin(), summary.groups.end(),
                                   [](const GroupSummary& g) { return g.kind == SuiteKind::Payload; });
  const int w = static_cast<int>(width);
  std::fprintf(out, "%-*s %7s %7s %7s %7s %7s%s\n", w, "group", "total", "passed", "failed",
               "ignored", "errors", payload ? "  blocked" : "");
  auto row = [&](const GroupSummary& g) {
    std::fprintf(out, "%-*s %7zu %7zu %7zu %7zu %7zu", w, g.group.c_str(), g.total, g.passed,
                 g.failed, g.ignored, g.errors);
    if (g.kind == SuiteKind::Payload && g.group != "TOTAL") {
      std::fprintf(out, "  %6.1f%%%s", g.blockRate(), g.expect_pass ? " (false positives)" : "");
    }
    std::fputc('\n', out);
  };
  for (const auto& g : summary.groups) row(g);
  row(summary.total);
  if (!summary.failed_rules.empty()) {
    // The ten most frequent, so a tuning session starts from the rules that matter most.
    constexpr std::size_t kListed = 10;
    std::fprintf(out, "rules in failed tests (tests):");
    for (std::size_t i = 0; i < std::min(kListed, summary.failed_rules.size()); ++i) {
      std::fprintf(out, " %s (%zu)", summary.failed_rules[i].first.c_str(),
                   summary.failed_rules[i].second);
    }
    if (summary.failed_rules.size() > kListed) {
      std::fprintf(out, " and %zu more (--report lists all)", summary.failed_rules.size() - kListed);
    }
    std::fputc('\n', out);
  }
  std::fprintf(out, "loaded %zu tests from %zu files; skipped %zu disabled tests (%zu files); "
               "%zu malformed tests/files\n",
               load.tests_loaded, load.files, load.disabled_tests, load.disabled_files,
               load.errors.size());
  for (const auto& e : load.errors) {
    std::fprintf(out, "  malformed: %s%s%s: %s\n", e.file.c_str(), e.test.empty() ? "" : " test ",
                 e.test.c_str(), e.message.c_str());
  }
}

std::string reportJson(const ReportMeta& meta, const RunSummary& summary, const LoadStats& load,
                       const std::vector<TestResult>& results,
                       const std::vector<GateResult>& gates) {
  std::string out;
  out.reserve(512 * results.size() + 4096);
  out += '{';
  str(out, "tool", "rampart replay");
  out += ',';
  str(out, "suite", meta.suite);
  out += ',';
  str(out, "target", meta.target);
  out += ',';
  str(out, "started", meta.started_utc);
  out += ',';
  num(out, "duration_s", meta.duration_s);
  out += ',';
  num(out, "exit_status", meta.exit_status);
  out += ",\"load\":{";
  num(out, "files", static_cast<double>(load.files));
  out += ',';
  num(out, "tests_loaded", static_cast<double>(load.tests_loaded));
  out += ',';
  num(out, "disabled_files", static_cast<double>(load.disabled_files));
  out += ',';
  num(out, "disabled_tests", static_cast<double>(load.disabled_tests));
  out += ",\"errors\":[";
  for (std::size_t i = 0; i < load.errors.size(); ++i) {
    if (i) out += ',';
    out += '{';
    str(out, "file", load.errors[i].file);
    out += ',';
    str(out, "test", load.errors[i].test);
    out += ',';
    str(out, "message", load.errors[i].message);
    out += '}';
  }
  out += "]},\"summary\":";
  groupJson(out, summary.total);
  out += ",\"groups\":[";
  for (std::size_t i = 0; i < summary.groups.size(); ++i) {
    if (i) out += ',';
    groupJson(out, summary.groups[i]);
  }
  out += "],\"failed_rules\":[";
  for (std::size_t i = 0; i < summary.failed_rules.size(); ++i) {
    if (i) out += ',';
    out += '{';
    str(out, "id", summary.failed_rules[i].first);
    out += ',';
    num(out, "failed_tests", static_cast<double>(summary.failed_rules[i].second));
    out += '}';
  }
  out += "],\"gates\":[";
  for (std::size_t i = 0; i < gates.size(); ++i) {
    if (i) out += ',';
    out += '{';
    str(out, "suite", gates[i].suite);
    out += ',';
    str(out, "gate", gates[i].gate);
    out += ',';
    num(out, "want", gates[i].want);
    out += ',';
    num(out, "got", gates[i].got);
    out += ',';
    boolean(out, "met", gates[i].met);
    out += '}';
  }
  out += "],\"tests\":[";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const TestResult& r = results[i];
    if (i) out += ',';
    out += "\n{";
    str(out, "name", r.name);
    out += ',';
    str(out, "group", r.group);
    out += ',';
    str(out, "file", r.file);
    out += ',';
    str(out, "result", outcomeName(r.outcome));
    out += ',';
    str(out, "reason", r.reason);
    if (!r.ignore_reason.empty()) {
      out += ',';
      str(out, "ignore_reason", r.ignore_reason);
    }
    if (r.kind == SuiteKind::Payload) {
      out += ',';
      str(out, "payload", r.payload);
      out += ',';
      boolean(out, "blocked", r.blocked);
    }
    out += ',';
    num(out, "duration_ms", r.duration_ms);
    out += ",\"stages\":[";
    for (std::size_t k = 0; k < r.stages.size(); ++k) {
      const StageResult& st = r.stages[k];
      if (k) out += ',';
      out += '{';
      boolean(out, "response", st.got_response);
      out += ',';
      num(out, "status", st.status);
      out += ',';
      str(out, "error", st.error);
      out += ',';
      str(out, "request_id", st.request_id);
      out += ',';
      str(out, "marker", st.marker_sent ? st.marker : "");
      out += ',';
      boolean(out, "record_found", st.record_found);
      out += ",\"rule_ids\":[";
      for (std::size_t j = 0; j < st.rule_ids.size(); ++j) {
        if (j) out += ',';
        appendJsonString(out, st.rule_ids[j]);
      }
      out += "],\"signature_ids\":[";
      for (std::size_t j = 0; j < st.signature_ids.size(); ++j) {
        if (j) out += ',';
        appendJsonString(out, st.signature_ids[j]);
      }
      out += "],";
      str(out, "reason", st.reason);
      out += '}';
    }
    out += "]}";
  }
  out += "\n]}\n";
  return out;
}

}  // namespace rampart::replay
