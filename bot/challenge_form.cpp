#include "bot/challenge_form.h"

#include <cstdint>

namespace rampart::bot {
namespace {

constexpr std::size_t kMaxFields = 16;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding with '+' as space (the form encoding); nullopt on a broken escape.
std::optional<std::string> formDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hexValue(text[i + 1]);
      const int low = hexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

SolutionParse parseChallengeSolution(std::string_view body, ChallengeSolution& out) {
  if (body.size() > kMaxSolutionBodyBytes) return SolutionParse::Malformed;
  bool seen_token = false, seen_counter = false, seen_return = false;
  std::size_t fields = 0;
  while (!body.empty()) {
    if (++fields > kMaxFields) return SolutionParse::Malformed;
    const std::size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const auto name = formDecode(pair.substr(0, eq));
    const auto value =
        formDecode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!name || !value) return SolutionParse::Malformed;
    bool* seen = nullptr;
    std::string* target = nullptr;
    if (*name == "token") {
      seen = &seen_token;
      target = &out.token;
    } else if (*name == "counter") {
      seen = &seen_counter;
      target = &out.counter;
    } else if (*name == "return") {
      seen = &seen_return;
      target = &out.return_target;
    } else {
      continue;
    }
    // A repeated field is ambiguous (which one did the proof cover?): refuse it.
    if (*seen) return SolutionParse::Malformed;
    *seen = true;
    *target = std::move(*value);
  }
  return seen_token && seen_counter ? SolutionParse::Parsed : SolutionParse::Malformed;
}

bool isSameSiteTarget(std::string_view target) {
  if (target.empty() || target.size() > kMaxReturnTargetBytes || target[0] != '/') return false;
  if (target.size() > 1 && (target[1] == '/' || target[1] == '\\')) return false;
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || c == '\\') return false;
  }
  return true;
}

}  // namespace rampart::bot
