// Serialises a DecisionRecord as the one JSON line written per request.
// Schema and field meanings: docs/decision-record.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/api/decision_record.h"

namespace rampart {

// Appends one JSON object followed by '\n'. Every key is always present (empty strings are "",
// absent numbers keep their sentinel, e.g. upstream_duration_us -1) so the schema is fixed and
// log pipelines never have to guess. Allocation-free apart from growing `out`.
void appendDecisionRecordJson(std::string& out, const DecisionRecord& r);

// Appends `s` as a quoted JSON string. Produces valid JSON for ANY byte string, because
// attackers control method, path, authority and SNI:
//   - '"' and '\' are backslash-escaped;
//   - control characters (0x00-0x1F) and DEL (0x7F) become \u00XX (never raw, so a record
//     cannot forge a line break or a terminal escape in the log);
//   - well-formed UTF-8 (RFC 3629: shortest form, no surrogates, <= U+10FFFF) passes unchanged;
//   - every byte that is not part of a well-formed UTF-8 sequence (stray continuation bytes,
//     truncated sequences, overlong forms such as C0 AF, encoded surrogates ED A0..BF, > U+10FFFF,
//     F5..FF) is written as \u00XX of that byte.
// Why \u00XX per byte rather than U+FFFD: the record stays valid JSON *and* keeps the raw bytes
// visible to an analyst (an overlong "/" shows as \u00c0\u00af, the evasion itself). The price
// is that, after JSON decoding, such a byte reads as the code point U+00XX (e.g. "\u00c0" decodes
// to "À"); in the raw log line the two stay distinct, because a real "À" is written as the raw
// UTF-8 bytes C3 80, never as an escape.
void appendJsonString(std::string& out, std::string_view s);

// Appends start_unix_us as RFC 3339 UTC with microseconds: "2026-11-23T10:00:00.123456Z".
// Years are clamped to 0000..9999 so the output is always a valid RFC 3339 timestamp.
void appendRfc3339Utc(std::string& out, std::int64_t unix_us);

}  // namespace rampart
