// Catch prints a ParseError by its reason string in failed assertions (shared by the http1 tests).
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "proxy/http1/parse_error.h"

namespace Catch {
template <>
struct StringMaker<rampart::http1::ParseError> {
  static std::string convert(rampart::http1::ParseError e) {
    return std::string(rampart::http1::reasonOf(e));
  }
};
}  // namespace Catch
