#include "bot/header_order.h"

#include "bot/digest.h"

namespace rampart::bot {

std::string headerOrderNames(const HeaderList& headers) {
  constexpr std::size_t kMaxNames = 64;
  std::string names;
  std::size_t n = 0;
  for (const auto& f : headers) {
    if (n++ == kMaxNames) break;
    if (!names.empty()) names += ',';
    names += f.name;
  }
  return names;
}

std::string headerOrderFingerprint(const HeaderList& headers) {
  if (headers.empty()) return {};
  return sha256Hex(headerOrderNames(headers), 12);
}

}  // namespace rampart::bot
