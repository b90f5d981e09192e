// Catch prints a CanonicalError by its reason string in failed assertions (shared by the
// canonical view's tests).
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "detectors/canonical/canonical_error.h"

namespace Catch {
template <>
struct StringMaker<rampart::canonical::CanonicalError> {
  static std::string convert(rampart::canonical::CanonicalError e) {
    return std::string(rampart::canonical::reasonOf(e));
  }
};
}  // namespace Catch
