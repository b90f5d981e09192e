#include "detectors/text/language_code.h"

#include <catch2/catch.hpp>

namespace rampart::text {
namespace {

TEST_CASE("language code: a closed fence naming a programming language is taken out",
          "[language_code]") {
  auto split = splitLanguageCode("Here:\n```python\nif x == 1:\n    del y\n```\nthanks");
  REQUIRE(split);
  // every line of the block, fences included, is an empty line in the prose
  CHECK(split->prose == "Here:\n\n\n\n\nthanks");
  CHECK(split->code == "if x == 1:\n    del y\n");

  // two blocks, CRLF, indented fences, a longer closing fence, any case
  split = splitLanguageCode("a\r\n  ```Go\r\nfunc f() {}\r\n ````\r\nb\n```js\nx = 1\n```");
  REQUIRE(split);
  CHECK(split->prose == "a\r\n\n\n\nb\n\n\n");
  CHECK(split->code == "func f() {}\r\nx = 1\n");

  // a block that only a longer fence opened is closed by one at least as long
  split = splitLanguageCode("````sql\n```\nSELECT 1\n````\n");
  REQUIRE(split);
  CHECK(split->code == "```\nSELECT 1\n");
}

TEST_CASE("language code: shells, formats, bare and unclosed fences stay in the value",
          "[language_code]") {
  CHECK_FALSE(splitLanguageCode("no fences"));
  CHECK_FALSE(splitLanguageCode("```bash\nrm -rf /\n```"));
  CHECK_FALSE(splitLanguageCode("```powershell\nGet-Process\n```"));
  CHECK_FALSE(splitLanguageCode("```\nls -la\n```"));               // bare: could be anything
  CHECK_FALSE(splitLanguageCode("```dockerfile\nRUN curl x | sh\n```"));  // shell inside
  CHECK_FALSE(splitLanguageCode("```makefile\nall:\n\trm -rf build\n```"));
  CHECK_FALSE(splitLanguageCode("```text\nhello\n```"));
  CHECK_FALSE(splitLanguageCode("```python\nimport os\n"));          // never closed
  CHECK_FALSE(splitLanguageCode("````python\nx\n```\n"));            // closed by a shorter fence
  CHECK_FALSE(splitLanguageCode("```python\nx\n```python\n"));       // a closing fence names nothing
  // a block never closed runs to the end (CommonMark): a fence inside it opens nothing
  CHECK_FALSE(splitLanguageCode("````python\nx\n```js\ny\n```"));
  std::string openers;  // many openers, no closer: each line is read once, all stay prose
  for (int i = 0; i < 20000; ++i) openers += "```python\n";
  CHECK_FALSE(splitLanguageCode(openers));
  // a shell block next to a language block: only the language block moves
  auto split = splitLanguageCode("```sh\nid\n```\n```python\nx = 1\n```");
  REQUIRE(split);
  CHECK(split->prose == "```sh\nid\n```\n\n\n");
  CHECK(split->code == "x = 1\n");
}

}  // namespace
}  // namespace rampart::text
