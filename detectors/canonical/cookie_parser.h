// Cookie request headers (RFC 6265 §4.2, §5.4): "name=value" pairs separated by ';'. Every
// Cookie header is parsed (HTTP/2 clients split cookies over several). Values are taken as sent
// unless the route asks for percent-decoding (CookieDecoding::Percent), which many frameworks
// apply before the application sees them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "detectors/canonical/anomaly.h"
#include "detectors/canonical/canonical_error.h"
#include "detectors/canonical/canonical_policy.h"
#include "detectors/canonical/field.h"

namespace rampart::canonical {

struct Cookie {
  std::string name;
  std::string value;  // a DQUOTE-wrapped value without its quotes
};

// Appends the cookies of one Cookie header value to `out` (limits count across calls, so pass
// the same vector for every header). Decisions, documented in docs/canonicalisation.md:
//   - a pair without '=' is a value with an empty name (browsers and RFC 6265bis), not dropped;
//   - surrounding OWS is trimmed; a value opened with DQUOTE must close with one and hold none
//     inside (cookie_invalid), since servers disagree on what such a value is;
//   - control characters and invalid UTF-8 are refused; duplicate names are kept (one per
//     path is normal) and every one is inspected.
CanonicalError parseCookieHeader(std::string_view header_value, const CookiePolicy& policy,
                                 std::vector<Cookie>& out, AnomalyList& anomalies);

void appendCookieFields(const std::vector<Cookie>& cookies, FieldList& out);

}  // namespace rampart::canonical
