// GraphQL executable documents (the `query` of a GraphQL request), read strictly enough to tell
// syntax from data.
//
// Why: CRS inspects a GraphQL request's JSON `query` member as free text, and GraphQL syntax
// (`{ user(id: $id) { name } }`, `... on Product`) looks like shell and SQL to it: on rampart's
// benign corpus CRS PL1 blocks 57 % of ordinary GraphQL calls. In a valid executable document
// only string literals can carry free text: names are [_A-Za-z][_0-9A-Za-z]*, numbers are
// numbers, everything else is punctuation. So when the text parses as a document, the WAF can
// inspect its string literals (and the JSON `variables`, untouched) instead of its syntax, and
// lose nothing an attacker could use; when it does not parse, it is inspected raw as before.
//
// The grammar is GraphQL's (October 2021) executable-document subset: operations (shorthand
// selection sets included) and fragments, with variables, directives, aliases, inline
// fragments, list and object values. Type-system definitions are not executable and are refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::graphql {

enum class DocumentStatus : std::uint8_t {
  Ok,
  NotADocument,   // a token or a construct GraphQL does not allow at that place
  BadString,      // an unterminated string, a bad escape, a raw line break in a "..." string
  TooDeep,        // nesting beyond DocumentLimits::max_depth
  TooManyTokens,  // beyond DocumentLimits::max_tokens
};

std::string_view documentStatusName(DocumentStatus status);

struct DocumentLimits {
  std::size_t max_depth = 64;       // selection sets, lists, objects, types
  std::size_t max_tokens = 100000;  // a 1 MiB query has far fewer meaningful tokens
};

struct DocumentLiterals {
  // Every string literal's decoded value, block strings included, in document order.
  std::vector<std::string> strings;
};

// Parses `text` as an executable document; on Ok, `out` holds its string literals.
DocumentStatus readExecutableDocument(std::string_view text, DocumentLiterals& out,
                                      const DocumentLimits& limits = {});

}  // namespace rampart::graphql
