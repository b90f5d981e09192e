#include "detectors/signatures/signature_scanner.h"

#include <catch2/catch.hpp>

#include "tests/unit/detectors/signatures/signature_test_support.h"

namespace rampart::signatures {
namespace {

using canonical::FieldSource;
using test::field;

constexpr std::string_view kSet = R"(signatures:
  - id: t.query
    description: in query values
    pattern: 'evil'
    targets: [query_value]
    score: 3
  - id: t.decoded
    description: after two decodes and lowercase
    pattern: '<script'
    transforms: [url_decode, lowercase]
    targets: [args]
    score: 4
  - id: t.referer
    description: only in the referer header
    pattern: 'bad-ref'
    targets: [header_value:referer]
  - id: t.pl3
    description: only from paranoia level 3
    pattern: 'strict'
    targets: [query_value]
    paranoia_level: 3
  - id: t.log
    description: recorded only
    pattern: 'watch'
    targets: [query_value]
    action: log
  - id: t.block
    description: blocks at once
    pattern: 'kill'
    targets: [query_value, path]
    score: 7
    action: block
  - id: t.names
    description: in parameter names
    pattern: '^\$ne$'
    targets: [args_names]
)";

TEST_CASE("scan: a match scores, records id, field and excerpt", "[signatures]") {
  const auto set = test::compileYaml(kSet);
  const ScanReport report = test::scan(*set, {field(FieldSource::QueryValue, "q", "an evil one")});
  CHECK(report.outcome == ScanOutcome::Scored);
  CHECK(report.anomaly_score == 3);
  REQUIRE(report.matches.size() == 1);
  CHECK(report.matches[0].signature->id == "t.query");
  CHECK(report.matches[0].source == FieldSource::QueryValue);
  CHECK(report.matches[0].field_name == "q");
  CHECK(report.matches[0].excerpt == "an evil one");
}

TEST_CASE("scan: only the targeted sources and names", "[signatures]") {
  const auto set = test::compileYaml(kSet);
  CHECK(test::scan(*set, {field(FieldSource::CookieValue, "c", "evil")}).outcome ==
        ScanOutcome::NoMatch);
  CHECK(test::scan(*set, {field(FieldSource::HeaderValue, "user-agent", "bad-ref")}).outcome ==
        ScanOutcome::NoMatch);
  CHECK(test::matchedIds(test::scan(*set, {field(FieldSource::HeaderValue, "referer", "bad-ref")})) ==
        std::vector<std::string>{"t.referer"});
  CHECK(test::matchedIds(test::scan(*set, {field(FieldSource::JsonName, "a.$ne", "$ne")})) ==
        std::vector<std::string>{"t.names"});
  CHECK(test::matchedIds(test::scan(*set, {field(FieldSource::FormValue, "f", "%253CScRiPt")})) ==
        std::vector<std::string>{});  // two levels encoded, one decode: "%3Cscript"
  CHECK(test::matchedIds(test::scan(*set, {field(FieldSource::FormValue, "f", "%3CScRiPt")})) ==
        std::vector<std::string>{"t.decoded"});
}

TEST_CASE("scan: paranoia level filters signatures above the route's", "[signatures]") {
  const auto set = test::compileYaml(kSet);
  const canonical::FieldList fields = {field(FieldSource::QueryValue, "q", "strict")};
  CHECK(test::scan(*set, fields, 1).outcome == ScanOutcome::NoMatch);
  CHECK(test::scan(*set, fields, 2).outcome == ScanOutcome::NoMatch);
  CHECK(test::scan(*set, fields, 3).outcome == ScanOutcome::Scored);
  CHECK(test::scan(*set, fields, 4).outcome == ScanOutcome::Scored);
}

TEST_CASE("scan: log records without scoring, block stops the scan", "[signatures]") {
  const auto set = test::compileYaml(kSet);
  const ScanReport logged = test::scan(*set, {field(FieldSource::QueryValue, "q", "watch")});
  CHECK(logged.outcome == ScanOutcome::LogOnly);
  CHECK(logged.anomaly_score == 0);
  CHECK(test::matchedIds(logged) == std::vector<std::string>{"t.log"});

  const ScanReport blocked = test::scan(*set, {field(FieldSource::Path, "", "/kill"),
                                               field(FieldSource::QueryValue, "q", "evil")});
  CHECK(blocked.outcome == ScanOutcome::Block);
  CHECK(blocked.anomaly_score == 7);
  CHECK(test::matchedIds(blocked) == std::vector<std::string>{"t.block"});  // stopped there
}

TEST_CASE("scan: a signature scores once per report, every matching field is recorded",
          "[signatures]") {
  const auto set = test::compileYaml(kSet);
  auto scratch = SignatureScratch::forSet(*set);
  REQUIRE(scratch.has_value());
  SignatureScanner scanner(*set, *scratch, 1);
  ScanReport report;
  REQUIRE(scanner.scan({field(FieldSource::QueryValue, "a", "evil"),
                        field(FieldSource::QueryValue, "b", "evil evil")},
                       report));
  REQUIRE(scanner.scan({field(FieldSource::QueryValue, "c", "evil")}, report));  // next phase
  CHECK(report.anomaly_score == 3);
  CHECK(report.matches.size() == 3);
  CHECK(report.outcome == ScanOutcome::Scored);
}

TEST_CASE("scan: bounded excerpts, names, recorded matches and transform input",
          "[signatures]") {
  ScanLimits limits;
  limits.max_recorded_matches = 2;
  limits.excerpt_bytes = 16;
  limits.field_name_bytes = 4;
  limits.max_transform_input_bytes = 64;
  const auto set = test::compileYaml(kSet, limits);

  const std::string long_value = std::string(100, 'x') + "evil\x01" + std::string(100, 'y');
  const ScanReport report = test::scan(
      *set, {field(FieldSource::QueryValue, "a-long-name", long_value),
             field(FieldSource::QueryValue, "b", "evil"), field(FieldSource::QueryValue, "c", "evil!")});
  REQUIRE(report.matches.size() == 2);
  CHECK(report.unrecorded_matches == 1);
  CHECK(report.matches[0].field_name == "a-lo");
  // 16 bytes ending 4 (a quarter) past the match's end; the control byte escaped
  CHECK(report.matches[0].excerpt == "xxxxxxxxevil\\x01yyy");

  // Past the cap, transformed signatures no longer see the value; plain ones still do.
  const std::string padded = std::string(100, 'a') + "%3Cscript";
  const ScanReport truncated = test::scan(*set, {field(FieldSource::QueryValue, "q", padded)});
  CHECK(truncated.outcome == ScanOutcome::NoMatch);
  CHECK(truncated.truncated_fields == 1);
  const ScanReport plain =
      test::scan(*set, {field(FieldSource::QueryValue, "q", std::string(100, 'a') + "evil")});
  CHECK(plain.outcome == ScanOutcome::Scored);
}

TEST_CASE("scan: a short value seen again in the same source is scanned once", "[signatures]") {
  const auto set = test::compileYaml(kSet);
  const ScanReport report = test::scan(
      *set, {field(FieldSource::QueryValue, "a", "<script"), field(FieldSource::QueryValue, "b", "<script"),
             field(FieldSource::FormValue, "c", "<script")});
  // the second query value adds nothing (same signatures, already scored); another source does
  REQUIRE(report.matches.size() == 2);
  CHECK(report.matches[0].field_name == "a");
  CHECK(report.matches[1].source == FieldSource::FormValue);
  CHECK(report.anomaly_score == 4);
  CHECK(report.outcome == ScanOutcome::Scored);
}

TEST_CASE("scan: values a chain leaves unchanged are scanned as they are", "[signatures]") {
  const auto set = test::compileYaml(kSet);
  // Unchanged by every chain (no escape, no upper case): scanned without copies; both match.
  const ScanReport plain =
      test::scan(*set, {field(FieldSource::QueryValue, "q", "an evil <script here")});
  CHECK(plain.anomaly_score == 3 + 4);
  CHECK(plain.matches.size() == 2);
  // Changed by url_decode,lowercase: group by group; both still match.
  const ScanReport escaped =
      test::scan(*set, {field(FieldSource::QueryValue, "q", "an evil %3CSCRIPT here")});
  CHECK(escaped.anomaly_score == 3 + 4);
  // The paranoia level still applies to merged members, and log members still only log.
  CHECK(test::scan(*set, {field(FieldSource::QueryValue, "q", "strict")}, 1).outcome ==
        ScanOutcome::NoMatch);
  CHECK(test::scan(*set, {field(FieldSource::QueryValue, "q", "watch")}).outcome ==
        ScanOutcome::LogOnly);
}

TEST_CASE("scan: past the remembered values, repeats are scanned again", "[signatures]") {
  const auto set = test::compileYaml(kSet);
  canonical::FieldList fields;
  for (int i = 0; i < 600; ++i) fields.push_back(field(FieldSource::QueryValue, "n", std::to_string(i)));
  fields.push_back(field(FieldSource::QueryValue, "a", "<script"));
  fields.push_back(field(FieldSource::QueryValue, "b", "<script"));
  const ScanReport report = test::scan(*set, fields);
  // beyond the table's 512 values nothing is remembered: both fields are scanned and match
  REQUIRE(report.matches.size() == 2);
  CHECK(report.anomaly_score == 4);
}

TEST_CASE("scan: empty values and empty field lists", "[signatures]") {
  const auto set = test::compileYaml(kSet);
  CHECK(test::scan(*set, {}).outcome == ScanOutcome::NoMatch);
  CHECK(test::scan(*set, {field(FieldSource::QueryValue, "q", "")}).outcome ==
        ScanOutcome::NoMatch);
}

TEST_CASE("scan: a scratch made for another set is refused", "[signatures]") {
  const auto set = test::compileYaml(kSet);
  const auto other = test::compileYaml(kSet);
  auto scratch = SignatureScratch::forSet(*other);
  REQUIRE(scratch.has_value());
  CHECK_FALSE(scratch->isFor(*set));
  SignatureScanner scanner(*set, *scratch, 1);
  ScanReport report;
  const Status status = scanner.scan({field(FieldSource::QueryValue, "q", "evil")}, report);
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().reason == "signature_scratch_mismatch");
  CHECK(report.outcome == ScanOutcome::NoMatch);
}

