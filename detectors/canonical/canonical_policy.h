// Every per-route choice the canonical view makes, with safe defaults. Built once per config
// generation (CanonicalStage fills it from the route's `canonical:` section); the view only
// reads it.
// docs/canonicalisation.md explains each policy and why its default is what it is.
#pragma once

#include <cstddef>
#include <cstdint>

#include "detectors/canonical/body_contract.h"

namespace rampart::canonical {

// A literal '\' in the path. IIS and some Windows/Java stacks read it as '/'.
enum class BackslashPolicy : std::uint8_t {
  Reject,        // default: path_backslash
  TreatAsSlash,  // split segments on it too; forwarded as '/'
};

// "/a;jsessionid=1/b": Tomcat and Spring strip ';' parameters per segment before resolving
// "..", so "/..;/admin" reaches /admin there. Whatever is chosen, the forwarded path is the
// inspected one.
enum class PathParameterPolicy : std::uint8_t {
  Strip,   // default: removed from the inspected AND the forwarded path
  Keep,    // kept in both; a segment whose part before ';' is "." or ".." is refused
  Reject,  // path_parameter
};

// %2F and %5C (an encoded '/' or '\').
enum class EncodedSlashPolicy : std::uint8_t {
  Reject,         // default: path_encoded_slash
  DecodeAsSlash,  // a segment separator, like a literal '/'; forwarded as '/'
  KeepEncoded,    // stays "%2F"/"%5C" in the inspected and the forwarded path, inside a segment
};

enum class DuplicateSlashPolicy : std::uint8_t {
  Merge,   // default: "//" becomes "/" (before dot segments are resolved, as nginx does)
  Reject,  // path_duplicate_slashes
};

// A value that still holds "%HH" after its one decoding pass.
enum class DoubleEncodingPolicy : std::uint8_t {
  Reject,  // <context>_double_encoding
  Flag,    // kept (decoded once, never twice) and recorded as an Anomaly
  Allow,   // kept silently
};

// The same query/form parameter name more than once (HTTP parameter pollution).
enum class DuplicateParameterPolicy : std::uint8_t {
  Allow,   // default: every occurrence is inspected and forwarded
  Reject,  // <context>_duplicate_parameter
  First,   // only the first is inspected, and only it is forwarded
  Last,    // only the last is inspected, and only it is forwarded
};

struct PathPolicy {
  BackslashPolicy backslash = BackslashPolicy::Reject;
  PathParameterPolicy parameters = PathParameterPolicy::Strip;
  EncodedSlashPolicy encoded_slash = EncodedSlashPolicy::Reject;
  DuplicateSlashPolicy duplicate_slashes = DuplicateSlashPolicy::Merge;
  DoubleEncodingPolicy double_encoding = DoubleEncodingPolicy::Reject;
  std::size_t max_bytes = 8192;     // raw path bytes (path_too_long)
  std::size_t max_segments = 128;   // (path_too_many_segments)
};

// The query string and application/x-www-form-urlencoded bodies share one grammar.
struct UrlEncodedPolicy {
  DuplicateParameterPolicy duplicates = DuplicateParameterPolicy::Allow;
  DoubleEncodingPolicy double_encoding = DoubleEncodingPolicy::Flag;
  std::size_t max_parameters = 256;
  std::size_t max_name_bytes = 1024;    // decoded
  std::size_t max_value_bytes = 65536;  // decoded
};

enum class CookieDecoding : std::uint8_t {
  None,     // default: values as sent (RFC 6265 does not define an encoding)
  Percent,  // strict one-pass percent-decoding, as many frameworks do before the app sees them
};

struct CookiePolicy {
  CookieDecoding decoding = CookieDecoding::None;
  DoubleEncodingPolicy double_encoding = DoubleEncodingPolicy::Flag;  // Percent only
  std::size_t max_cookies = 64;
  std::size_t max_name_bytes = 256;
  std::size_t max_value_bytes = 8192;
};

struct MultipartPolicy {
  std::size_t max_parts = 128;
  std::size_t max_part_header_bytes = 4096;         // all header lines of one part
  std::size_t max_inspected_file_bytes = 65536;     // a file part's content, as a field
};

enum class DuplicateKeyPolicy : std::uint8_t {
  Reject,  // default: json_duplicate_key (parsers disagree on first vs last)
  Allow,   // every occurrence becomes a field, so whichever the backend keeps was inspected
};

enum class NulCharacterPolicy : std::uint8_t {
  Reject,  // default: "\u0000" in a JSON string (json_nul_character); C backends truncate there
  Allow,
};

struct JsonPolicy {
  std::size_t max_depth = 64;         // nested objects/arrays (json_nesting_too_deep)
  std::size_t max_elements = 10000;   // values + keys (json_too_many_elements)
  std::size_t max_key_bytes = 1024;   // one decoded key (json_key_too_long)
  DuplicateKeyPolicy duplicate_keys = DuplicateKeyPolicy::Reject;
  NulCharacterPolicy nul_character = NulCharacterPolicy::Reject;
};

enum class DoctypePolicy : std::uint8_t {
  Reject,                // default: any <!DOCTYPE> is xml_doctype_forbidden
  AllowWithoutEntities,  // a DOCTYPE with neither an external id nor entity declarations
};

struct XmlPolicy {
  std::size_t max_depth = 64;        // element nesting (xml_nesting_too_deep)
  std::size_t max_fields = 10000;    // names + values (xml_too_many_fields)
  DoctypePolicy doctype = DoctypePolicy::Reject;
};

struct CanonicalPolicy {
  PathPolicy path;
  UrlEncodedPolicy query;
  UrlEncodedPolicy form;
  CookiePolicy cookies;
  BodyContract body;
  MultipartPolicy multipart;
  JsonPolicy json;
  XmlPolicy xml;
  std::size_t max_body_bytes = 1 << 20;  // bodies above this are not parsed (body_too_large)
  std::size_t max_fields = 20000;        // the whole FieldList (too_many_fields)
};

}  // namespace rampart::canonical
