// Lower-case hex digests for fingerprints (JA4 uses SHA-256, JA3 MD5), one-shot through
// OpenSSL's EVP interface.
#pragma once

#include <string>
#include <string_view>

namespace rampart::bot {

// The first `hex_chars` hex digits of SHA-256(data) (all 64 when larger); "" if OpenSSL fails.
std::string sha256Hex(std::string_view data, std::size_t hex_chars = 64);
// MD5(data) as 32 hex digits; "" if OpenSSL fails (MD5 missing from a FIPS-only provider).
std::string md5Hex(std::string_view data);

}  // namespace rampart::bot
