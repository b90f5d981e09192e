#include "bot/request_cookies.h"

namespace rampart::bot {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<std::string> takeCookie(HeaderList& headers, std::string_view name,
                                    std::size_t max_values) {
  std::vector<std::string> values;
  bool changed = false;
  std::vector<HeaderField> kept;
  kept.reserve(headers.size());
  for (const HeaderField& field : headers) {
    if (field.name != "cookie") {
      kept.push_back(field);
      continue;
    }
    std::string rest_of_field;
    bool field_changed = false;
    std::string_view rest = field.value;
    while (!rest.empty()) {
      const std::size_t semi = rest.find(';');
      const std::string_view pair = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      const std::size_t eq = pair.find('=');
      if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) {
        std::string_view value = trim(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
          value = value.substr(1, value.size() - 2);
        if (values.size() < max_values) values.emplace_back(value);
        field_changed = true;
        continue;
      }
      if (pair.empty()) continue;
      if (!rest_of_field.empty()) rest_of_field += "; ";
      rest_of_field += pair;
    }
    if (!field_changed) {
      kept.push_back(field);
      continue;
    }
    changed = true;
    if (!rest_of_field.empty()) kept.push_back({field.name, std::move(rest_of_field)});
  }
  if (changed) {
    headers.clear();
    for (HeaderField& field : kept) headers.add(std::move(field.name), std::move(field.value));
  }
  return values;
}

}  // namespace rampart::bot
