#include "bot/digest.h"

#include <openssl/evp.h>

namespace rampart::bot {
namespace {

std::string digestHex(std::string_view data, const EVP_MD* md, std::size_t hex_chars) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out, &length, md, nullptr) != 1)
    return {};
  constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[out[i] >> 4];
    hex += kHex[out[i] & 0x0f];
  }
  if (hex.size() > hex_chars) hex.resize(hex_chars);
  return hex;
}

}  // namespace

std::string sha256Hex(std::string_view data, std::size_t hex_chars) {
  return digestHex(data, EVP_sha256(), hex_chars);
}

std::string md5Hex(std::string_view data) { return digestHex(data, EVP_md5(), 32); }

}  // namespace rampart::bot
