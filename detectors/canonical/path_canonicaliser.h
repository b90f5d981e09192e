// The request path, decoded once and normalised once (issue 5): percent-decoding, RFC 3986
// dot segments, duplicate slashes, backslashes, ';' path parameters, encoded slashes, strict
// UTF-8. It yields two strings that say the same thing: `decoded` for the detectors and
// `forward` for the upstream, re-encoded so that any backend decoding it once gets `decoded`
// back and finds nothing left to normalise (no "..", no "//", no %2F it could split on unless
// the route kept them encoded on purpose). Ambiguity is refused, never repaired silently:
// ".." above the root, a '%' without two hex digits, an overlong UTF-8 '/'.
#pragma once

#include <string>
#include <string_view>

#include "detectors/canonical/anomaly.h"
#include "detectors/canonical/canonical_error.h"
#include "detectors/canonical/canonical_policy.h"

namespace rampart::canonical {

struct CanonicalPath {
  std::string decoded;  // "/a/b c/" : what detectors inspect (FieldSource::Path)
  std::string forward;  // "/a/b%20c/" : what the upstream receives
};

// `raw_path` is the origin-form path without the query ("/a/./b%20c"). Returns None or the
// path_* error; `out` is unspecified on error. Double encoding under Flag is added to
// `anomalies`.
CanonicalError canonicalisePath(std::string_view raw_path, const PathPolicy& policy,
                                CanonicalPath& out, AnomalyList& anomalies);

}  // namespace rampart::canonical
