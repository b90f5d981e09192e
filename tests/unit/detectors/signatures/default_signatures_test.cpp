// The default signature set (rules/signatures/) against its test cases (corpus/signatures/):
// every case file entry must match (or not match) its signature, every signature has at least one
// case of each kind, and the benign list matches nothing at paranoia level 1.
#include <yaml-cpp/yaml.h>

#include <map>
#include <set>

#include "tests/unit/detectors/signatures/signature_test_support.h"

namespace rampart::signatures {
namespace {

using canonical::FieldSource;

std::shared_ptr<const SignatureSet> defaultSet() {
  static const std::shared_ptr<const SignatureSet> set = [] {
    auto loaded = loadSignatureDirectory((test::kRepo / "rules/signatures").string());
    if (!loaded) FAIL(loaded.error().detail);
    auto compiled = SignatureSet::compile(std::move(*loaded));
    if (!compiled) FAIL(compiled.error().detail);
    return *compiled;
  }();
  return set;
}

FieldSource sourceNamed(const std::string& name) {
  for (std::size_t i = 0; i < canonical::kFieldSourceCount; ++i) {
    if (canonical::fieldSourceName(static_cast<FieldSource>(i)) == name)
      return static_cast<FieldSource>(i);
  }
  FAIL("unknown target in a case file: " << name);
  return FieldSource::Path;
}

// A field as the canonical view would produce it: *_name sources carry the name as value too.
canonical::Field caseField(FieldSource source, const YAML::Node& entry, const std::string& value) {
  std::string name = entry["name"] ? entry["name"].as<std::string>() : "q";
  switch (source) {
    case FieldSource::QueryName:
    case FieldSource::HeaderName:
    case FieldSource::CookieName:
    case FieldSource::FormName:
    case FieldSource::MultipartName:
    case FieldSource::JsonName:
    case FieldSource::XmlName:
      name = value;
      break;
    default:
      break;
  }
  return test::field(source, name, value);
}

bool matchesSignature(const SignatureSet& set, const canonical::Field& field,
                      const std::string& id, std::uint8_t paranoia_level) {
  const ScanReport report = test::scan(set, {field}, paranoia_level);
  for (const SignatureMatch& match : report.matches)
    if (match.signature->id == id) return true;
  return false;
}

TEST_CASE("default signatures: every case in corpus/signatures", "[signatures]") {
  const auto set = defaultSet();
  std::set<std::string> ids;
  for (const Signature& signature : set->signatures()) ids.insert(signature.id);
  std::map<std::string, std::pair<int, int>> cases_per_id;  // matches, non-matches

  for (const auto& entry :
       std::filesystem::directory_iterator(test::kRepo / "corpus/signatures")) {
    if (entry.path().filename() == "benign.yaml") continue;
    const YAML::Node file = YAML::LoadFile(entry.path().string());
    for (const YAML::Node& item : file["cases"]) {
      const std::string id = item["signature"].as<std::string>();
      INFO(entry.path().filename().string() << ": " << id);
      REQUIRE(ids.count(id) == 1);
      const FieldSource source = sourceNamed(item["target"].as<std::string>());
      for (const YAML::Node& value : item["match"]) {
        INFO("expected a match: " << value.as<std::string>());
        CHECK(matchesSignature(*set, caseField(source, item, value.as<std::string>()), id, 4));
        ++cases_per_id[id].first;
      }
      for (const YAML::Node& value : item["no_match"]) {
        INFO("expected no match: " << value.as<std::string>());
        CHECK_FALSE(
            matchesSignature(*set, caseField(source, item, value.as<std::string>()), id, 4));
        ++cases_per_id[id].second;
      }
    }
  }
  for (const std::string& id : ids) {
    INFO("signature " << id << " needs at least one match and one no_match case");
    CHECK(cases_per_id[id].first >= 1);
    CHECK(cases_per_id[id].second >= 1);
  }
}

TEST_CASE("default signatures: benign input matches nothing at PL1", "[signatures]") {
  const auto set = defaultSet();
  const YAML::Node file = YAML::LoadFile((test::kRepo / "corpus/signatures/benign.yaml").string());
  for (const YAML::Node& group : file["benign"]) {
    const FieldSource source = sourceNamed(group["target"].as<std::string>());
    for (const YAML::Node& value : group["values"]) {
      const ScanReport report =
          test::scan(*set, {caseField(source, group, value.as<std::string>())}, 1);
      INFO(value.as<std::string>());
      CHECK(test::matchedIds(report).empty());
    }
  }
}

TEST_CASE("default signatures: ids follow <class>.<name>, every one has tags", "[signatures]") {
  for (const Signature& signature : defaultSet()->signatures()) {
    INFO(signature.id);
    CHECK(signature.id.find('.') != std::string::npos);
    CHECK_FALSE(signature.tags.empty());
  }
}

}  // namespace
}  // namespace rampart::signatures
