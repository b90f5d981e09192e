// Targets: which fields of the canonical request (detectors/canonical/field.h) a signature scans.
// A target names one FieldSource, optionally restricted to fields of one name
// ("header_value:user-agent"); group aliases ("args", "body", ...) expand to several sources.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/canonical/field.h"

namespace rampart::signatures {

struct Target {
  canonical::FieldSource source;
  // Empty: every field of that source. Else only fields whose name equals this (ASCII
  // case-insensitive for headers, whose names are lower-case already; exact otherwise).
  std::string field_name;

  bool operator==(const Target&) const = default;
};

// Whether `field` is one this target selects (same source, and the name restriction holds).
bool targetSelects(const Target& target, const canonical::Field& field);

// Parses one target spelling into the targets it stands for (one, or several for an alias).
// Returns nullopt for an unknown name or a name restriction on a source without names; `problem`
// then says why in words.
std::optional<std::vector<Target>> parseTarget(std::string_view spelling, std::string& problem);

// Every spelling parseTarget accepts without a ":name" suffix, for error messages and the docs.
std::vector<std::string_view> targetSpellings();

}  // namespace rampart::signatures
