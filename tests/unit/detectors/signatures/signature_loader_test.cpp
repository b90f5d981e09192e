#include "detectors/signatures/signature_loader.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/unit/detectors/signatures/signature_test_support.h"

namespace rampart::signatures {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

constexpr std::string_view kGood = R"(signatures:
  - id: test.one
    description: one
    pattern: 'evil\d+'
    flags: [caseless, dotall]
    targets: [args, header_value:Referer]
    transforms: [url_decode, lowercase]
    score: 4
    paranoia_level: 2
    action: log
    tags: [a, b]
)";

std::string errorOf(std::string_view yaml) {
  auto result = parseSignatureFile(yaml, "sig.yaml");
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().reason == kSignaturesInvalid);
  CHECK(result.error().source == ErrorSource::Config);
  return result.error().detail;
}

std::string withSignature(std::string_view extra_lines) {
  return std::string(
             "signatures:\n  - id: test.x\n    description: x\n    pattern: 'x'\n"
             "    targets: [args]\n") +
         std::string(extra_lines);
}

TEST_CASE("loader reads every key", "[signatures]") {
  auto result = parseSignatureFile(kGood, "sig.yaml");
  REQUIRE(result.has_value());
  REQUIRE(result->size() == 1);
  const Signature& s = (*result)[0];
  CHECK(s.id == "test.one");
  CHECK(s.pattern == "evil\\d+");
  CHECK(s.flags == (static_cast<PatternFlags>(PatternFlag::Caseless) |
                    static_cast<PatternFlags>(PatternFlag::DotAll)));
  CHECK(s.targets.size() == 6);  // args (5) + header_value:referer
  CHECK(s.targets.back().field_name == "referer");
  CHECK(s.transforms == TransformChain{Transform::UrlDecode, Transform::Lowercase});
  CHECK(s.score == 4);
  CHECK(s.paranoia_level == 2);
  CHECK(s.action == SignatureAction::Log);
  CHECK(s.tags == std::vector<std::string>{"a", "b"});
  CHECK(s.position.describe() == "sig.yaml:2:5");
  CHECK(s.pattern_position.describe() == "sig.yaml:4:14");
}

TEST_CASE("loader defaults: score 5, PL1, action score, no flags or transforms", "[signatures]") {
  auto result = parseSignatureFile(withSignature(""), "sig.yaml");
  REQUIRE(result.has_value());
  const Signature& s = (*result)[0];
  CHECK(s.score == 5);
  CHECK(s.paranoia_level == 1);
  CHECK(s.action == SignatureAction::Score);
  CHECK(s.flags == 0);
  CHECK(s.transforms.empty());
}

TEST_CASE("loader errors carry FILE:LINE:COL", "[signatures]") {
  CHECK(errorOf(withSignature("    scroe: 5\n")) ==
        "sig.yaml:6:5: unknown key 'scroe' in signatures[0]; expected one of: id, description, "
        "pattern, flags, targets, transforms, score, paranoia_level, action, tags (did you mean "
        "'score'?)");
  CHECK(errorOf("signature: []\n") ==
        "sig.yaml:1:1: unknown key 'signature' at top level; expected one of: signatures (did "
        "you mean 'signatures'?)");
  CHECK(errorOf("signatures:\n  - id: a.b\n    pattern: x\n    targets: [args]\n") ==
        "sig.yaml:2:5: missing required key 'signatures[0].description'");
  CHECK_THAT(errorOf(withSignature("    targets: [args]\n")),
             StartsWith("sig.yaml:6:5: duplicate key 'targets'"));
  CHECK_THAT(errorOf(withSignature("    transforms: [url_decode, urldecode]\n")),
             StartsWith("sig.yaml:6:30: signatures[0].transforms[1]: unknown transform "
                        "'urldecode'"));
  CHECK_THAT(errorOf(withSignature("    transforms: [urldecode]\n")),
             Contains("(did you mean 'url_decode'?)"));
  CHECK_THAT(errorOf(withSignature("    flags: [nocase]\n")),
             StartsWith("sig.yaml:6:13: signatures[0].flags[0]: unknown flag 'nocase'"));
  CHECK_THAT(errorOf(withSignature("    flags: [ucp]\n")), Contains("'ucp' needs 'utf8'"));
  CHECK(errorOf(withSignature("    score: -1\n")) ==
        "sig.yaml:6:12: signatures[0].score: expected an integer in 0..1000, got '-1'");
  CHECK_THAT(errorOf(withSignature("    score: '5'\n")), Contains("got a quoted string"));
  CHECK_THAT(errorOf(withSignature("    paranoia_level: 5\n")),
             StartsWith("sig.yaml:6:21: signatures[0].paranoia_level: expected an integer in "
                        "1..4"));
  CHECK_THAT(errorOf(withSignature("    action: deny\n")),
             StartsWith("sig.yaml:6:13: signatures[0].action: unknown action 'deny'"));
  CHECK_THAT(errorOf(withSignature("    tags: tag\n")),
             StartsWith("sig.yaml:6:11: signatures[0].tags: expected a list"));
  CHECK_THAT(errorOf("signatures:\n  - id: 'bad id'\n    description: x\n    pattern: x\n"
                     "    targets: [args]\n"),
             StartsWith("sig.yaml:2:9: signatures[0].id: 'bad id' is not a valid id"));
  CHECK_THAT(errorOf("signatures:\n  - id: a.b\n    description: x\n    pattern: ''\n"
                     "    targets: [args]\n"),
             StartsWith("sig.yaml:4:14: signatures[0].pattern: must not be empty"));
}

