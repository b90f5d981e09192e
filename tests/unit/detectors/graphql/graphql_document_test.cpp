#include "detectors/graphql/graphql_document.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace rampart::graphql {
namespace {

DocumentStatus read(std::string_view text, std::vector<std::string>* strings = nullptr,
                    const DocumentLimits& limits = {}) {
  DocumentLiterals out;
  const DocumentStatus status = readExecutableDocument(text, out, limits);
  if (strings) *strings = out.strings;
  return status;
}

TEST_CASE("graphql: executable documents are read, their string literals collected", "[graphql]") {
  const std::vector<std::string_view> valid = {
      "{ viewer { login } }",
      "query GetUser($id: ID!) { user(id: $id) { id name email posts(first: 10) { edges { node { "
      "id title createdAt } } } } }",
      "query Search($term: String!, $first: Int = 20) { search(term: $term, first: $first) { "
      "totalCount nodes { ... on Product { id name price } ... on Article { id title } } } }",
      "mutation AddComment($input: CommentInput!) { addComment(input: $input) { comment { id } "
      "errors { field message } } }",
      "{ repositories(first: 5, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { name } } }",
      "query Q @cached(ttl: 60) { a: field(list: [1, -2.5e3, \"x\", true, null, ENUM]) @include(if: "
      "$flag) }\nfragment F on User { id ...G }\nsubscription S { onEvent { id } }",
      "# a comment\n{ a, b, c }",
      "query ($v: [[Int!]]! = [[1]]) { a(v: $v) }",
  };
  for (auto text : valid) {
    INFO(text);
    CHECK(read(text) == DocumentStatus::Ok);
  }
  std::vector<std::string> strings;
  REQUIRE(read("{ a(x: \"it's \\\"quoted\\\"\\n\", y: \"\"\"block \\\"\"\" text\"\"\") { b(z: "
               "\"\\u00e9\\uD83D\\uDE00\\u{1F600}\") } }",
               &strings) == DocumentStatus::Ok);
  CHECK(strings == std::vector<std::string>{"it's \"quoted\"\n", "block \"\"\" text",
                                            "\xC3\xA9\xF0\x9F\x98\x80\xF0\x9F\x98\x80"});
}

TEST_CASE("graphql: what is not an executable document is refused", "[graphql]") {
  using S = DocumentStatus;
  const std::vector<std::pair<std::string_view, S>> cases = {
      {"", S::NotADocument},
      {"   # only a comment", S::NotADocument},
      {"select * from users", S::NotADocument},               // a name, then '*'
      {"1 or 1=1", S::NotADocument},                          // a number cannot start it
      {"query 1 or 1=1", S::NotADocument},
      {"{ a(id: 1' or '1'='1) }", S::NotADocument},           // "'" is no GraphQL token
      {"{ a } ; drop table users", S::NotADocument},
      {"{ }", S::NotADocument},                               // Selection+
      {"{ a(): b }", S::NotADocument},                        // Argument+
      {"{ a", S::NotADocument},
      {"type User { id: ID }", S::NotADocument},              // type system, not executable
      {"fragment on on User { id }", S::NotADocument},
      {"{ a(x: 01) }", S::NotADocument},
      {"{ a(x: 1.) }", S::NotADocument},
      {"{ a(x: 1x) }", S::NotADocument},
      {"query ($v: Int = $w) { a }", S::NotADocument},        // default values are constant
      {"{ a(x: \"unterminated) }", S::BadString},
      {"{ a(x: \"line\nbreak\") }", S::BadString},
      {"{ a(x: \"\\q\") }", S::BadString},
      {"{ a(x: \"\\uDE00\") }", S::BadString},                // a lone low surrogate
      {"{ a(x: \"\\uD83D\") }", S::BadString},                // a high one without its pair
      {"{ a(x: \"\\u{110000}\") }", S::BadString},
      {"{ a(x: \"\"\"open) }", S::BadString},
  };
  for (const auto& [text, want] : cases) {
    INFO(text);
    CHECK(read(text) == want);
  }
}

TEST_CASE("graphql: nesting and token limits", "[graphql]") {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "{ a ";
  for (int i = 0; i < 100; ++i) deep += "} ";
  CHECK(read(deep) == DocumentStatus::TooDeep);
  DocumentLimits roomy;
  roomy.max_depth = 200;
  CHECK(read(deep, nullptr, roomy) == DocumentStatus::Ok);
  DocumentLimits few;
  few.max_tokens = 5;
  CHECK(read("{ a b c d e f }", nullptr, few) == DocumentStatus::TooManyTokens);
  std::string list = "{ a(x: [";
  for (int i = 0; i < 200; ++i) list += "[";
  CHECK(read(list) == DocumentStatus::TooDeep);
  std::vector<std::string> strings;
  CHECK(read("{ a(x: \"s\") b(", &strings) == DocumentStatus::NotADocument);
  CHECK(strings.empty());  // nothing half-read is handed out
}

}  // namespace
}  // namespace rampart::graphql
