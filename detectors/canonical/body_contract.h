// Which parser reads a body, chosen by its media type: the per-route body contract.
// `routes[].canonical.content_types` fills it per route (allowed content types, each mapped to a
// parser, `raw`, or refused); the defaults here are what a route without a contract gets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/canonical/canonical_error.h"
#include "detectors/canonical/media_type.h"

namespace rampart::canonical {

enum class BodyParser : std::uint8_t {
  Form,       // application/x-www-form-urlencoded
  Multipart,  // multipart/form-data
  Json,
  Xml,
  Raw,        // not parsed: the body is one RawBody field (after the structure sniff below)
  Reject,     // content_type_not_allowed
};

constexpr std::string_view bodyParserName(BodyParser parser) {
  switch (parser) {
    case BodyParser::Form: return "form";
    case BodyParser::Multipart: return "multipart";
    case BodyParser::Json: return "json";
    case BodyParser::Xml: return "xml";
    case BodyParser::Raw: return "raw";
    case BodyParser::Reject: return "reject";
  }
  return "unknown";
}

// `media_type` is a lower-case essence ("application/json") or a structured-syntax suffix
// ("+json", RFC 6839) that matches any subtype ending with it ("application/vnd.api+json").
struct BodyContractEntry {
  std::string media_type;
  BodyParser parser;
};

std::vector<BodyContractEntry> defaultBodyContractEntries();

enum class MissingContentTypePolicy : std::uint8_t {
  Reject,  // default: a body without Content-Type is content_type_missing
  Raw,     // inspected raw (with the structure sniff)
};

// A body inspected raw (text/plain, octet-stream...) that is in fact a complete JSON document or
// XML document: the Next.js server-action case, and the classic way to slip JSON past a WAF
// that only parses application/json.
enum class StructuredRawBodyPolicy : std::uint8_t {
  Reject,  // default: body_content_type_mismatch
  Parse,   // parsed as what it is (JSON or XML fields), in addition to the RawBody field
};

struct BodyContract {
  std::vector<BodyContractEntry> entries = defaultBodyContractEntries();
  BodyParser unlisted = BodyParser::Reject;  // a media type no entry names
  MissingContentTypePolicy missing_content_type = MissingContentTypePolicy::Reject;
  StructuredRawBodyPolicy structured_raw_body = StructuredRawBodyPolicy::Reject;
  // Compared case-insensitively. Nothing else is transcoded, so nothing else is accepted:
  // utf-7, utf-16, ibm037 bodies would reach detectors as bytes the backend reads differently.
  std::vector<std::string> allowed_charsets = {"utf-8", "us-ascii"};

  // Exact essence first, then the longest matching suffix entry, then `unlisted`.
  BodyParser parserFor(const MediaType& media_type) const;

  // The parameters `parser` accepts: multipart exactly one `boundary` (nothing else), the
  // structured parsers only `charset`, raw anything; and the charset, when present, must be
  // allowed. Returns ContentTypeUnexpectedParameter, ContentTypeCharsetNotAllowed,
  // MultipartMissingBoundary or None.
  CanonicalError checkParameters(const MediaType& media_type, BodyParser parser) const;
};

}  // namespace rampart::canonical