TEST_CASE("loader refuses bad targets with the position of the entry", "[signatures]") {
  CHECK_THAT(errorOf("signatures:\n  - id: a.b\n    description: x\n    pattern: x\n"
                     "    targets: [args, quer_value]\n"),
             StartsWith("sig.yaml:5:21: signatures[0].targets[1]: unknown target 'quer_value'"));
  CHECK_THAT(errorOf("signatures:\n  - id: a.b\n    description: x\n    pattern: x\n"
                     "    targets: [path:x]\n"),
             Contains("path fields have no name to restrict to"));
  CHECK_THAT(errorOf("signatures:\n  - id: a.b\n    description: x\n    pattern: x\n"
                     "    targets: []\n"),
             StartsWith("sig.yaml:5:14: signatures[0].targets: needs at least one target"));
}

TEST_CASE("loader refuses duplicate ids, naming both places", "[signatures]") {
  const std::string twice = withSignature("") +
                            "  - id: test.x\n    description: y\n    pattern: 'y'\n"
                            "    targets: [args]\n";
  CHECK(errorOf(twice) ==
        "sig.yaml:6:9: signatures[1].id: duplicate id 'test.x' (first defined at sig.yaml:2:5)");

  auto first = parseSignatureFile(withSignature(""), "a.yaml");
  auto second = parseSignatureFile(withSignature(""), "b.yaml");
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  SignatureList all = std::move(*first);
  const Status merged = appendSignatures(all, std::move(*second));
  REQUIRE_FALSE(merged.has_value());
  CHECK(merged.error().detail ==
        "b.yaml:2:5: duplicate id 'test.x' (first defined at a.yaml:2:5)");
}

TEST_CASE("loader refuses malformed YAML, empty files and second documents", "[signatures]") {
  CHECK_THAT(errorOf("signatures: [\n"), StartsWith("sig.yaml:"));
  CHECK(errorOf("") == "sig.yaml:1:1: the file is empty; expected a map with 'signatures'");
  CHECK_THAT(errorOf(withSignature("") + "---\nsignatures: []\n"),
             Contains("unexpected second YAML document"));
  CHECK_THAT(errorOf("- a\n"), StartsWith("sig.yaml:1:1: expected a map at top level"));
}

TEST_CASE("loadSignatureDirectory reads *.yaml in name order", "[signatures]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rampart-sig-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "b.yaml") << withSignature("");
    std::ofstream(dir / "a.yaml")
        << "signatures:\n  - id: test.a\n    description: a\n    pattern: a\n"
           "    targets: [path]\n";
    std::ofstream(dir / "notes.txt") << "ignored";
  }
  auto loaded = loadSignatureDirectory(dir.string());
  REQUIRE(loaded.has_value());
  REQUIRE(loaded->size() == 2);
  CHECK((*loaded)[0].id == "test.a");
  CHECK((*loaded)[1].id == "test.x");

  std::ofstream(dir / "c.yaml") << withSignature("");
  auto duplicate = loadSignatureDirectory(dir.string());
  REQUIRE_FALSE(duplicate.has_value());
  CHECK_THAT(duplicate.error().detail, Contains("duplicate id 'test.x'"));
  std::filesystem::remove_all(dir);

  auto missing = loadSignatureDirectory(dir.string());
  REQUIRE_FALSE(missing.has_value());
  CHECK_THAT(missing.error().detail, Contains("cannot list"));
}

}  // namespace
}  // namespace rampart::signatures
