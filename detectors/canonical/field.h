// Field: one decoded piece of a request, as every detector reads it (issue 5's "one flat list of
// fields"). The canonical request view (detectors/canonical/) produces them once per request;
// the signature engine (detectors/signatures/) and later detectors scan them, so all of them see
// the same bytes that rampart forwards.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::canonical {

// Where a field came from. Signature files name these as targets (docs/signatures.md); the
// names returned by fieldSourceName() are the YAML spelling.
enum class FieldSource : std::uint8_t {
  Path,                // the decoded, normalised path (name empty)
  QueryName,           // a query parameter's decoded name (value: the name too)
  QueryValue,          // a query parameter's decoded value (name: the parameter's name)
  HeaderName,          // a request header's lower-case name (value: the name too)
  HeaderValue,         // a request header's value (name: the header's lower-case name)
  CookieName,          // a cookie's name (value: the name too)
  CookieValue,         // a cookie's value (name: the cookie's name)
  FormName,            // application/x-www-form-urlencoded body: decoded field name
  FormValue,           //   ... decoded field value
  MultipartName,       // multipart/form-data: a part's field name
  MultipartValue,      //   ... a part's content (non-file parts, and file parts up to a limit)
  MultipartFilename,   //   ... a part's filename parameter
  JsonName,            // JSON body: an object key (\uXXXX decoded); name: the dotted path
  JsonValue,           //   ... a string, number, true/false/null value; name: the dotted path
  XmlName,             // XML body: an element or attribute name
  XmlValue,            //   ... element text or attribute value; name: the element/attribute path
  RawBody,             // the body as received (bodies with no parser, or inspected raw by choice)
};

inline constexpr std::size_t kFieldSourceCount = static_cast<std::size_t>(FieldSource::RawBody) + 1;

constexpr std::string_view fieldSourceName(FieldSource s) {
  constexpr std::string_view kNames[kFieldSourceCount] = {
      "path",         "query_name",     "query_value",        "header_name", "header_value",
      "cookie_name",  "cookie_value",   "form_name",          "form_value",  "multipart_name",
      "multipart_value", "multipart_filename", "json_name",   "json_value",  "xml_name",
      "xml_value",    "raw_body"};
  return kNames[static_cast<std::size_t>(s)];
}

struct Field {
  FieldSource source;
  std::string name;   // see FieldSource for what it holds per source
  std::string value;  // decoded bytes (valid UTF-8 where the source demands it)
};

using FieldList = std::vector<Field>;

}  // namespace rampart::canonical