TEST_CASE("scratch moves keep working; outcome names", "[signatures]") {
  const auto set = test::compileYaml(kSet);
  auto made = SignatureScratch::forSet(*set);
  REQUIRE(made.has_value());
  SignatureScratch moved = std::move(*made);
  CHECK_FALSE(made->isFor(*set));  // a moved-from scratch is for no set: scans are refused
  CHECK(moved.isFor(*set));
  auto other = SignatureScratch::forSet(*set);
  REQUIRE(other.has_value());
  SignatureScratch assigned = std::move(*other);
  assigned = std::move(moved);  // frees the scratch it held, takes moved's
  CHECK_FALSE(moved.isFor(*set));
  SignatureScanner refused(*set, moved, 1);
  ScanReport nothing;
  CHECK_FALSE(refused.scan({field(FieldSource::QueryValue, "q", "evil")}, nothing));
  SignatureScanner scanner(*set, assigned, 1);
  ScanReport report;
  REQUIRE(scanner.scan({field(FieldSource::QueryValue, "q", "evil")}, report));
  CHECK(report.outcome == ScanOutcome::Scored);
  CHECK(scanOutcomeName(ScanOutcome::Block) == "block");
  CHECK(signatureActionName(SignatureAction::Log) == "log");
}

}  // namespace
}  // namespace rampart::signatures
