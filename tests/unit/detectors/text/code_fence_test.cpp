#include "detectors/text/code_fence.h"

#include <catch2/catch.hpp>

namespace rampart::text {
namespace {

TEST_CASE("code fence: fence lines are emptied, the code between them is kept", "[code_fence]") {
  CHECK(withoutCodeFenceLines("see:\n```python\nimport os\n```\ndone") ==
        std::optional<std::string>("see:\n\nimport os\n\ndone"));
  // CRLF, indentation up to three spaces, longer fences, blanks around the name, any case
  CHECK(withoutCodeFenceLines("a\r\n   ````  JavaScript \r\nx = 1\r\n````\r\n") ==
        std::optional<std::string>("a\r\n\nx = 1\r\n\n"));
  CHECK(withoutCodeFenceLines("```") == std::optional<std::string>(""));
  CHECK(withoutCodeFenceLines("```c++\nint x;\n```") == std::optional<std::string>("\nint x;\n"));
}

TEST_CASE("code fence: anything that is not a fence line of a language is left alone",
          "[code_fence]") {
  CHECK_FALSE(withoutCodeFenceLines("no fences here"));
  CHECK_FALSE(withoutCodeFenceLines("```bash\nrm -rf /\n```bash"));  // a shell: stays
  CHECK_FALSE(withoutCodeFenceLines("```sh\nls\n"));
  CHECK_FALSE(withoutCodeFenceLines("```id\n"));                     // a command, not a language
  CHECK_FALSE(withoutCodeFenceLines("```python -c 'import os'\n"));  // more than a name
  CHECK_FALSE(withoutCodeFenceLines("x ```python\n"));               // not at the line start
  CHECK_FALSE(withoutCodeFenceLines("    ```python\n"));             // four spaces: indented code
  CHECK_FALSE(withoutCodeFenceLines("``python\n"));                  // two backticks
  CHECK_FALSE(withoutCodeFenceLines("```python`id`\n"));
  // only the fence lines go: a command after a fence is still there for every rule to read
  CHECK(withoutCodeFenceLines("```\n;cat /etc/passwd\n```") ==
        std::optional<std::string>("\n;cat /etc/passwd\n"));
}

}  // namespace
}  // namespace rampart::text
