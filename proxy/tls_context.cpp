#include "proxy/tls_context.h"

#include "proxy/host_pattern.h"

#include <openssl/err.h>

#include <algorithm>
#include <cstring>

namespace rampart {
namespace {

// Mozilla "intermediate" TLS 1.2 ciphers: forward secrecy and AEAD only.
constexpr const char* kDefaultCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

}  // namespace

std::string drainOpenSslErrors() {
  std::string out;
  unsigned long code;
  char buf[256];
  while ((code = ERR_get_error()) != 0) {
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Result<std::shared_ptr<TlsServerContext>> TlsServerContext::create(const ListenerConfig& listener) {
  std::shared_ptr<TlsServerContext> self(new TlsServerContext());
  for (auto p : listener.protocols) {
    if (p == ListenerProtocol::H2) self->allow_h2_ = true;
    if (p == ListenerProtocol::Http1) self->allow_http1_ = true;
  }
  const TlsConfig& tls = listener.tls;
  auto fail = [&](std::string detail) {
    return Error{ErrorSource::Config, 0, "tls_config_invalid",
                 false, "listener '" + listener.name + "': " + detail};
  };
  for (const auto& cert : tls.certificates) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) return fail("SSL_CTX_new failed: " + drainOpenSslErrors());
    self->certificates_.push_back({cert.server_names, ctx});
    SSL_CTX_set_min_proto_version(ctx, tls.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
    // No compression, no renegotiation, server cipher preference, fresh ECDH keys.
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_ECDH_USE |
                                 SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    // Read whole TLS records (and what follows) per read(2), not a 5-byte header then the body.
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_default_read_buffer_len(ctx, 64 * 1024);
    const std::string ciphers = tls.ciphers.empty() ? kDefaultCiphers : tls.ciphers;
    if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1)
      return fail("bad ciphers '" + ciphers + "': " + drainOpenSslErrors());
    if (!tls.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, tls.ciphersuites.c_str()) != 1)
      return fail("bad ciphersuites '" + tls.ciphersuites + "': " + drainOpenSslErrors());
    if (SSL_CTX_use_certificate_chain_file(ctx, cert.cert_file.c_str()) != 1)
      return fail("cannot load certificate '" + cert.cert_file + "': " + drainOpenSslErrors());
    if (SSL_CTX_use_PrivateKey_file(ctx, cert.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      return fail("cannot load key '" + cert.key_file + "': " + drainOpenSslErrors());
    if (SSL_CTX_check_private_key(ctx) != 1) {
      drainOpenSslErrors();  // leave no stale error for the next TLS call on this thread
      return fail("key '" + cert.key_file + "' does not match '" + cert.cert_file + "'");
    }
    SSL_CTX_set_tlsext_servername_callback(ctx, &TlsServerContext::onServerName);
    SSL_CTX_set_tlsext_servername_arg(ctx, self.get());
    SSL_CTX_set_alpn_select_cb(ctx, &TlsServerContext::onAlpn, self.get());
  }
  if (self->certificates_.empty()) return fail("no certificates");
  return self;
}

TlsServerContext::~TlsServerContext() {
  for (auto& c : certificates_) SSL_CTX_free(c.ctx);
}

SSL* TlsServerContext::newSession() const { return SSL_new(certificates_.front().ctx); }

SSL_CTX* TlsServerContext::selectByServerName(std::string_view name) const {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& c : certificates_)  // exact names first, then wildcards, in config order
    for (const auto& n : c.server_names)
      if (n == lower) return c.ctx;
  for (const auto& c : certificates_)
    for (const auto& n : c.server_names)
      if (n.find('*') != std::string::npos && hostPatternMatches(n, lower)) return c.ctx;
  return nullptr;
}

int TlsServerContext::onServerName(SSL* ssl, int*, void* arg) {
  const auto* self = static_cast<const TlsServerContext*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_NOACK;
  if (SSL_CTX* ctx = self->selectByServerName(name); ctx != nullptr) SSL_set_SSL_CTX(ssl, ctx);
  return SSL_TLSEXT_ERR_OK;  // unknown names get the default certificate
}

int TlsServerContext::onAlpn(SSL*, const unsigned char** out, unsigned char* outlen,
                             const unsigned char* in, unsigned int inlen, void* arg) {
  const auto* self = static_cast<const TlsServerContext*>(arg);
  // Server preference: h2 first when allowed, then http/1.1.
  auto offer = [&](std::string_view proto) -> bool {
    for (unsigned int i = 0; i < inlen;) {
      unsigned int len = in[i];
      if (i + 1 + len > inlen) return false;
      if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == proto) {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(len);
        return true;
      }
      i += 1 + len;
    }
    return false;
  };
  if (self->allow_h2_ && offer("h2")) return SSL_TLSEXT_ERR_OK;
  if (self->allow_http1_ && offer("http/1.1")) return SSL_TLSEXT_ERR_OK;
  // A client that offers only protocols we do not speak: no ALPN, fall back to HTTP/1.1 if
  // allowed (the connection layer refuses otherwise).
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace rampart
