// A strict RFC 8259 JSON parser of our own, iterative (an explicit stack, so nesting depth is a
// limit and never a stack overflow). It yields fields, not a document: every object key
// (JsonName) and every scalar (JsonValue), named by its dotted path ("a.b[2].c"; the root
// scalar's path is empty), with strings fully decoded: "\u0027" reaches the detectors as "'",
// surrogate pairs as one UTF-8 character. Refused: lone surrogates, invalid UTF-8 (also
// overlong forms), raw control characters in strings, "\u0000" unless allowed, numbers outside
// the grammar (01, 1., .5, +1, NaN), duplicate keys unless allowed, a BOM, anything after the
// document.
#pragma once

#include <string_view>

#include "detectors/canonical/canonical_error.h"
#include "detectors/canonical/canonical_policy.h"
#include "detectors/canonical/field.h"

namespace rampart::canonical {

// Appends the document's fields to `out`; on error `out` may hold the fields before it.
CanonicalError parseJson(std::string_view text, const JsonPolicy& policy, FieldList& out);

}  // namespace rampart::canonical
