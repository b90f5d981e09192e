#include "detectors/canonical/body_contract.h"

#include <catch2/catch.hpp>

#include "tests/unit/detectors/canonical/canonical_error_printer.h"

namespace rampart::canonical {
namespace {

MediaType media(std::string_view text) {
  MediaType out;
  REQUIRE(parseMediaType(text, out) == CanonicalError::None);
  return out;
}

TEST_CASE("body contract: default mapping, suffixes, unlisted refused", "[canonical]") {
  const BodyContract contract;
  REQUIRE(contract.parserFor(media("application/x-www-form-urlencoded")) == BodyParser::Form);
  REQUIRE(contract.parserFor(media("multipart/form-data; boundary=x")) == BodyParser::Multipart);
  REQUIRE(contract.parserFor(media("APPLICATION/JSON")) == BodyParser::Json);
  REQUIRE(contract.parserFor(media("application/vnd.api+json")) == BodyParser::Json);
  REQUIRE(contract.parserFor(media("application/soap+xml")) == BodyParser::Xml);
  REQUIRE(contract.parserFor(media("text/xml")) == BodyParser::Xml);
  REQUIRE(contract.parserFor(media("text/plain")) == BodyParser::Raw);
  REQUIRE(contract.parserFor(media("application/x-unknown")) == BodyParser::Reject);
  REQUIRE(contract.parserFor(media("multipart/mixed; boundary=x")) == BodyParser::Reject);
  REQUIRE(contract.parserFor(media("application/+json")) == BodyParser::Reject);  // no subtype before the suffix
}

TEST_CASE("body contract: a route can map, raw-inspect or refuse each type", "[canonical]") {
  BodyContract contract;
  contract.entries = {{"application/json", BodyParser::Json}, {"text/plain", BodyParser::Json},
                      {"application/pdf", BodyParser::Raw}};
  contract.unlisted = BodyParser::Raw;
  REQUIRE(contract.parserFor(media("text/plain")) == BodyParser::Json);
  REQUIRE(contract.parserFor(media("application/x-www-form-urlencoded")) == BodyParser::Raw);
  REQUIRE(contract.parserFor(media("application/vnd.api+json")) == BodyParser::Raw);
}

TEST_CASE("body contract: parameters each parser accepts", "[canonical]") {
  const BodyContract contract;
  auto check = [&](std::string_view text) {
    const MediaType m = media(text);
    return contract.checkParameters(m, contract.parserFor(m));
  };
  REQUIRE(check("application/json; charset=utf-8") == CanonicalError::None);
  REQUIRE(check("application/json; charset=US-ASCII") == CanonicalError::None);
  REQUIRE(check("application/json; charset=\"UTF-8\"") == CanonicalError::None);
  // Charset games: nothing else is transcoded, so nothing else is accepted.
  REQUIRE(check("application/json; charset=utf-7") == CanonicalError::ContentTypeCharsetNotAllowed);
  REQUIRE(check("application/x-www-form-urlencoded; charset=utf-16") == CanonicalError::ContentTypeCharsetNotAllowed);
  REQUIRE(check("application/xml; charset=ibm037") == CanonicalError::ContentTypeCharsetNotAllowed);
  REQUIRE(check("text/plain; charset=utf-16le") == CanonicalError::ContentTypeCharsetNotAllowed);
  // Forcing the wrong processor with a foreign parameter (CRS 921422).
  REQUIRE(check("application/x-www-form-urlencoded; boundary=\"application/json\"") ==
          CanonicalError::ContentTypeUnexpectedParameter);
  REQUIRE(check("application/json; boundary=x") == CanonicalError::ContentTypeUnexpectedParameter);
  REQUIRE(check("multipart/form-data; boundary=x; charset=utf-8") == CanonicalError::ContentTypeUnexpectedParameter);
  REQUIRE(check("multipart/form-data") == CanonicalError::MultipartMissingBoundary);
  REQUIRE(check("multipart/form-data; boundary=x") == CanonicalError::None);
  REQUIRE(check("application/octet-stream; name=x.bin") == CanonicalError::None);  // raw takes any
}

}  // namespace
}  // namespace rampart::canonical
