// Fuzzes the config loader: whatever the bytes, loadConfigString must return a value (a Config
// or a config_invalid Error), never crash, hang or let a yaml-cpp exception escape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proxy/config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  rampart::Result<rampart::Config> result = rampart::loadConfigString(yaml, "fuzz.yaml");
  // Both outcomes must be well-formed: an error always says where, a config always has routes.
  if (result.has_value()) {
    if (result->listeners.empty() || result->routes.empty()) std::abort();
  } else if (result.error().reason != "config_invalid" ||
             result.error().detail.rfind("fuzz.yaml:", 0) != 0) {
    std::abort();
  }
  return 0;
}
