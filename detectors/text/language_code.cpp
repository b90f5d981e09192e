#include "detectors/text/language_code.h"

#include <vector>

#include "detectors/text/code_fence.h"

namespace rampart::text {

namespace {

struct Line {
  std::string_view text;  // without its '\n'
  bool last = false;      // no '\n' after it
};

// The closing fence of a block opened with `backticks`: a bare fence with at least as many
// (CommonMark); the position of the line that closes it, or npos.
std::size_t closingLine(const std::vector<Line>& lines, std::size_t open, std::size_t backticks) {
  for (std::size_t i = open + 1; i < lines.size(); ++i) {
    const auto fence = parseFenceLine(lines[i].text);
    if (fence && fence->word.empty() && fence->backticks >= backticks) return i;
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<LanguageCode> splitLanguageCode(std::string_view text) {
  if (text.find("```") == std::string_view::npos) return std::nullopt;
  std::vector<Line> lines;
  for (std::size_t start = 0;;) {
    const std::size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos) {
      lines.push_back({text.substr(start), true});
      break;
    }
    lines.push_back({text.substr(start, newline - start), false});
    start = newline + 1;
  }
  LanguageCode out;
  const auto keepInProse = [&out](const Line& line) {
    out.prose += line.text;
    if (!line.last) out.prose += '\n';
  };
  bool found = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto fence = parseFenceLine(lines[i].text);
    if (!fence || !fence->programming_language) {
      keepInProse(lines[i]);
      continue;
    }
    const std::size_t close = closingLine(lines, i, fence->backticks);
    if (close == std::string_view::npos) {
      // Never closed: CommonMark runs the block to the end, so no later line opens one. Keep
      // the rest as it is, and scan it once (a closer searched from every later opener would
      // read the rest of the value again for each: quadratic in a client's text).
      for (; i < lines.size(); ++i) keepInProse(lines[i]);
      break;
    }
    found = true;
    for (std::size_t k = i; k <= close; ++k) {
      if (k != i && k != close) {
        out.code += lines[k].text;
        out.code += '\n';
      }
      if (!lines[k].last) out.prose += '\n';
    }
    i = close;
  }
  if (!found) return std::nullopt;
  return out;
}

}  // namespace rampart::text
