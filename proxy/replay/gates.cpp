#include "proxy/replay/gates.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace rampart::replay {
namespace {

Error problem(const std::string& source, int line, const std::string& message) {
  Error e;
  e.source = ErrorSource::Config;
  e.status = 0;
  e.reason = "replay_gates_file";
  e.detail = source + (line >= 0 ? ":" + std::to_string(line + 1) : "") + ": " + message;
  return e;
}

bool number(const YAML::Node& n, double& out) {
  if (!n.IsScalar()) return false;
  const std::string& s = n.Scalar();
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool count(const YAML::Node& n, std::size_t& out) {
  if (!n.IsScalar()) return false;
  const std::string& s = n.Scalar();
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

Result<GateFile> parseGates(std::string_view yaml, const std::string& source) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    GateFile file;
    if (!root.IsMap()) return problem(source, root.Mark().line, "must be a mapping: suite -> gates");
    for (const auto& kv : root) {
      const std::string suite = kv.first.Scalar();
      const YAML::Node& g = kv.second;
      if (!g.IsMap()) return problem(source, g.Mark().line, "gates of " + suite + " must be a mapping");
      SuiteGates gates;
      for (const auto& gkv : g) {
        const std::string key = gkv.first.Scalar();
        const YAML::Node& v = gkv.second;
        const int line = v.Mark().line;
        if (key == "min_passed" || key == "max_failed") {
          std::size_t n = 0;
          if (!count(v, n)) return problem(source, line, suite + "." + key + " must be a count");
          (key == "min_passed" ? gates.min_passed : gates.max_failed) = n;
        } else if (key == "max_false_positive_rate") {
          double p = 0;
          if (!number(v, p) || p < 0 || p > 100) {
            return problem(source, line, suite + "." + key + " must be a percentage 0-100");
          }
          gates.max_false_positive_rate = p;
        } else if (key == "min_block_rate") {
          double p = 0;
          if (v.IsScalar()) {
            if (!number(v, p) || p < 0 || p > 100) {
              return problem(source, line, suite + ".min_block_rate must be a percentage 0-100");
            }
            gates.min_block_rate["*"] = p;
          } else if (v.IsMap()) {
            for (const auto& ckv : v) {
              if (!number(ckv.second, p) || p < 0 || p > 100) {
                return problem(source, ckv.second.Mark().line,
                               suite + ".min_block_rate." + ckv.first.Scalar() +
                                   " must be a percentage 0-100");
              }
              gates.min_block_rate[ckv.first.Scalar()] = p;
            }
          } else {
            return problem(source, line, suite + ".min_block_rate must be a percentage or a map");
          }
        } else {
          return problem(source, gkv.first.Mark().line, "unknown gate `" + key + "` in " + suite);
        }
      }
      file.suites[suite] = std::move(gates);
    }
    return file;
  } catch (const YAML::Exception& e) {
    return problem(source, e.mark.line, e.msg);
  } catch (const std::exception& e) {
    return problem(source, -1, e.what());
  }
}

Result<GateFile> loadGatesFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return problem(path, -1, "cannot read the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseGates(buffer.str(), path);
}

Result<std::vector<GateResult>> evaluateGates(const GateFile& gates, const std::string& suite,
                                              const RunSummary& summary) {
  auto it = gates.suites.find(suite);
  if (it == gates.suites.end()) {
    Error e;
    e.source = ErrorSource::Config;
    e.status = 0;
    e.reason = "replay_gates_file";
    e.detail = "no gates for suite '" + suite + "' in the gates file (use --suite NAME)";
    return e;
  }
  const SuiteGates& g = it->second;
  std::vector<GateResult> out;
  const GroupSummary& t = summary.total;
  if (g.min_passed) {
    out.push_back({suite, "min_passed", static_cast<double>(*g.min_passed),
                   static_cast<double>(t.passed), t.passed >= *g.min_passed});
  }
  if (g.max_failed) {
    const std::size_t bad = t.failed + t.errors;
    out.push_back({suite, "max_failed", static_cast<double>(*g.max_failed),
                   static_cast<double>(bad), bad <= *g.max_failed});
  }
  if (!g.min_block_rate.empty()) {
    auto wildcard = g.min_block_rate.find("*");
    // every named class must be present and reach its rate
    for (const auto& [cls, want] : g.min_block_rate) {
      if (cls == "*") continue;
      double got = 0;
      bool present = false;
      for (const auto& grp : summary.groups) {
        if (grp.kind == SuiteKind::Payload && !grp.expect_pass && grp.group == cls) {
          got = grp.blockRate();
          present = true;
        }
      }
      out.push_back({suite, "min_block_rate[" + cls + "]", want, got, present && got >= want});
    }
    if (wildcard != g.min_block_rate.end()) {
      for (const auto& grp : summary.groups) {
        if (grp.kind != SuiteKind::Payload || grp.expect_pass) continue;
        if (g.min_block_rate.count(grp.group) != 0) continue;
        out.push_back({suite, "min_block_rate[" + grp.group + "]", wildcard->second,
                       grp.blockRate(), grp.blockRate() >= wildcard->second});
      }
    }
  }
  if (g.max_false_positive_rate) {
    std::size_t responded = 0, blocked = 0;
    for (const auto& grp : summary.groups) {
      if (grp.kind == SuiteKind::Payload && grp.expect_pass) {
        responded += grp.responded;
        blocked += grp.blocked;
      } else if (grp.kind == SuiteKind::Ftw) {
        // A benign ftw suite (corpus/benign) expects 200 from every request: each test that
        // failed or could not be judged counts against it; ignored tests count for neither.
        responded += grp.total - grp.ignored;
        blocked += grp.failed + grp.errors;
      }
    }
    const double rate = responded == 0 ? 0 : 100.0 * static_cast<double>(blocked) /
                                                 static_cast<double>(responded);
    out.push_back({suite, "max_false_positive_rate", *g.max_false_positive_rate, rate,
                   responded > 0 && rate <= *g.max_false_positive_rate});
  }
  return out;
}

}  // namespace rampart::replay
