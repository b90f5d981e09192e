#include "detectors/modsecurity/json_inspection_view.h"

#include <catch2/catch.hpp>

namespace rampart::modsec {
namespace {

std::optional<std::string> viewBody(std::string_view json) {
  auto view = jsonInspectionView(json);
  if (!view) return std::nullopt;
  return view->body;
}

TEST_CASE("json view: a GraphQL query's syntax is replaced by its string literals",
          "[json_view][graphql]") {
  const auto view = jsonInspectionView(
      R"({"query": "query GetUser($id: ID!) { user(id: $id, note: \"it's \\\"x\\\"\") { name } }",)"
      R"( "variables": {"id": "1' or 1=1--"}, "operationName": null})");
  REQUIRE(view);
  CHECK(view->body == R"({"query": "it's \"x\"", "variables": {"id": "1' or 1=1--"}, )"
                      R"("operationName": null})");
  CHECK(view->graphql);
  CHECK_FALSE(view->html);
  CHECK_FALSE(view->code_fence);
  // several literals: one per line; none: an empty string
  CHECK(viewBody(R"({"query":"{ a(x: \"one\") b(y: \"two\") }"})") ==
        std::optional<std::string>(R"({"query":"one\ntwo"})"));
  CHECK(viewBody(R"({"query":"{ viewer { login } }"})") ==
        std::optional<std::string>(R"({"query":""})"));
  // a batch
  CHECK(viewBody(R"([{"query":"{ a }"}, {"query":"{ b(s: \"x\") }", "variables": {}}])") ==
        std::optional<std::string>(R"([{"query":""}, {"query":"x", "variables": {}}])"));
  // `query` deeper than an operation object is an ordinary value
  CHECK_FALSE(viewBody(R"({"input": {"query": "{ a }"}})"));
}

TEST_CASE("json view: fence lines and allowlisted HTML in any string value",
          "[json_view]") {
  const auto view = jsonInspectionView(
      R"({"post": {"content": "<p>See <a href=\"/docs\">the docs</a></p>", "tags": ["x"]},)"
      R"( "comment": "try:\n```\nprint(1)\n```\nthanks", "n": 3})");
  REQUIRE(view);
  CHECK(view->body == R"({"post": {"content": " See  /docs the docs  ", "tags": ["x"]},)"
                      R"( "comment": "try:\n\nprint(1)\n\nthanks", "n": 3})");
  CHECK(view->html);
  CHECK(view->code_fence);
  CHECK_FALSE(view->language_code);  // a bare fence: its code stays in the member
  CHECK_FALSE(view->graphql);
  // escaped forms are decoded first: \u003c is '<'
  CHECK(viewBody(R"({"c": "\u003cb\u003ebold\u003c/b\u003e"})") ==
        std::optional<std::string>(R"({"c": " bold "})"));
  // a GraphQL `query` that is not a document is free text like any other value
  CHECK(viewBody(R"({"query": "<em>hi</em>"})") == std::optional<std::string>(R"({"query": " hi "})"));
}

TEST_CASE("json view: language code gets a member of its own after its member",
          "[json_view]") {
  const std::string body =
      R"({"issue": 7, "comment": "Here:\n```python\nif x == 1:\n    del y\n```\nthanks", )"
      R"("thread": [{"reply": "```js\nx = 1\n```"}], "list": ["```go\nf()\n```"]})";
  const auto view = jsonInspectionView(body);
  REQUIRE(view);
  // The suffix as JSON writes it: the control byte escaped, then "code-" and the token.
  const std::string suffix = "\\u001f" + std::string(languageCodeSuffix().substr(1));
  CHECK(view->body ==
        "{\"issue\": 7, \"comment\": \"Here:\\n\\n\\n\\n\\nthanks\",\"comment" + suffix + "\":"
        "\"if x == 1:\\n    del y\\n\", \"thread\": [{\"reply\": \"\\n\\n\",\"reply" + suffix +
        "\":\"x = 1\\n\"}], \"list\": [\"\\nf()\\n\"]}");
  // 0x1f, "code-", 16 hex digits, the same for every call in a process
  CHECK(languageCodeSuffix().size() == 1 + 5 + 16);
  CHECK(languageCodeSuffix().substr(0, 6) == "\x1f" "code-");
  CHECK(languageCodeSuffix().find_first_not_of("0123456789abcdef", 6) == std::string_view::npos);
  CHECK(languageCodeSuffix().data() == languageCodeSuffix().data());
  CHECK(view->language_code);
  CHECK(view->code_fence);

  // A client member name holding the suffix's byte (forged or colliding): no code members.
  const auto forged = jsonInspectionView(
      R"({"x\u001fcode": "\nid", "comment": "```python\nx = 1\n```"})");
  REQUIRE(forged);
  CHECK_FALSE(forged->language_code);
  CHECK(forged->body == R"({"x\u001fcode": "\nid", "comment": "\nx = 1\n"})");
  // The caller refuses them (waf.language_code_view: false).
  const auto refused = jsonInspectionView(R"({"comment": "```python\nx = 1\n```"})",
                                          LanguageCodeMembers::Refused);
  REQUIRE(refused);
  CHECK_FALSE(refused->language_code);
  CHECK(refused->body == R"({"comment": "\nx = 1\n"})");
}

TEST_CASE("json view: anything else is inspected as it is", "[json_view]") {
  CHECK_FALSE(viewBody(R"({"query": "select * from users where id = '1'"})"));  // not GraphQL
  CHECK_FALSE(viewBody(R"({"q": "{ a }"})"));                                  // no query
  CHECK_FALSE(viewBody(R"({"query": "{ a }", "query": "{ b }"})"));            // duplicate
  CHECK_FALSE(viewBody(R"({"query": "{ a }",})"));                             // bad JSON
  CHECK_FALSE(viewBody(R"({"query": "{ a }"} trailing)"));
  CHECK_FALSE(viewBody(R"({"query": {"nested": "{ a }"}})"));
  CHECK_FALSE(viewBody(R"("{ a }")"));
  CHECK_FALSE(viewBody(R"({"query": "{ a }", "v": "\ud800"})"));               // lone surrogate
  CHECK_FALSE(viewBody(""));
  CHECK_FALSE(viewBody(R"({"c": "<img src=x onerror=alert(1)>"})"));         // not allowlisted
  CHECK_FALSE(viewBody(R"({"c": "a < b and `id`"})"));                         // no markup, no fence
  CHECK_FALSE(viewBody(R"({"<p>key</p>": 1})"));                               // names stay
  std::string deep = R"({"query": "{ a }", "v": )";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}";
  CHECK_FALSE(viewBody(deep));
}

}  // namespace
}  // namespace rampart::modsec
