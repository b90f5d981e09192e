// What the WAF (libmodsecurity + CRS) inspects of an `application/json` request body: the same
// JSON, member for member, with string values whose syntax CRS misreads as an attack replaced by
// their data:
//   - graphql: each GraphQL `query` member (of the top-level object, or of each object of a
//     top-level batch array) that is a valid executable document becomes its string literals,
//     one per line (detectors/graphql/graphql_document.h says why that loses nothing);
//   - code_fence: Markdown code-fence lines in a string value are emptied
//     (detectors/text/code_fence.h);
//   - language_code: the code of a closed fence naming a programming language, in a string
//     member of an object, moves to a member of its own right after it, named after it with
//     languageCodeSuffix() appended (detectors/text/language_code.h says why); the member keeps
//     the rest. The rule text rampart generates (rules_set.cpp) keeps the CRS rules in
//     kLanguageCodeExemptRules, which read a line's structure as an attack, off such members.
//     The suffix holds a random token made at start, so no client can name an argument of
//     its own (query, form, multipart or JSON) with it; a body whose member names hold its
//     control byte gets no language_code view either.
// Member names are untouched (language_code adds members, it renames none), so CRS's ARGS names (json.content, ...) and every exclusion
// written against them stay the same. The upstream always receives the body as it came: this
// is only the WAF's view of it, and a body that is not strict JSON is inspected raw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::modsec {

// What CRS sees as the name of a language_code member: the member's name, then this: the byte
// 0x1f, "code-" and 16 hex digits drawn once per process.
std::string_view languageCodeSuffix();

// CRS rules that read the structure of a line as an attack (docs/rules.md, "Fenced
// programming-language code"); they skip language_code members.
inline constexpr int kLanguageCodeExemptRules[] = {932100, 932105, 932110, 932115,
                                                   932140, 932150, 921110, 942360};

struct JsonInspectionView {
  std::string body;
  bool graphql = false;        // at least one GraphQL query was replaced by its literals
  bool code_fence = false;     // at least one string value had fence lines emptied
  bool html = false;           // at least one string value was read as an allowlisted fragment
  bool language_code = false;  // at least one value's language code got a member of its own
};

enum class LanguageCodeMembers : std::uint8_t {
  Allowed,  // the default
  Refused,  // waf.language_code_view is off
};

// The body to inspect instead of `json_body`, or nullopt when nothing changes: not strict JSON
// (RFC 8259, nesting up to 64), no value any view applies to, or a duplicate `query` member in
// a GraphQL operation object (two servers could pick different ones, so the raw body is
// inspected).
std::optional<JsonInspectionView> jsonInspectionView(
    std::string_view json_body, LanguageCodeMembers language_code = LanguageCodeMembers::Allowed);

}  // namespace rampart::modsec
