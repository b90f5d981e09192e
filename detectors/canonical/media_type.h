// A strict parser for one media type (RFC 9110 §8.3.1): `type "/" subtype *( OWS ";" OWS
// [ name "=" ( token / quoted-string ) ] )`. Tokens only, a parameter at most once (case-
// insensitive), quoted-strings unescaped. It exists because Content-Type grammar games pick the
// body processor: "application/x-www-form-urlencoded;boundary=..." (CRS 921422), two charsets
// (CRS 920530), a quoted boundary read differently by two parsers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/canonical/canonical_error.h"

namespace rampart::canonical {

struct MediaTypeParameter {
  std::string name;   // lower-case
  std::string value;  // as sent for a token, unescaped for a quoted-string (case kept)
};

struct MediaType {
  std::string type;     // lower-case, e.g. "multipart"
  std::string subtype;  // lower-case, e.g. "form-data"
  std::vector<MediaTypeParameter> parameters;

  // "type/subtype"
  std::string essence() const { return type + "/" + subtype; }
  // The parameter's value, or nullptr. `name` is lower-case.
  const std::string* parameter(std::string_view name) const;
};

inline constexpr std::size_t kMaxMediaTypeParameters = 8;

// ContentTypeInvalid (syntax, too many parameters) or ContentTypeDuplicateParameter; `out` is
// unspecified on error.
CanonicalError parseMediaType(std::string_view text, MediaType& out);

// ASCII case-insensitive comparison (for parameter values such as charsets).
bool equalsAsciiCaseInsensitive(std::string_view a, std::string_view b);

}  // namespace rampart::canonical
