#include "proxy/replay/ftw_loader.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace rampart::replay {
namespace {

// A test-level problem: thrown inside this file only, caught per test below.
struct TestProblem : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string where(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return "";
  return "line " + std::to_string(mark.line + 1) + ": ";
}

// The text of a scalar ("" for null); anything else is a problem.
std::string scalarText(const YAML::Node& node, std::string_view key) {
  if (!node || node.IsNull()) return "";
  if (!node.IsScalar()) throw TestProblem(where(node) + std::string(key) + " must be a scalar");
  return node.Scalar();
}

bool boolValue(const YAML::Node& node, std::string_view key) {
  const std::string text = scalarText(node, key);
  if (text == "true" || text == "True" || text == "yes") return true;
  if (text == "false" || text == "False" || text == "no" || text.empty()) return false;
  throw TestProblem(where(node) + std::string(key) + " must be true or false, not '" + text + "'");
}

int intValue(const YAML::Node& node, std::string_view key) {
  const std::string text = scalarText(node, key);
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    throw TestProblem(where(node) + std::string(key) + " must be an integer, not '" + text + "'");
  }
  return value;
}

// A string, or a list of lines joined with CRLF (legacy ftw `data` / `raw_request`).
std::string stringOrLines(const YAML::Node& node, std::string_view key) {
  if (node.IsSequence()) {
    std::string out;
    bool first = true;
    for (const auto& line : node) {
      if (!first) out += "\r\n";
      out += scalarText(line, key);
      first = false;
    }
    return out;
  }
  return scalarText(node, key);
}

std::vector<std::string> stringList(const YAML::Node& node, std::string_view key) {
  std::vector<std::string> out;
  if (!node || node.IsNull()) return out;
  if (node.IsSequence()) {
    for (const auto& item : node) out.push_back(scalarText(item, key));
  } else {
    out.push_back(scalarText(node, key));
  }
  return out;
}

// headers: a mapping (file order) or a list of {name, value} pairs / one-key mappings.
void readHeaders(const YAML::Node& node, HttpInput& in) {
  if (!node || node.IsNull()) return;
  if (node.IsMap()) {
    for (const auto& kv : node) {
      in.headers.emplace_back(scalarText(kv.first, "header name"),
                              scalarText(kv.second, "header value"));
    }
    return;
  }
  if (!node.IsSequence()) throw TestProblem(where(node) + "headers must be a mapping or a list");
  for (const auto& item : node) {
    if (!item.IsMap()) throw TestProblem(where(item) + "each header must be a mapping");
    if (item["name"]) {
      in.headers.emplace_back(scalarText(item["name"], "header name"),
                              scalarText(item["value"], "header value"));
    } else {
      for (const auto& kv : item) {
        in.headers.emplace_back(scalarText(kv.first, "header name"),
                                scalarText(kv.second, "header value"));
      }
    }
  }
}

HttpInput readInput(const YAML::Node& node) {
  HttpInput in;
  if (!node || node.IsNull()) return in;
  if (!node.IsMap()) throw TestProblem(where(node) + "input must be a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "method") {
      in.method = scalarText(v, key);
    } else if (key == "uri") {
      in.uri = scalarText(v, key);
    } else if (key == "version") {
      in.version = scalarText(v, key);
    } else if (key == "headers") {
      readHeaders(v, in);
    } else if (key == "data") {
      in.data = stringOrLines(v, key);
    } else if (key == "stop_magic") {
      if (boolValue(v, key)) in.autocomplete_headers = false;
    } else if (key == "autocomplete_headers") {
      in.autocomplete_headers = boolValue(v, key);
    } else if (key == "encoded_request") {
      auto decoded = decodeBase64(scalarText(v, key));
      if (!decoded) throw TestProblem(where(v) + "encoded_request is not valid base64");
      in.raw = std::move(*decoded);
    } else if (key == "raw_request") {
      in.raw = stringOrLines(v, key);
    } else if (key == "protocol") {
      in.protocol = scalarText(v, key);
      if (in.protocol != "http") {
        throw TestProblem(where(v) + "protocol '" + in.protocol + "' is not supported (only http)");
      }
    }
    // dest_addr, port: replaced by --target. Other keys (save_cookie, virtual_host, ...) ignored.
  }
  return in;
}

