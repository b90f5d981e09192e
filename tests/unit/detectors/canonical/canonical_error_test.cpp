#include "detectors/canonical/canonical_error.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace rampart::canonical {
namespace {

TEST_CASE("every canonical error has a distinct snake_case reason", "[canonical]") {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < kCanonicalErrorCount; ++i) {
    const std::string_view reason = reasonAt(i);
    REQUIRE(!reason.empty());
    REQUIRE(seen.insert(reason).second);
    for (const char c : reason) REQUIRE(((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'));
  }
  REQUIRE(reasonOf(CanonicalError::PathInvalidUtf8) == "path_invalid_utf8");
  REQUIRE(reasonOf(CanonicalError::XmlTooManyFields) == "xml_too_many_fields");
}

TEST_CASE("docs/canonicalisation.md lists every reason", "[canonical]") {
  std::ifstream in(std::string(RAMPART_RULES_DIR) + "/../docs/canonicalisation.md");
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  for (std::size_t i = 1; i < kCanonicalErrorCount; ++i) {
    INFO(reasonAt(i));
    REQUIRE(text.str().find("`" + std::string(reasonAt(i)) + "`") != std::string::npos);
  }
}

TEST_CASE("toError maps a canonical error to a downstream Error", "[canonical]") {
  const Error e = toError(CanonicalError::ContentTypeCharsetNotAllowed, "body");
  REQUIRE(e.source == ErrorSource::Downstream);
  REQUIRE(e.status == 415);
  REQUIRE(e.reason == "content_type_charset_not_allowed");
  REQUIRE(e.detail == "body");
  REQUIRE(statusOf(CanonicalError::BodyTooLarge) == 413);
  REQUIRE(statusOf(CanonicalError::PathTooLong) == 414);
  REQUIRE(statusOf(CanonicalError::MultipartBadBoundary) == 400);
}

}  // namespace
}  // namespace rampart::canonical
