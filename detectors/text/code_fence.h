// Markdown fenced code blocks (CommonMark: a line of three or more backticks, optionally with a
// language name) in free text: a comment box, an issue tracker, a chat message, an API's
// `description` field.
//
// Why: to CRS a fence line is shell. "```python" is an empty command substitution followed by
// a backtick and a command name, so CRS PL1's Unix and Windows command-injection rules (932105,
// 932115) block every comment that quotes code in a fence: 238 of 238 on rampart's benign
// corpus. The WAF's view of such text has the fence lines emptied; the code between the fences
// is still inspected, line by line, by every rule. The one thing a shell would do with the
// removed line that the view no longer shows is run the language name itself with no arguments,
// so only names of languages are accepted (code_fence.cpp says why those are harmless there),
// never a shell's (sh, bash, zsh, powershell, cmd, ...): a fence naming anything else leaves
// the text as it came.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::text {

// One fence line (without its '\n'): how many backticks open it, the language word (empty for a
// bare fence) and whether that word names a programming language (python, js, go, sql, ...),
// as opposed to a data or build format (json, yaml, diff, dockerfile, ...); nullopt when the
// line is not a fence or names something off the allowlist (a shell among them).
struct Fence {
  std::size_t backticks = 0;
  std::string_view word;
  bool programming_language = false;
};
std::optional<Fence> parseFenceLine(std::string_view line);

// `text` with every code-fence line (up to three spaces, three or more backticks, an optional
// language name from the allowlist, optional trailing blanks) emptied, its line break kept; or
// nullopt when there is no such line.
std::optional<std::string> withoutCodeFenceLines(std::string_view text);

}  // namespace rampart::text
