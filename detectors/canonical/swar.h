// Byte tests on eight bytes at once in a 64-bit word ("SIMD within a register"): the canonical
// view and the signature transforms skip or copy runs of ordinary bytes with these, since a
// request body is mostly bytes that need no work.
#pragma once

#include <cstdint>
#include <cstring>

namespace rampart::canonical::swar {

inline constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
inline constexpr std::uint64_t kLowBits = 0x7F7F7F7F7F7F7F7FULL;
inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;

inline std::uint64_t load64(const void* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// 0x80 in every byte of `word` that is zero, 0x00 in every other byte (exact: no borrow runs
// from one byte into the next, unlike the (x - 1) & ~x test).
constexpr std::uint64_t zeroBytes(std::uint64_t word) {
  return ~(((word & kLowBits) + kLowBits) | word | kLowBits);
}

// 0x80 in every byte of `word` equal to `byte`, 0x00 elsewhere.
constexpr std::uint64_t bytesEqual(std::uint64_t word, unsigned char byte) {
  return zeroBytes(word ^ (kOnes * byte));
}

// 0x80 in every byte of `word` below `limit` (1..0x80), 0x00 elsewhere. Exact: each byte's sum
// stays under 0x100, so nothing carries into the next byte.
constexpr std::uint64_t bytesBelow(std::uint64_t word, unsigned char limit) {
  return ~(((word & kLowBits) + kOnes * static_cast<std::uint64_t>(0x80 - limit)) | word) &
         kHighBits;
}

// `word` with every '+' byte turned into a space (form encoding's space), the rest untouched.
constexpr std::uint64_t plusAsSpace(std::uint64_t word) {
  return word ^ ((bytesEqual(word, '+') >> 7) * static_cast<std::uint64_t>('+' ^ ' '));
}

// Whether any byte of `word` equals `byte`.
constexpr bool hasByte(std::uint64_t word, unsigned char byte) {
  const std::uint64_t x = word ^ (kOnes * byte);
  return ((x - kOnes) & ~x & kHighBits) != 0;
}

}  // namespace rampart::canonical::swar
