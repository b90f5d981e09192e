#include "detectors/text/code_fence.h"

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace rampart::text {

namespace {

// Languages people quote in fences. The interpreters among them (python, ruby, perl, php)
// read a program from stdin when run with no arguments; the view is only taken of request body
// values, which the application has read before it could use one, so that stdin is spent.
// Shells, and names that are shell built-ins (zsh's `r` re-runs the last command), are not on it.
// Programming languages: code in them is run by a compiler or an interpreter, not by a shell
// (code_fence.h, "language code").
constexpr std::string_view kProgrammingLanguages[] = {
    "python", "py", "python3", "javascript", "js", "typescript", "ts", "jsx", "tsx",
    "java", "kotlin", "kt", "scala", "groovy", "c", "cpp", "c++", "cc", "h", "hpp", "csharp",
    "cs", "c#", "fsharp", "go", "golang", "rust", "rs", "ruby", "rb", "php", "perl", "swift",
    "objc", "objectivec", "dart", "lua", "julia", "haskell", "hs", "elixir", "erlang",
    "clojure", "lisp", "ocaml", "sql", "mysql", "postgresql", "pgsql",
};
// Data, markup and build formats. Dockerfiles and makefiles hold shell commands (RUN, recipes),
// so they are never language code.
constexpr std::string_view kOtherFormats[] = {
    "json", "yaml", "yml", "toml", "ini", "xml", "html", "css", "scss", "markdown", "md", "text",
    "txt", "plaintext", "diff", "graphql", "proto", "dockerfile", "makefile", "cmake", "nginx",
    "regex",
};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool inList(std::string_view word, std::span<const std::string_view> list) {
  if (word.size() > 16) return false;
  std::array<char, 16> folded{};
  for (std::size_t i = 0; i < word.size(); ++i) folded[i] = lower(word[i]);
  const std::string_view name(folded.data(), word.size());
  for (const auto entry : list) {
    if (entry == name) return true;
  }
  return false;
}

bool isLanguage(std::string_view word) {
  if (word.empty()) return true;  // a bare fence
  return inList(word, kProgrammingLanguages) || inList(word, kOtherFormats);
}

bool isBlank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::optional<Fence> parseFenceLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::size_t pos = 0;
  while (pos < line.size() && pos < 3 && line[pos] == ' ') ++pos;
  std::size_t ticks = 0;
  while (pos < line.size() && line[pos] == '`') {
    ++pos;
    ++ticks;
  }
  if (ticks < 3) return std::nullopt;
  while (pos < line.size() && isBlank(line[pos])) ++pos;
  const std::size_t word_start = pos;
  while (pos < line.size() && !isBlank(line[pos])) ++pos;
  const std::string_view word = line.substr(word_start, pos - word_start);
  while (pos < line.size() && isBlank(line[pos])) ++pos;
  if (pos != line.size() || !isLanguage(word)) return std::nullopt;
  return Fence{ticks, word, !word.empty() && inList(word, kProgrammingLanguages)};
}

namespace {

bool isFenceLine(std::string_view line) { return parseFenceLine(line).has_value(); }

}  // namespace

std::optional<std::string> withoutCodeFenceLines(std::string_view text) {
  if (text.find("```") == std::string_view::npos) return std::nullopt;
  std::string out;
  bool changed = false;
  std::size_t line_start = 0;
  while (line_start <= text.size()) {
    const std::size_t newline = text.find('\n', line_start);
    const std::size_t line_end = newline == std::string_view::npos ? text.size() : newline;
    const std::string_view line = text.substr(line_start, line_end - line_start);
    if (isFenceLine(line)) {
      if (!changed) {
        out.reserve(text.size());
        out.append(text.substr(0, line_start));
        changed = true;
      }
    } else if (changed) {
      out.append(line);
    }
    if (newline == std::string_view::npos) break;
    if (changed) out += '\n';
    line_start = newline + 1;
  }
  if (!changed) return std::nullopt;
  return out;
}

}  // namespace rampart::text