Expectations readOutput(const YAML::Node& node) {
  Expectations out;
  if (!node || node.IsNull()) return out;
  if (!node.IsMap()) throw TestProblem(where(node) + "output must be a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "status") {
      if (v.IsSequence()) {
        for (const auto& s : v) out.status.push_back(intValue(s, key));
      } else {
        out.status.push_back(intValue(v, key));
      }
    } else if (key == "log_contains") {
      for (auto& s : stringList(v, key)) out.log_contains.push_back(std::move(s));
    } else if (key == "no_log_contains") {
      for (auto& s : stringList(v, key)) out.no_log_contains.push_back(std::move(s));
    } else if (key == "expect_error") {
      out.expect_error = boolValue(v, key);
    } else if (key == "response_contains") {
      out.response_contains = scalarText(v, key);
    } else if (key == "log") {
      if (!v.IsMap()) throw TestProblem(where(v) + "log must be a mapping");
      for (auto& s : stringList(v["expect_ids"], "expect_ids")) out.expect_ids.push_back(s);
      for (auto& s : stringList(v["no_expect_ids"], "no_expect_ids")) out.no_expect_ids.push_back(s);
      if (v["match_regex"] || v["no_match_regex"]) {
        throw TestProblem(where(v) + "log.match_regex / no_match_regex are not supported "
                          "(the decision record holds rule ids, not log lines)");
      }
    }
  }
  return out;
}

std::string fileStem(const std::string& source) {
  return std::filesystem::path(source).stem().string();
}

void loadDocument(const YAML::Node& root, const std::string& source, const std::string& group,
                  FtwLoadResult& out) {
  if (!root.IsMap()) {
    out.errors.push_back({source, "", "the document is not a mapping"});
    return;
  }
  const YAML::Node tests = root["tests"];
  if (!tests || !tests.IsSequence()) {
    out.errors.push_back({source, "", where(root) + "no `tests:` list"});
    return;
  }
  const YAML::Node meta = root["meta"];
  if (meta && meta.IsMap() && meta["enabled"]) {
    bool enabled = true;
    try {
      enabled = boolValue(meta["enabled"], "meta.enabled");
    } catch (const TestProblem& e) {
      out.errors.push_back({source, "", e.what()});
      return;
    }
    if (!enabled) {
      ++out.disabled_files;
      out.disabled_tests += tests.size();
      return;
    }
  }
  std::string rule_id;
  if (root["rule_id"] && root["rule_id"].IsScalar()) rule_id = root["rule_id"].Scalar();
  if (rule_id.empty()) rule_id = fileStem(source);

  std::size_t index = 0;
  for (const auto& t : tests) {
    ++index;
    TestCase tc;
    tc.kind = SuiteKind::Ftw;
    tc.group = group;
    tc.file = source;
    try {
      if (!t.IsMap()) throw TestProblem(where(t) + "a test must be a mapping");
      if (t["test_title"]) {
        tc.name = scalarText(t["test_title"], "test_title");
      } else if (t["test_id"]) {
        tc.name = rule_id + "-" + scalarText(t["test_id"], "test_id");
      } else {
        tc.name = rule_id + "-#" + std::to_string(index);
      }
      if (t["desc"] && t["desc"].IsScalar()) tc.description = t["desc"].Scalar();
      if (t["description"] && t["description"].IsScalar()) tc.description = t["description"].Scalar();
      const YAML::Node stages = t["stages"];
      if (!stages || !stages.IsSequence() || stages.size() == 0) {
        throw TestProblem(where(t) + "no `stages:` list");
      }
      for (const auto& s : stages) {
        if (!s.IsMap()) throw TestProblem(where(s) + "a stage must be a mapping");
        // legacy: {stage: {input, output}}; go-ftw: {input, output}
        const YAML::Node body = s["stage"] ? s["stage"] : s;
        if (!body.IsMap() || !body["input"]) throw TestProblem(where(s) + "stage has no input");
        TestStage stage;
        stage.input = readInput(body["input"]);
        stage.output = readOutput(body["output"]);
        tc.stages.push_back(std::move(stage));
      }
      out.tests.push_back(std::move(tc));
    } catch (const std::exception& e) {
      out.errors.push_back({source, tc.name.empty() ? "#" + std::to_string(index) : tc.name,
                            e.what()});
    }
  }
}

}  // namespace

void loadFtwString(std::string_view yaml, const std::string& source, const std::string& group,
                   FtwLoadResult& out) {
  try {
    const std::vector<YAML::Node> docs = YAML::LoadAll(std::string(yaml));
    if (docs.empty()) {
      out.errors.push_back({source, "", "empty file"});
      return;
    }
    for (const auto& doc : docs) {
      if (doc.IsNull()) continue;
      loadDocument(doc, source, group, out);
    }
  } catch (const YAML::Exception& e) {
    const std::string line =
        e.mark.line >= 0 ? "line " + std::to_string(e.mark.line + 1) + ": " : std::string();
    out.errors.push_back({source, "", line + e.msg});
  } catch (const std::exception& e) {
    out.errors.push_back({source, "", e.what()});
  }
}

void loadFtwFile(const std::string& path, FtwLoadResult& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.errors.push_back({path, "", "cannot read the file"});
    return;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string group = std::filesystem::path(path).parent_path().filename().string();
  loadFtwString(buffer.str(), path, group, out);
}

std::optional<std::string> decodeBase64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    if (padding) return std::nullopt;  // data after '='
    const int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing sextet cannot encode a byte
  return out;
}

}  // namespace rampart::replay
