#include "proxy/replay/ignore_list.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace rampart::replay {
namespace {

Error problem(const std::string& source, int line, const std::string& message) {
  Error e;
  e.source = ErrorSource::Config;
  e.status = 0;
  e.reason = "replay_ignore_file";
  e.detail = source + (line >= 0 ? ":" + std::to_string(line + 1) : "") + ": " + message;
  return e;
}

std::string text(const YAML::Node& n) {
  return n && n.IsScalar() ? n.Scalar() : std::string();
}

}  // namespace

Result<IgnoreList> parseIgnoreList(std::string_view yaml, const std::string& source) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    IgnoreList list;
    if (root.IsNull()) return list;
    if (!root.IsSequence()) {
      return problem(source, root.Mark().line, "the ignore file must be a list of {test, reason}");
    }
    for (const auto& entry : root) {
      const int line = entry.Mark().line;
      if (!entry.IsMap()) return problem(source, line, "an entry must be a mapping {test, reason}");
      const std::string test = text(entry["test"]);
      if (test.empty()) return problem(source, line, "entry without `test`");
      std::string reason = text(entry["reason"]);
      if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
        return problem(source, line, "entry for test " + test + " has no reason");
      }
      for (const auto& kv : entry) {
        const std::string key = text(kv.first);
        if (key != "test" && key != "reason") {
          return problem(source, line, "unknown key `" + key + "` in the entry for " + test);
        }
      }
      if (!list.reasons.emplace(test, std::move(reason)).second) {
        return problem(source, line, "test " + test + " is listed twice");
      }
    }
    return list;
  } catch (const YAML::Exception& e) {
    return problem(source, e.mark.line, e.msg);
  } catch (const std::exception& e) {
    return problem(source, -1, e.what());
  }
}

Result<IgnoreList> loadIgnoreFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return problem(path, -1, "cannot read the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseIgnoreList(buffer.str(), path);
}

}  // namespace rampart::replay
