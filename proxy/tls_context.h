// Server-side TLS for one listener: one SSL_CTX per configured certificate, chosen by SNI, ALPN
// restricted to the listener's protocols. Built on the main thread per config snapshot.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proxy/api/error.h"
#include "proxy/config/config.h"

namespace rampart {

class TlsServerContext {
 public:
  static Result<std::shared_ptr<TlsServerContext>> create(const ListenerConfig& listener);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  // A new server SSL for an accepted connection; nullptr on allocation failure.
  SSL* newSession() const;
  bool allowsH2() const { return allow_h2_; }
  bool allowsHttp1() const { return allow_http1_; }

 private:
  TlsServerContext() = default;
  SSL_CTX* selectByServerName(std::string_view name) const;
  static int onServerName(SSL* ssl, int* alert, void* arg);
  static int onAlpn(SSL* ssl, const unsigned char** out, unsigned char* outlen,
                    const unsigned char* in, unsigned int inlen, void* arg);

  struct Certificate {
    std::vector<std::string> server_names;
    SSL_CTX* ctx = nullptr;
  };
  std::vector<Certificate> certificates_;  // [0] is the default
  bool allow_h2_ = false;
  bool allow_http1_ = false;
};

// The OpenSSL error queue as one line, for messages.
std::string drainOpenSslErrors();

}  // namespace rampart
