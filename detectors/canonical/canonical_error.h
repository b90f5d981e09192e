// Why the canonical request view refused a request. One value per distinct rejection so the
// decision record and the per-reason counters say exactly which rule fired (Envoy's RcDetails).
// The view rejects what two parsers could read differently: a reason here is a verdict, never a
// hint to carry on with a half-parsed request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/api/error.h"

namespace rampart::canonical {

// X(enumerator, reason string, local-reply status). Declared once; reasonOf() and statusOf() are
// generated from it, and docs/canonicalisation.md lists the same reasons.
#define RAMPART_CANONICAL_ERRORS(X)                                                              \
  X(None, "none", 200)                                                                           \
  /* ---- the whole view */                                                                      \
  X(TooManyFields, "too_many_fields", 400)                                                       \
  X(BodyTooLarge, "body_too_large", 413)                                                         \
  X(HeaderDuplicateContentType, "header_duplicate_content_type", 400)                            \
  X(TargetInvalid, "target_invalid", 400)                                                        \
  /* ---- path */                                                                                \
  X(PathNotAbsolute, "path_not_absolute", 400)                                                   \
  X(PathTooLong, "path_too_long", 414)                                                           \
  X(PathTooManySegments, "path_too_many_segments", 414)                                          \
  X(PathFragment, "path_fragment", 400)                                                          \
  X(PathBadPercentEncoding, "path_bad_percent_encoding", 400)                                    \
  X(PathInvalidUtf8, "path_invalid_utf8", 400)                                                   \
  X(PathControlCharacter, "path_control_character", 400)                                         \
  X(PathBackslash, "path_backslash", 400)                                                        \
  X(PathEncodedSlash, "path_encoded_slash", 400)                                                 \
  X(PathDuplicateSlashes, "path_duplicate_slashes", 400)                                         \
  X(PathParameter, "path_parameter", 400)                                                        \
  X(PathDotSegmentParameter, "path_dot_segment_parameter", 400)                                  \
  X(PathAboveRoot, "path_above_root", 400)                                                       \
  X(PathDoubleEncoding, "path_double_encoding", 400)                                             \
  /* ---- query string */                                                                        \
  X(QueryBadPercentEncoding, "query_bad_percent_encoding", 400)                                  \
  X(QueryInvalidUtf8, "query_invalid_utf8", 400)                                                 \
  X(QueryControlCharacter, "query_control_character", 400)                                       \
  X(QueryDuplicateParameter, "query_duplicate_parameter", 400)                                   \
  X(QueryTooManyParameters, "query_too_many_parameters", 400)                                    \
  X(QueryNameTooLong, "query_name_too_long", 400)                                                \
  X(QueryValueTooLong, "query_value_too_long", 400)                                              \
  X(QueryDoubleEncoding, "query_double_encoding", 400)                                           \
  /* ---- application/x-www-form-urlencoded body */                                              \
  X(FormBadPercentEncoding, "form_bad_percent_encoding", 400)                                    \
  X(FormInvalidUtf8, "form_invalid_utf8", 400)                                                   \
  X(FormControlCharacter, "form_control_character", 400)                                         \
  X(FormDuplicateParameter, "form_duplicate_parameter", 400)                                     \
  X(FormTooManyParameters, "form_too_many_parameters", 400)                                      \
  X(FormNameTooLong, "form_name_too_long", 400)                                                  \
  X(FormValueTooLong, "form_value_too_long", 400)                                                \
  X(FormDoubleEncoding, "form_double_encoding", 400)                                             \
  /* ---- cookies */                                                                             \
  X(CookieInvalid, "cookie_invalid", 400)                                                        \
  X(CookieControlCharacter, "cookie_control_character", 400)                                     \
  X(CookieInvalidUtf8, "cookie_invalid_utf8", 400)                                               \
  X(CookieBadPercentEncoding, "cookie_bad_percent_encoding", 400)                                \
  X(CookieDoubleEncoding, "cookie_double_encoding", 400)                                         \
  X(CookieTooMany, "cookie_too_many", 400)                                                       \
  X(CookieTooLong, "cookie_too_long", 400)                                                       \
  /* ---- content type and body contract */                                                      \
  X(ContentTypeMissing, "content_type_missing", 415)                                             \
  X(ContentTypeInvalid, "content_type_invalid", 400)                                             \
  X(ContentTypeDuplicateParameter, "content_type_duplicate_parameter", 400)                      \
  X(ContentTypeUnexpectedParameter, "content_type_unexpected_parameter", 400)                    \
  X(ContentTypeCharsetNotAllowed, "content_type_charset_not_allowed", 415)                       \
  X(ContentTypeNotAllowed, "content_type_not_allowed", 415)                                      \
  X(BodyContentTypeMismatch, "body_content_type_mismatch", 400)                                  \
  /* ---- multipart/form-data */                                                                 \
  X(MultipartMissingBoundary, "multipart_missing_boundary", 400)                                 \
  X(MultipartBadBoundary, "multipart_bad_boundary", 400)                                         \
  X(MultipartPreamble, "multipart_preamble", 400)                                                \
  X(MultipartBadDelimiter, "multipart_bad_delimiter", 400)                                       \
  X(MultipartBareLf, "multipart_bare_lf", 400)                                                   \
  X(MultipartMissingClose, "multipart_missing_close", 400)                                       \
  X(MultipartDataAfterClose, "multipart_data_after_close", 400)                                  \
  X(MultipartBoundaryInContent, "multipart_boundary_in_content", 400)                            \
  X(MultipartBadPartHeader, "multipart_bad_part_header", 400)                                    \
  X(MultipartPartHeadersTooLarge, "multipart_part_headers_too_large", 400)                       \
  X(MultipartMissingContentDisposition, "multipart_missing_content_disposition", 400)            \
  X(MultipartDuplicatePartHeader, "multipart_duplicate_part_header", 400)                        \
  X(MultipartUnknownPartHeader, "multipart_unknown_part_header", 400)                            \
  X(MultipartBadContentDisposition, "multipart_bad_content_disposition", 400)                    \
  X(MultipartFilenameStar, "multipart_filename_star", 400)                                       \
  X(MultipartNested, "multipart_nested", 400)                                                    \
  X(MultipartBadPartContentType, "multipart_bad_part_content_type", 400)                         \
  X(MultipartTooManyParts, "multipart_too_many_parts", 400)                                      \
  X(MultipartInvalidUtf8, "multipart_invalid_utf8", 400)                                         \
  /* ---- JSON */                                                                                \
  X(JsonEmpty, "json_empty", 400)                                                                \
  X(JsonSyntaxError, "json_syntax_error", 400)                                                   \
  X(JsonNestingTooDeep, "json_nesting_too_deep", 400)                                            \
  X(JsonTooManyElements, "json_too_many_elements", 400)                                          \
  X(JsonInvalidEscape, "json_invalid_escape", 400)                                               \
  X(JsonLoneSurrogate, "json_lone_surrogate", 400)                                               \
  X(JsonInvalidUtf8, "json_invalid_utf8", 400)                                                   \
  X(JsonControlCharacter, "json_control_character", 400)                                         \
  X(JsonNulCharacter, "json_nul_character", 400)                                                 \
  X(JsonInvalidNumber, "json_invalid_number", 400)                                               \
  X(JsonDuplicateKey, "json_duplicate_key", 400)                                                 \
  X(JsonKeyTooLong, "json_key_too_long", 400)                                                    \
  X(JsonTrailingData, "json_trailing_data", 400)                                                 \
  /* ---- XML */                                                                                 \
  X(XmlSyntaxError, "xml_syntax_error", 400)                                                     \
  X(XmlDoctypeForbidden, "xml_doctype_forbidden", 400)                                           \
  X(XmlEntityDeclaration, "xml_entity_declaration", 400)                                         \
  X(XmlEncodingNotAllowed, "xml_encoding_not_allowed", 415)                                      \
  X(XmlInvalidUtf8, "xml_invalid_utf8", 400)                                                     \
  X(XmlNestingTooDeep, "xml_nesting_too_deep", 400)                                              \
  X(XmlTooManyFields, "xml_too_many_fields", 400)

enum class CanonicalError : std::uint8_t {
#define RAMPART_CANONICAL_ENUMERATOR(name, reason, status) name,
  RAMPART_CANONICAL_ERRORS(RAMPART_CANONICAL_ENUMERATOR)
#undef RAMPART_CANONICAL_ENUMERATOR
};

// Static snake_case reason for logs and counters, e.g. "path_invalid_utf8". Never empty.
std::string_view reasonOf(CanonicalError error);

// The local-reply status: 400 for most, 413 body too large, 414 path limits, 415 content types
// and charsets the route does not accept.
std::uint16_t statusOf(CanonicalError error);

// Every reason, in declaration order (docs and tests check the list against each other).
std::string_view reasonAt(std::size_t index);
inline constexpr std::size_t kCanonicalErrorCount =
#define RAMPART_CANONICAL_COUNT(name, reason, status) +1
    0 RAMPART_CANONICAL_ERRORS(RAMPART_CANONICAL_COUNT);
#undef RAMPART_CANONICAL_COUNT

// The downstream Error (proxy/api/error.h) a refused request maps to: source Downstream, the
// status and reason above, and `detail` for the log (which field, which byte).
Error toError(CanonicalError error, std::string detail = {});

}  // namespace rampart::canonical
