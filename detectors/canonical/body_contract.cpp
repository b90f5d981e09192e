#include "detectors/canonical/body_contract.h"

namespace rampart::canonical {

std::vector<BodyContractEntry> defaultBodyContractEntries() {
  return {
      {"application/x-www-form-urlencoded", BodyParser::Form},
      {"multipart/form-data", BodyParser::Multipart},
      {"application/json", BodyParser::Json},
      {"+json", BodyParser::Json},
      {"application/xml", BodyParser::Xml},
      {"text/xml", BodyParser::Xml},
      {"+xml", BodyParser::Xml},
      {"text/plain", BodyParser::Raw},
      {"application/octet-stream", BodyParser::Raw},
  };
}

BodyParser BodyContract::parserFor(const MediaType& media_type) const {
  const std::string essence = media_type.essence();
  for (const auto& entry : entries)
    if (entry.media_type == essence) return entry.parser;
  const BodyContractEntry* best = nullptr;
  for (const auto& entry : entries) {
    if (entry.media_type.empty() || entry.media_type[0] != '+') continue;
    const std::string_view suffix = entry.media_type;
    if (media_type.subtype.size() > suffix.size() && media_type.subtype.ends_with(suffix) &&
        (best == nullptr || suffix.size() > best->media_type.size()))
      best = &entry;
  }
  return best != nullptr ? best->parser : unlisted;
}

CanonicalError BodyContract::checkParameters(const MediaType& media_type, BodyParser parser) const {
  if (parser == BodyParser::Multipart) {
    for (const auto& p : media_type.parameters)
      if (p.name != "boundary") return CanonicalError::ContentTypeUnexpectedParameter;
    return media_type.parameter("boundary") == nullptr ? CanonicalError::MultipartMissingBoundary
                                                        : CanonicalError::None;
  }
  if (parser != BodyParser::Raw) {
    for (const auto& p : media_type.parameters)
      if (p.name != "charset") return CanonicalError::ContentTypeUnexpectedParameter;
  }
  if (const std::string* charset = media_type.parameter("charset")) {
    for (const auto& allowed : allowed_charsets)
      if (equalsAsciiCaseInsensitive(*charset, allowed)) return CanonicalError::None;
    return CanonicalError::ContentTypeCharsetNotAllowed;
  }
  return CanonicalError::None;
}

}  // namespace rampart::canonical
