#include "bot/tls_fingerprint_capture.h"

#include "bot/ja3.h"
#include "bot/ja4.h"
#include "bot/tls_client_hello.h"

namespace rampart::bot {
namespace {

void onMessage(int write_p, int /*version*/, int content_type, const void* buf, std::size_t len,
               SSL* ssl, void* arg) {
  if (write_p != 0) return;  // our own messages
  // Record headers and TLS 1.3 inner content types are reported as pseudo content types
  // before the message they carry.
  if (content_type == SSL3_RT_HEADER || content_type == SSL3_RT_INNER_CONTENT_TYPE) return;
  auto* out = static_cast<TlsFingerprint*>(arg);
  // One shot: the client's first message is its hello; a second one after a HelloRetryRequest
  // is not what JA4 describes.
  SSL_set_msg_callback(ssl, nullptr);
  SSL_set_msg_callback_arg(ssl, nullptr);
  if (content_type != SSL3_RT_HANDSHAKE) {
    out->status = TlsFingerprint::Status::Unsupported;
    return;
  }
  *out = fingerprintHandshakeMessage(static_cast<const std::uint8_t*>(buf), len);
}

}  // namespace

TlsFingerprint fingerprintHandshakeMessage(const std::uint8_t* message, std::size_t length) {
  TlsFingerprint out;
  // Called from inside OpenSSL: nothing may propagate, and a failure here costs only the
  // fingerprint, never the handshake.
  try {
    TlsClientHello hello;
    switch (parseClientHello({message, length}, hello)) {
      case ClientHelloParse::Ok:
        break;
      case ClientHelloParse::NotClientHello:
        out.status = TlsFingerprint::Status::Unsupported;
        return out;
      case ClientHelloParse::Malformed:
        out.status = TlsFingerprint::Status::Malformed;
        return out;
    }
    Ja4 ja4 = computeJa4(hello);
    out.ja4 = std::move(ja4.fingerprint);
    out.ja4_r = std::move(ja4.raw);
    out.ja3 = computeJa3(hello).hash;
    out.status = TlsFingerprint::Status::Fingerprinted;
  } catch (...) {  // bad_alloc, or anything else: no exception may cross OpenSSL's C frames
    out = TlsFingerprint{};
    out.status = TlsFingerprint::Status::Failed;
  }
  return out;
}

void captureClientHello(SSL* ssl, TlsFingerprint* out) {
  SSL_set_msg_callback(ssl, &onMessage);
  SSL_set_msg_callback_arg(ssl, out);
}

}  // namespace rampart::bot
