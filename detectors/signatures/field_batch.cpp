#include "detectors/signatures/field_batch.h"

namespace rampart::signatures {

bool patternBatchable(std::string_view pattern) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 >= pattern.size()) return true;  // Hyperscan refuses it anyway
      const char escaped = pattern[i + 1];
      if (escaped == 'A' || escaped == 'z' || escaped == 'Z' || escaped == 'G') return false;
      ++i;  // the escaped byte is never a '(' or a '\' that starts something
      continue;
    }
    if (c == '(' && i + 1 < pattern.size() && pattern[i + 1] == '?') {
      // "(?imsx-imsx)" or "(?imsx-imsx:...)": refuse any option turned off.
      for (std::size_t k = i + 2; k < pattern.size(); ++k) {
        const char option = pattern[k];
        if (option == '-' || option == '^') return false;
        const bool letter = (option >= 'a' && option <= 'z') || (option >= 'A' && option <= 'Z');
        if (!letter) break;
      }
    }
  }
  return true;
}

}  // namespace rampart::signatures
