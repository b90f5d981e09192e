#include "detectors/canonical/media_type.h"

#include <catch2/catch.hpp>

#include "tests/unit/detectors/canonical/canonical_error_printer.h"

namespace rampart::canonical {
namespace {

MediaType parse(std::string_view text) {
  MediaType out;
  INFO(text);
  REQUIRE(parseMediaType(text, out) == CanonicalError::None);
  return out;
}

CanonicalError errorOf(std::string_view text) {
  MediaType out;
  return parseMediaType(text, out);
}

TEST_CASE("media type: case-insensitive type, parameters parsed properly", "[canonical]") {
  const MediaType m = parse("Multipart/Form-Data; Boundary=\"abc \\\"def\"");
  REQUIRE(m.essence() == "multipart/form-data");
  REQUIRE(m.parameters.size() == 1);
  REQUIRE(m.parameters[0].name == "boundary");
  REQUIRE(*m.parameter("boundary") == "abc \"def");
  REQUIRE(parse("application/json;charset=UTF-8").parameter("charset") != nullptr);
  REQUIRE(parse("text/plain ; charset=utf-8 ;").parameters.size() == 1);
  REQUIRE(parse("text/plain;;").parameters.empty());
  REQUIRE(*parse("multipart/form-data; boundary=abc").parameter("boundary") ==
          *parse("multipart/form-data; boundary=\"abc\"").parameter("boundary"));
}

TEST_CASE("media type: grammar games are refused", "[canonical]") {
  REQUIRE(errorOf("") == CanonicalError::ContentTypeInvalid);
  REQUIRE(errorOf("json") == CanonicalError::ContentTypeInvalid);
  REQUIRE(errorOf("application/") == CanonicalError::ContentTypeInvalid);
  REQUIRE(errorOf("application/json, text/plain") == CanonicalError::ContentTypeInvalid);
  REQUIRE(errorOf("application/json charset=utf-8") == CanonicalError::ContentTypeInvalid);
  REQUIRE(errorOf("application/json; charset") == CanonicalError::ContentTypeInvalid);
  REQUIRE(errorOf("application/json; charset=") == CanonicalError::ContentTypeInvalid);
  REQUIRE(errorOf("application/json; charset=\"utf-8") == CanonicalError::ContentTypeInvalid);
  REQUIRE(errorOf("application/json; charset = utf-8") == CanonicalError::ContentTypeInvalid);
  REQUIRE(errorOf("application/json; charset=utf-8; charset=utf-7") ==
          CanonicalError::ContentTypeDuplicateParameter);
  REQUIRE(errorOf("multipart/form-data; boundary=a; BOUNDARY=b") == CanonicalError::ContentTypeDuplicateParameter);
  REQUIRE(errorOf("text/plain; a=1; b=2; c=3; d=4; e=5; f=6; g=7; h=8; i=9") == CanonicalError::ContentTypeInvalid);
}

}  // namespace
}  // namespace rampart::canonical
