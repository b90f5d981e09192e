// Loads CRS / go-ftw regression tests (YAML) into TestCases. Both layouts are read:
//   legacy (CRS 3.x, ftw):  tests: [{test_title, stages: [{stage: {input, output}}]}]
//   go-ftw (CRS 4.x):       rule_id: N, tests: [{test_id, stages: [{input, output}]}]
// A file with `meta: {enabled: false}` is skipped and counted. yaml-cpp throws; every exception
// is caught here and becomes a LoadError naming the file (and the test), so nothing escapes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/replay/test_case.h"

namespace rampart::replay {

struct FtwLoadResult {
  std::vector<TestCase> tests;
  std::vector<LoadError> errors;
  std::size_t disabled_files = 0;  // meta.enabled: false
  std::size_t disabled_tests = 0;  // the tests in those files
};

// Appends the tests of one YAML document to `out`. `source` names the file in messages and in
// TestCase::file; `group` is the summary row (loadFtwFile uses the parent folder's name).
void loadFtwString(std::string_view yaml, const std::string& source, const std::string& group,
                   FtwLoadResult& out);

// Reads `path` and calls loadFtwString with group = name of the parent directory.
void loadFtwFile(const std::string& path, FtwLoadResult& out);

// Standard base64 (RFC 4648, '=' padding optional, whitespace ignored); nullopt when malformed.
std::optional<std::string> decodeBase64(std::string_view text);

}  // namespace rampart::replay
