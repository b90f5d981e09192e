// What the WAF (libmodsecurity + CRS) inspects of an `application/json` request body: the same
// JSON, member for member, with string values whose syntax CRS misreads as an attack replaced by
// their data:
//   - graphql: each GraphQL `query` member (of the top-level object, or of each object of a
//     top-level batch array) that is a valid executable document becomes its string literals,
//     one per line (detectors/graphql/graphql_document.h says why that loses nothing);
//   - code_fence: Markdown code-fence lines in a string value are emptied
//     (detectors/text/code_fence.h);
//   - html: a string value that is an allowlisted HTML fragment becomes its text and attribute
//     values (detectors/text/html_fragment.h).
// Member names are untouched, so CRS's ARGS names (json.content, ...) and every exclusion
// written against them stay the same. The upstream always receives the body as it came: this
// is only the WAF's view of it, and a body that is not strict JSON is inspected raw.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rampart::modsec {

struct JsonInspectionView {
  std::string body;
  bool graphql = false;     // at least one GraphQL query was replaced by its literals
  bool code_fence = false;  // at least one string value had fence lines emptied
  bool html = false;        // at least one string value was read as an allowlisted fragment
};

// The body to inspect instead of `json_body`, or nullopt when nothing changes: not strict JSON
// (RFC 8259, nesting up to 64), no value any view applies to, or a duplicate `query` member in
// a GraphQL operation object (two servers could pick different ones, so the raw body is
// inspected).
std::optional<JsonInspectionView> jsonInspectionView(std::string_view json_body);

}  // namespace rampart::modsec
