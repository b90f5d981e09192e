// JA3 (Salesforce), kept for compatibility with feeds and tools that still speak it: MD5 of
// "version,ciphers,extensions,groups,point_formats", decimal values in wire order joined by '-',
// GREASE removed. Order-sensitive, so clients that shuffle extensions (Chrome since 110) get a
// new JA3 per connection; JA4 (bot/ja4.h) is the one to key on.
#pragma once

#include <string>

#include "bot/tls_client_hello.h"

namespace rampart::bot {

struct Ja3 {
  std::string text;  // "771,4865-4866-...,0-23-65281-...,29-23-24,0"
  std::string hash;  // md5(text), 32 hex digits
};

Ja3 computeJa3(const TlsClientHello& hello);

}  // namespace rampart::bot
