#include "detectors/signatures/target.h"

#include <array>
#include <cstddef>

namespace rampart::signatures {
namespace {

using canonical::FieldSource;

// Whether a source's Field::name says something beyond the value (see field.h): only those
// can be restricted to one name.
bool sourceHasNames(FieldSource source) {
  switch (source) {
    case FieldSource::QueryValue:
    case FieldSource::HeaderValue:
    case FieldSource::CookieValue:
    case FieldSource::FormValue:
    case FieldSource::MultipartValue:
    case FieldSource::MultipartFilename:
    case FieldSource::JsonValue:
    case FieldSource::XmlValue:
      return true;
    case FieldSource::Path:
    case FieldSource::QueryName:
    case FieldSource::HeaderName:
    case FieldSource::CookieName:
    case FieldSource::FormName:
    case FieldSource::MultipartName:
    case FieldSource::JsonName:
    case FieldSource::XmlName:
    case FieldSource::RawBody:
      break;
  }
  return false;
}

struct Alias {
  std::string_view name;
  std::vector<FieldSource> sources;
};

// Group aliases, so a signature file says "args" rather than five parser-specific names and
// keeps working when a parser is added.
const std::array<Alias, 5>& aliases() {
  static const std::array<Alias, 5> kAliases = {{
      {"args",
       {FieldSource::QueryValue, FieldSource::FormValue, FieldSource::MultipartValue,
        FieldSource::JsonValue, FieldSource::XmlValue}},
      {"args_names",
       {FieldSource::QueryName, FieldSource::FormName, FieldSource::MultipartName,
        FieldSource::JsonName, FieldSource::XmlName}},
      {"body",
       {FieldSource::FormName, FieldSource::FormValue, FieldSource::MultipartName,
        FieldSource::MultipartValue, FieldSource::MultipartFilename, FieldSource::JsonName,
        FieldSource::JsonValue, FieldSource::XmlName, FieldSource::XmlValue,
        FieldSource::RawBody}},
      {"cookies", {FieldSource::CookieName, FieldSource::CookieValue}},
      {"headers", {FieldSource::HeaderName, FieldSource::HeaderValue}},
  }};
  return kAliases;
}

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  return true;
}

}  // namespace

bool targetSelects(const Target& target, const canonical::Field& field) {
  if (field.source != target.source) return false;
  if (target.field_name.empty()) return true;
  if (target.source == FieldSource::HeaderValue)
    return equalsIgnoringAsciiCase(field.name, target.field_name);
  return field.name == target.field_name;
}

std::optional<std::vector<Target>> parseTarget(std::string_view spelling, std::string& problem) {
  std::string_view base = spelling;
  std::string field_name;
  if (const std::size_t colon = spelling.find(':'); colon != std::string_view::npos) {
    base = spelling.substr(0, colon);
    field_name = std::string(spelling.substr(colon + 1));
    if (field_name.empty()) {
      problem = "'" + std::string(spelling) + "' names no field after ':'";
      return std::nullopt;
    }
  }

  std::vector<FieldSource> sources;
  for (std::size_t i = 0; i < canonical::kFieldSourceCount; ++i) {
    const auto source = static_cast<FieldSource>(i);
    if (canonical::fieldSourceName(source) == base) sources.push_back(source);
  }
  if (sources.empty()) {
    for (const Alias& alias : aliases())
      if (alias.name == base) sources = alias.sources;
  }
  if (sources.empty()) {
    problem = "unknown target '" + std::string(base) + "'";
    return std::nullopt;
  }

  std::vector<Target> targets;
  for (FieldSource source : sources) {
    if (!field_name.empty() && !sourceHasNames(source)) {
      problem = "target '" + std::string(spelling) + "': " +
                std::string(canonical::fieldSourceName(source)) +
                " fields have no name to restrict to";
      return std::nullopt;
    }
    std::string name = field_name;
    if (source == FieldSource::HeaderValue)
      for (char& c : name) c = lowerAscii(c);
    targets.push_back(Target{source, std::move(name)});
  }
  return targets;
}

std::vector<std::string_view> targetSpellings() {
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < canonical::kFieldSourceCount; ++i)
    names.push_back(canonical::fieldSourceName(static_cast<FieldSource>(i)));
  for (const Alias& alias : aliases()) names.push_back(alias.name);
  return names;
}

}  // namespace rampart::signatures
