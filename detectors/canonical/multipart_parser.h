// multipart/form-data (RFC 7578 on RFC 2046), strict: the body is read one way only, and every
// construct two multipart parsers are known to read differently is refused:
//   - the body starts with the first delimiter: no preamble at all (browsers send none, and a
//     preamble is where a fake boundary hides from a parser that starts at the first match);
//   - every line ending in the framing is CRLF; no transport padding after a delimiter;
//   - the delimiter string may not occur inside a part's content, even without its CRLF;
//   - part headers: Content-Disposition exactly once (form-data, `name` once, optional
//     `filename`, no `filename*`, no backslash escapes), Content-Type at most once and never
//     multipart/* (no nesting), Content-Transfer-Encoding only as an identity coding,
//     Content-Length only if it equals the part's real length; any other header, a duplicate,
//     obs-fold, or a bare CR/LF is refused;
//   - the closing delimiter is required; after it only an optional CRLF (no epilogue that a
//     lenient parser could take for another part); a body that opens with the close is refused.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/canonical/canonical_error.h"
#include "detectors/canonical/canonical_policy.h"
#include "detectors/canonical/field.h"

namespace rampart::canonical {

enum class PartKind : std::uint8_t { Value, File };  // File: the part has a filename parameter

struct MultipartPart {
  PartKind kind = PartKind::Value;
  std::string name;
  std::string filename;      // File only
  std::string content_type;  // the part's Content-Type essence, empty when absent
  std::string_view content;  // a view into the body passed to parseMultipart
};

// RFC 2046 §5.1.1: 1 to 70 of DIGIT ALPHA '()+_,-./:=? and space, not ending in a space.
CanonicalError checkBoundary(std::string_view boundary);

// `boundary` is the (already unquoted) parameter value. Value parts with no Content-Type or a
// text/plain one must be UTF-8; a charset on a part, or the `_charset_` field, must be in
// `allowed_charsets`.
CanonicalError parseMultipart(std::string_view body, std::string_view boundary,
                              const MultipartPolicy& policy,
                              std::span<const std::string> allowed_charsets,
                              std::vector<MultipartPart>& out);

// MultipartName (value: the name), MultipartFilename (File), MultipartValue (the content; a
// file's first `max_inspected_file_bytes`).
void appendMultipartFields(const std::vector<MultipartPart>& parts, const MultipartPolicy& policy,
                           FieldList& out);

}  // namespace rampart::canonical
