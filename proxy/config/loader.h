// Reads the YAML configuration into a validated Config (proxy/config/config.h). Every key is
// documented in docs/configuration.md. Runs on the main thread only (rampart validate, startup,
// reload); nothing here is on the data path.
#pragma once

#include <string>
#include <string_view>

#include "proxy/api/error.h"
#include "proxy/config/config.h"

namespace rampart {

// Parses and validates. Never throws: on any problem it returns
//   Error{source = ErrorSource::Config, status = 0, reason = "config_invalid",
//         detail = "FILE:LINE:COL: message"}
// with LINE/COL 1-based from the offending YAML node (for a missing key, the map that lacks it).
// Only the first problem found is reported. A file that cannot be read gives "FILE: message".
// Config::source_file is set to `path`.
Result<Config> loadConfigFile(const std::string& path);

// Same as loadConfigFile for text already in memory; `source_name` is used in messages and as
// Config::source_file. Relative certificate paths are checked against the working directory.
Result<Config> loadConfigString(std::string_view yaml, std::string_view source_name);

}  // namespace rampart
