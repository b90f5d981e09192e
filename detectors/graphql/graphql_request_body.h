// What the WAF inspects of a GraphQL-over-HTTP JSON body (`{"query": "...", "variables": {...}}`,
// or a batch: a JSON array of such objects): the same body with each `query` member that is a
// valid executable document replaced by its string literals, one per line (graphql_document.h
// says why that loses nothing). Every other member, `variables` included, is left as it is.
// The upstream still receives the body unchanged: this is only the WAF's view of it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rampart::graphql {

// The body to inspect instead of `json_body`, or nullopt when nothing changes: not JSON, no
// `query` member, a `query` that is not a GraphQL document, or a duplicate `query` member (two
// parsers could pick different ones, so the raw body is inspected).
std::optional<std::string> inspectionBody(std::string_view json_body);

}  // namespace rampart::graphql
