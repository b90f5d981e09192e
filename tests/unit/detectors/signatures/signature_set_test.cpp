#include "detectors/signatures/signature_set.h"

#include <catch2/catch.hpp>

#include "tests/unit/detectors/signatures/signature_test_support.h"

namespace rampart::signatures {
namespace {

using canonical::FieldSource;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("compile groups signatures by (source, transform chain)", "[signatures]") {
  const auto set = test::compileYaml(R"(signatures:
  - id: g.a
    description: a
    pattern: 'aaa'
    targets: [query_value, path]
  - id: g.b
    description: b
    pattern: 'bbb'
    targets: [query_value]
  - id: g.c
    description: c
    pattern: 'ccc'
    transforms: [lowercase]
    targets: [query_value]
    paranoia_level: 3
  - id: g.d
    description: d
    pattern: 'ddd'
    targets: [header_value:referer, header_value:user-agent]
)");
  REQUIRE(set->groups().size() == 4);
  const SignatureGroup& query_plain = set->groups()[0];
  CHECK(query_plain.source == FieldSource::QueryValue);
  CHECK(query_plain.transforms.empty());
  REQUIRE(query_plain.members.size() == 2);  // g.a and g.b share one database
  CHECK(query_plain.min_paranoia_level == 1);
  CHECK(set->groups()[1].source == FieldSource::Path);
  const SignatureGroup& query_lower = set->groups()[2];
  CHECK(query_lower.transforms == TransformChain{Transform::Lowercase});
  CHECK(query_lower.min_paranoia_level == 3);
  const SignatureGroup& headers = set->groups()[3];
  REQUIRE(headers.members.size() == 1);  // two name restrictions, one member
  CHECK(headers.members[0].field_names == std::vector<std::string>{"referer", "user-agent"});
  CHECK(set->groupsFor(FieldSource::QueryValue).size() == 2);
  CHECK(set->groupsFor(FieldSource::CookieValue).empty());
  for (const SignatureGroup& group : set->groups()) CHECK(group.database != nullptr);
}

TEST_CASE("an unrestricted target widens a name-restricted one", "[signatures]") {
  const auto set = test::compileYaml(R"(signatures:
  - id: g.a
    description: a
    pattern: 'aaa'
    targets: [header_value:referer, header_value]
)");
  REQUIRE(set->groups().size() == 1);
  CHECK(set->groups()[0].members[0].field_names.empty());
}

TEST_CASE("a bad pattern refuses with file, position, id and Hyperscan's message",
          "[signatures]") {
  auto parsed = parseSignatureFile(R"(signatures:
  - id: ok.one
    description: fine
    pattern: 'fine'
    targets: [args]
  - id: bad.one
    description: unbalanced
    pattern: 'a(b'
    targets: [args]
)",
                                   "bad.yaml");
  REQUIRE(parsed.has_value());
  auto set = SignatureSet::compile(std::move(*parsed));
  REQUIRE_FALSE(set.has_value());
  CHECK(set.error().reason == kSignaturesInvalid);
  CHECK_THAT(set.error().detail,
             StartsWith("bad.yaml:8:14: signature 'bad.one': pattern does not compile: "));
  CHECK_THAT(set.error().detail, Contains("Missing close parenthesis"));
}

TEST_CASE("patterns Hyperscan cannot support are refused the same way", "[signatures]") {
  for (const char* pattern : {"(a)\\1", "a*", "(?=x)y"}) {
    auto parsed = parseSignatureFile(std::string("signatures:\n  - id: bad.x\n    description: "
                                                 "x\n    pattern: '") +
                                         pattern + "'\n    targets: [args]\n",
                                     "bad.yaml");
    REQUIRE(parsed.has_value());
    auto set = SignatureSet::compile(std::move(*parsed));
    INFO(pattern);
    REQUIRE_FALSE(set.has_value());
    CHECK_THAT(set.error().detail, StartsWith("bad.yaml:4:14: signature 'bad.x': pattern does "
                                              "not compile: "));
  }
}

TEST_CASE("an empty signature list compiles into a set that matches nothing", "[signatures]") {
  auto set = SignatureSet::compile({});
  REQUIRE(set.has_value());
  CHECK((*set)->groups().empty());
  const ScanReport report =
      test::scan(**set, {test::field(FieldSource::QueryValue, "q", "${jndi:x}")});
  CHECK(report.outcome == ScanOutcome::NoMatch);
}

TEST_CASE("every compiled set has its own generation", "[signatures]") {
  auto a = SignatureSet::compile({});
  auto b = SignatureSet::compile({});
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK((*a)->generation() != (*b)->generation());
}

}  // namespace
}  // namespace rampart::signatures

namespace rampart::signatures {
namespace {

TEST_CASE("groups with the same signatures share one database", "[signatures]") {
  const auto set = test::compileYaml(R"(signatures:
  - id: s.a
    description: a
    pattern: 'aaa'
    targets: [args]
  - id: s.b
    description: b
    pattern: 'bbb'
    targets: [query_value]
)");
  REQUIRE(set->groups().size() == 5);  // args: five sources
  const SignatureGroup& query = set->groups()[0];
  const SignatureGroup& form = set->groups()[1];
  CHECK(query.members.size() == 2);
  CHECK(form.members.size() == 1);
  CHECK(query.database != form.database);
  for (std::size_t g = 2; g < set->groups().size(); ++g)
    CHECK(set->groups()[g].database == form.database);
  const ScanReport report =
      test::scan(*set, {test::field(canonical::FieldSource::JsonValue, "a", "aaa"),
                        test::field(canonical::FieldSource::QueryValue, "q", "bbb")});
  CHECK(test::matchedIds(report) == std::vector<std::string>{"s.a", "s.b"});
}

}  // namespace
}  // namespace rampart::signatures
