#include "detectors/canonical/swar.h"

#include <catch2/catch.hpp>
#include <cstdint>

namespace rampart::canonical::swar {
namespace {

std::uint64_t wordOf(const unsigned char (&bytes)[8]) { return load64(bytes); }

// Every byte value next to every target, at every position, with the neighbours that make the
// classic (x - 1) & ~x test report a byte that is not there (a 0x01 above a match borrows).
TEST_CASE("bytesEqual marks exactly the bytes equal to the target", "[canonical]") {
  for (const unsigned char target : {'%', '+', '\0', '\x80', '\xff'}) {
    for (int value = 0; value < 256; ++value) {
      for (int at = 0; at < 8; ++at) {
        unsigned char bytes[8];
        for (int k = 0; k < 8; ++k) bytes[k] = static_cast<unsigned char>(target ^ 1);
        bytes[at] = static_cast<unsigned char>(value);
        const std::uint64_t marks = bytesEqual(wordOf(bytes), target);
        unsigned char marked[8];
        std::memcpy(marked, &marks, 8);
        bool any = false;
        for (int k = 0; k < 8; ++k) {
          const bool equal = bytes[k] == target;
          any = any || equal;
          INFO("target " << int(target) << " value " << value << " at " << at << " byte " << k);
          REQUIRE(marked[k] == (equal ? 0x80 : 0x00));
        }
        REQUIRE(hasByte(wordOf(bytes), target) == any);
      }
    }
  }
}

// Every byte value at every position, among neighbours on either side of the limit (a sum that
// carried into the next byte would show up as a wrong mark there).
TEST_CASE("bytesBelow marks exactly the bytes under the limit", "[canonical]") {
  for (const int limit : {1, 0x20, 0x7f, 0x80}) {
    for (const int neighbour : {limit - 1, limit, 0x7f, 0xff}) {
      for (int value = 0; value < 256; ++value) {
        for (int at = 0; at < 8; ++at) {
          unsigned char bytes[8];
          for (int k = 0; k < 8; ++k) bytes[k] = static_cast<unsigned char>(neighbour);
          bytes[at] = static_cast<unsigned char>(value);
          const std::uint64_t marks = bytesBelow(wordOf(bytes), static_cast<unsigned char>(limit));
          unsigned char marked[8];
          std::memcpy(marked, &marks, 8);
          for (int k = 0; k < 8; ++k) {
            INFO("limit " << limit << " value " << value << " at " << at << " byte " << k);
            REQUIRE(marked[k] == (bytes[k] < limit ? 0x80 : 0x00));
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace rampart::canonical::swar
