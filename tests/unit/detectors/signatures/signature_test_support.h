// Helpers shared by the signature engine tests: compile signatures from YAML text and scan a
// few fields with them.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/canonical/field.h"
#include "detectors/signatures/signature_loader.h"
#include "detectors/signatures/signature_scanner.h"
#include "detectors/signatures/signature_scratch.h"
#include "detectors/signatures/signature_set.h"

namespace rampart::signatures::test {

inline const std::filesystem::path kRepo = std::filesystem::path(__FILE__)
                                               .parent_path()
                                               .parent_path()
                                               .parent_path()
                                               .parent_path()
                                               .parent_path();

inline std::shared_ptr<const SignatureSet> compileYaml(std::string_view yaml,
                                                       ScanLimits limits = {}) {
  auto parsed = parseSignatureFile(yaml, "test.yaml");
  if (!parsed) FAIL(parsed.error().detail);
  auto set = SignatureSet::compile(std::move(*parsed), limits);
  if (!set) FAIL(set.error().detail);
  return *set;
}

inline canonical::Field field(canonical::FieldSource source, std::string name,
                              std::string value) {
  return canonical::Field{source, std::move(name), std::move(value)};
}

inline ScanReport scan(const SignatureSet& set, const canonical::FieldList& fields,
                       std::uint8_t paranoia_level = 4) {
  auto scratch = SignatureScratch::forSet(set);
  REQUIRE(scratch.has_value());
  SignatureScanner scanner(set, *scratch, paranoia_level);
  ScanReport report;
  const Status status = scanner.scan(fields, report);
  if (!status) FAIL(status.error().detail);
  return report;
}

inline std::vector<std::string> matchedIds(const ScanReport& report) {
  std::vector<std::string> ids;
  for (const SignatureMatch& match : report.matches) ids.push_back(match.signature->id);
  return ids;
}

}  // namespace rampart::signatures::test
