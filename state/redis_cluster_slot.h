// Redis Cluster key hashing: CRC16-XMODEM of the key, or of its hash tag (the text between the
// first '{' and the next '}', when not empty), modulo 16384.
#pragma once

#include <cstdint>
#include <string_view>

namespace rampart::state {

inline constexpr std::uint16_t kClusterSlots = 16384;

std::uint16_t crc16Xmodem(std::string_view data);
std::uint16_t clusterSlot(std::string_view key);

}  // namespace rampart::state
