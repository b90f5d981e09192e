// Language code: the lines of a closed Markdown fence that names a programming language
// (```python ... ```), taken out of a free-text value so that CRS can inspect them as their own
// JSON member.
//
// Why: some CRS rules read the structure of a line as an attack, and quoted code has that
// structure on every other line: a line break as a shell command separator and the line's
// first word as a command (932100, 932105, 932110, 932115), the word after `=` as a command
// (932150), any `if` with a later `==` as a Windows batch condition (932140), `METHOD path` and
// a line break as a smuggled request line (921110), a line starting with punctuation and a SQL
// keyword as a new statement (942360; ModSecurity compiles rules multiline, so `^` is every
// line's start). On rampart's benign corpus these rules blocked most code comments. Everything
// else CRS has (libinjection's SQL and XSS, PHP, file access, `$(...)`, shell paths) reads code
// the way it reads prose, so only these eight are excluded for the code member (rules rampart
// generates, detectors/modsecurity/rules_set.cpp), and rampart's own signatures, which want a command *with*
// shell-like arguments (`rm -rf`, `cat /etc/...`, `; sleep 5`), still read the code with
// everything else.
//
// The trade, measured in docs/rules.md: a command or a log-file path alone on a line inside a
// Python fence (`\nls`, `\n/var/log/lastlog`) and a statement that only 942360 recognised are
// no longer seen there. A fence naming a shell (bash, sh, powershell, ...), a data or build
// format (json, yaml, dockerfile, makefile, ...), a bare fence, and a fence that is never closed
// are not language code: their lines stay in the value.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rampart::text {

struct LanguageCode {
  // The value with each language block's fence lines and code lines emptied (line breaks kept,
  // so what is left reads as it did around the block).
  std::string prose;
  // The code lines of every language block, each followed by '\n'.
  std::string code;
};

// Nullopt when `text` holds no closed fence block that names a programming language.
std::optional<LanguageCode> splitLanguageCode(std::string_view text);

}  // namespace rampart::text
