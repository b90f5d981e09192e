// Field batches (detectors/signatures/field_batch.h): which patterns may be batched, and that a
// scan of many values of one source (batched) reports exactly what scanning each value on its own
// reports, for the default signatures over their own test cases and for anchors at value edges.
#include "detectors/signatures/field_batch.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "tests/unit/detectors/signatures/signature_test_support.h"

namespace rampart::signatures {
namespace {

using canonical::FieldSource;
using test::field;

// What a report says, order aside: each recorded match as (signature, field name, excerpt),
// and the score.
using Finding = std::tuple<std::string, std::string, std::string>;

std::multiset<Finding> findingsOf(const ScanReport& report) {
  std::multiset<Finding> out;
  for (const SignatureMatch& match : report.matches)
    out.insert({match.signature->id, match.field_name, match.excerpt});
  return out;
}

// The value-by-value reference: each field scanned in a list of its own (a batch needs two
// values), the findings of all of them together; a signature scores once per report, and a
// short value seen again in a source whose signatures ignore names is scanned once (as the
// scanner does, batched or not).
std::pair<std::multiset<Finding>, std::uint32_t> oneByOne(const SignatureSet& set,
                                                          const canonical::FieldList& fields,
                                                          std::uint8_t paranoia_level) {
  std::multiset<Finding> findings;
  std::set<std::string> scored;
  std::set<std::pair<FieldSource, std::string>> seen;
  std::uint32_t score = 0;
  for (const canonical::Field& f : fields) {
    if (f.value.size() <= 256 && set.nameIndependent(f.source) &&
        !seen.insert({f.source, f.value}).second)
      continue;
    const ScanReport report = test::scan(set, {f}, paranoia_level);
    for (const Finding& finding : findingsOf(report)) findings.insert(finding);
    for (const SignatureMatch& match : report.matches) {
      if (match.signature->action != SignatureAction::Log &&
          scored.insert(match.signature->id).second)
        score += match.signature->score;
    }
  }
  return {findings, score};
}

void requireSameAsOneByOne(const SignatureSet& set, const canonical::FieldList& fields,
                           std::uint8_t paranoia_level = 4) {
  const ScanReport batched = test::scan(set, fields, paranoia_level);
  const auto [findings, score] = oneByOne(set, fields, paranoia_level);
  std::string listed;
  for (const canonical::Field& f : fields) listed += "\n  [" + f.name + "] " + f.value;
  INFO("fields:" << listed);
  REQUIRE(findingsOf(batched) == findings);
  REQUIRE(batched.anomaly_score == score);
}

TEST_CASE("patternBatchable: buffer anchors and options turned off are refused", "[signatures]") {
  for (const char* yes : {"abc", "^abc$", "\\babc\\b", "a\\\\Abc", "(?i)abc", "(?:a|b)", "(?s:a.b)",
                          "[\\w]+", "\\x41", "a\\"}) {
    INFO(yes);
    CHECK(patternBatchable(yes));
  }
  for (const char* no : {"\\Aabc", "abc\\z", "abc\\Z", "\\Gabc", "x(?-m)^abc", "(?i-s:a.b)",
                         "(?^:abc)", "[\\A]", "\\\\\\Aabc"}) {
    INFO(no);
    CHECK_FALSE(patternBatchable(no));
  }
}

TEST_CASE("batch databases: compiled for batchable groups only", "[signatures]") {
  const auto set = test::compileYaml(R"(signatures:
  - id: t.plain
    description: batchable
    pattern: '^evil'
    targets: [query_value]
  - id: t.anchored
    description: a buffer anchor keeps its group value by value
    pattern: '\Aworse'
    targets: [header_value]
)");
  for (const SignatureGroup& group : set->groups()) {
    INFO(canonical::fieldSourceName(group.source));
    CHECK((group.batch_database != nullptr) == (group.source == FieldSource::QueryValue));
    CHECK(group.database != nullptr);
  }
}

TEST_CASE("batched scans find what value-by-value scans find: anchors at value edges",
          "[signatures]") {
  const auto set = test::compileYaml(R"(signatures:
  - id: t.start
    description: at the start of a value
    pattern: '^evil'
    targets: [query_value, header_value]
  - id: t.end
    description: at the end of a value
    pattern: 'evil$'
    targets: [query_value, header_value]
  - id: t.whole
    description: the whole value
    pattern: '^evil$'
    targets: [query_value, header_value]
  - id: t.word
    description: a whole word
    pattern: '\bevil\b'
    targets: [query_value]
  - id: t.not-word-edge
    description: next to a non-word byte
    pattern: '\B-evil'
    targets: [query_value]
  - id: t.span
    description: would match across two values joined by a newline
    pattern: 'foo\s+bar'
    targets: [query_value, header_value]
  - id: t.buffer-start
    description: a buffer anchor (its group is not batched)
    pattern: '\Aworse'
    targets: [header_value]
  - id: t.named
    description: only in the parameter called id
    pattern: 'secret'
    targets: [query_value:id]
  - id: t.decoded
    description: after decoding
    pattern: '^<script'
    transforms: [url_decode]
    targets: [query_value]
)");
  const std::vector<std::vector<std::string>> lists = {
      {"evil", "evil"},
      {"x", "evil"},
      {"evil x", "y"},
      {"x evil", "y evil", "z"},
      {"foo", "bar"},                 // only across the separator: no match anywhere
      {"foo bar", "foo"},
      {"a\nevil", "b"},               // '^' after a line break inside a value: not a start
      {"evil\nb", "c"},
      {"-evil", "x-evil", "y"},
      {"worse", "worse", "x"},
      {"x", "%3Cscript", "<script"},
      {"secret", "secret", "x"},
      {"evil", std::string(kMaxBatchedValueBytes + 1, 'e') + "evil", "x"},  // one is long
      {"", "", "evil"},
  };
  for (const auto& values : lists) {
    for (const FieldSource source : {FieldSource::QueryValue, FieldSource::HeaderValue}) {
      canonical::FieldList fields;
      for (std::size_t i = 0; i < values.size(); ++i)
        fields.push_back(field(source, i == 1 ? "id" : "p" + std::to_string(i), values[i]));
      requireSameAsOneByOne(*set, fields);
    }
  }
  // The batch of "foo" and "bar" matches t.span, the values do not: nothing is reported.
  CHECK(test::scan(*set, {field(FieldSource::QueryValue, "a", "foo"),
                          field(FieldSource::QueryValue, "b", "bar")})
            .matches.empty());
}

TEST_CASE("batched scans find what value-by-value scans find: default signatures, own cases",
          "[signatures]") {
  // Every signature as `score` (a `block` match stops the scan, and the comparison wants all
  // matches) and no cap on recorded matches.
  auto loaded = loadSignatureDirectory((test::kRepo / "rules/signatures").string());
  REQUIRE(loaded);
  for (Signature& signature : *loaded) signature.action = SignatureAction::Score;
  ScanLimits limits;
  limits.max_recorded_matches = 1 << 20;
  auto compiled = SignatureSet::compile(std::move(*loaded), limits);
  REQUIRE(compiled);
  const SignatureSet& set = **compiled;

  // Every case value of every target, matching or not, grouped by (source, name).
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> values;
  for (const auto& entry : std::filesystem::directory_iterator(test::kRepo / "corpus/signatures")) {
    const YAML::Node file = YAML::LoadFile(entry.path().string());
    for (const char* section : {"cases", "benign"}) {
      for (const YAML::Node& item : file[section]) {
        const auto target = item["target"].as<std::string>();
        const auto name = item["name"] ? item["name"].as<std::string>() : std::string("q");
        auto& list = values[{target, name}];
        for (const char* key : {"match", "no_match", "values"}) {
          for (const YAML::Node& value : item[key]) list.push_back(value.as<std::string>());
        }
      }
    }
  }
  std::size_t lists = 0;
  for (const auto& [where, list] : values) {
    FieldSource source = FieldSource::Path;
    bool known = false;
    for (std::size_t s = 0; s < canonical::kFieldSourceCount; ++s) {
      if (canonical::fieldSourceName(static_cast<FieldSource>(s)) == where.first) {
        source = static_cast<FieldSource>(s);
        known = true;
      }
    }
    REQUIRE(known);
    // Windows of five neighbours (matches next to non-matches, in file order) at every offset.
    for (std::size_t start = 0; start < list.size(); ++start) {
      canonical::FieldList fields;
      for (std::size_t k = start; k < std::min(list.size(), start + 5); ++k)
        fields.push_back(field(source, where.second, list[k]));
      requireSameAsOneByOne(set, fields, 4);
      requireSameAsOneByOne(set, fields, 1);
      ++lists;
    }
  }
  CHECK(lists > 400);
}

}  // namespace
}  // namespace rampart::signatures
