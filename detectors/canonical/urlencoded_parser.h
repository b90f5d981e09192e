// The application/x-www-form-urlencoded grammar, shared by the query string and form bodies:
// split on '&' only (';' is data, not a separator, whatever old CGI libraries did), '+' is a
// space in names and values, one strict percent-decoding pass, strict UTF-8. The canonical
// serialisation is what the upstream receives, so a backend that reads '+' literally, or keeps
// the first of two duplicates where we inspected the last, cannot see something else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/canonical/anomaly.h"
#include "detectors/canonical/canonical_error.h"
#include "detectors/canonical/canonical_policy.h"
#include "detectors/canonical/field.h"

namespace rampart::canonical {

enum class UrlEncodedContext : std::uint8_t {
  Query,  // query_* reasons, QueryName/QueryValue fields
  Form,   // form_* reasons, FormName/FormValue fields
};

// "a" and "a=" decode to the same name and empty value but some frameworks tell them apart
// (presence flags), so the canonical form keeps the '=' where it was.
enum class ValueSyntax : std::uint8_t { NameOnly, NameEqualsValue };

struct UrlEncodedParameter {
  std::string name;   // decoded
  std::string value;  // decoded
  ValueSyntax syntax = ValueSyntax::NameEqualsValue;
};

struct UrlEncodedParameters {
  std::vector<UrlEncodedParameter> parameters;  // in order, after the duplicate policy
  std::size_t dropped_duplicates = 0;           // First/Last: occurrences removed
};

// Empty pieces ("a=1&&b=2", a trailing '&') are skipped and not forwarded. Names ending in "[]"
// (PHP/Rails array syntax, "a[]=1&a[]=2") are appends, not duplicates, and every occurrence is
// kept whatever the duplicate policy.
CanonicalError parseUrlEncoded(std::string_view text, UrlEncodedContext context,
                               const UrlEncodedPolicy& policy, UrlEncodedParameters& out,
                               AnomalyList& anomalies);

// "name=value&..." with everything outside queryComponentSafeBytes() percent-encoded (a space
// as %20, never '+').
std::string serialiseUrlEncoded(const std::vector<UrlEncodedParameter>& parameters);

void appendUrlEncodedFields(const std::vector<UrlEncodedParameter>& parameters,
                            UrlEncodedContext context, FieldList& out);

}  // namespace rampart::canonical
