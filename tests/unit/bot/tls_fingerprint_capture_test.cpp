#include "bot/tls_fingerprint_capture.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "proxy/tls_context.h"
#include "tests/unit/bot/client_hello_bytes.h"

namespace rampart::bot {
namespace {

namespace fs = std::filesystem;

// Two self-signed certificates made once per run with the openssl CLI: "localhost" (the
// default) and "other.example", so the tests see SNI still choosing the certificate.
class CertDir {
 public:
  static const CertDir& get() {
    static CertDir dir;
    return dir;
  }
  ~CertDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  bool ok = false;

 private:
  CertDir() {
    std::string tmpl = (fs::temp_directory_path() / "rampart-ja4-test-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    const std::string cmd =
        "cd '" + dir_.string() + "' && for n in localhost other.example; do " +
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout $n.key -out $n.pem -days 2 -subj /CN=$n -addext subjectAltName=DNS:$n "
        ">/dev/null 2>&1 || exit 1; done";
    ok = std::system(cmd.c_str()) == 0;
  }
  fs::path dir_;
};

std::shared_ptr<TlsServerContext> serverContext() {
  const CertDir& d = CertDir::get();
  REQUIRE(d.ok);
  ListenerConfig l;
  l.name = "tls";
  l.protocols = {ListenerProtocol::H2, ListenerProtocol::Http1};
  l.has_tls = true;
  for (const char* n : {"localhost", "other.example"}) {
    TlsCertificateConfig c;
    c.cert_file = d.path(n) + std::string(".pem");
    c.key_file = d.path(n) + std::string(".key");
    c.server_names = {n};
    l.tls.certificates.push_back(c);
  }
  auto ctx = TlsServerContext::create(l);
  REQUIRE(ctx.has_value());
  return ctx.value();
}

struct HandshakeResult {
  bool done = false;
  std::string peer_cn;  // the certificate the client got
  std::string alpn;
  TlsFingerprint fingerprint;
};

// An in-memory handshake (BIO pair) with the capture attached to the server SSL.
HandshakeResult handshake(const TlsServerContext& server, const char* sni,
                          std::string_view alpn_wire) {
  SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
  REQUIRE(client_ctx != nullptr);
  SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, nullptr);
  if (!alpn_wire.empty())
    SSL_CTX_set_alpn_protos(client_ctx, reinterpret_cast<const unsigned char*>(alpn_wire.data()),
                            static_cast<unsigned int>(alpn_wire.size()));
  SSL* client = SSL_new(client_ctx);
  SSL* srv = server.newSession();
  REQUIRE(srv != nullptr);
  HandshakeResult r;
  captureClientHello(srv, &r.fingerprint);
  if (sni != nullptr) SSL_set_tlsext_host_name(client, sni);
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  REQUIRE(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) == 1);
  SSL_set_bio(client, client_bio, client_bio);
  SSL_set_bio(srv, server_bio, server_bio);
  SSL_set_connect_state(client);
  SSL_set_accept_state(srv);
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
    if (!client_done) {
      const int rc = SSL_do_handshake(client);
      if (rc == 1)
        client_done = true;
      else if (SSL_get_error(client, rc) != SSL_ERROR_WANT_READ)
        break;
    }
    if (!server_done) {
      const int rc = SSL_do_handshake(srv);
      if (rc == 1)
        server_done = true;
      else if (SSL_get_error(srv, rc) != SSL_ERROR_WANT_READ)
        break;
    }
  }
  r.done = client_done && server_done;
  if (r.done) {
    X509* peer = SSL_get1_peer_certificate(client);
    char cn[256] = {0};
    if (peer != nullptr) {
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof(cn));
      X509_free(peer);
    }
    r.peer_cn = cn;
    const unsigned char* proto = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(srv, &proto, &len);
    r.alpn.assign(reinterpret_cast<const char*>(proto), len);
  }
  SSL_free(client);
  SSL_free(srv);
  SSL_CTX_free(client_ctx);
  ERR_clear_error();
  return r;
}

const std::regex kJa4Shape("t1[23][di]\\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}");

TEST_CASE(
    "captureClientHello: an OpenSSL client is fingerprinted, SNI still picks the "
    "certificate",
    "[bot][tls_fingerprint_capture]") {
  auto server = serverContext();
  const HandshakeResult r = handshake(*server, "other.example", std::string_view("\x02h2", 3));
  REQUIRE(r.done);
  CHECK(r.peer_cn == "other.example");
  CHECK(r.alpn == "h2");
  CHECK(r.fingerprint.status == TlsFingerprint::Status::Fingerprinted);
  CHECK(std::regex_match(r.fingerprint.ja4, kJa4Shape));
  CHECK(r.fingerprint.ja4.substr(0, 4) == "t13d");
  CHECK(r.fingerprint.ja4.substr(8, 2) == "h2");
  CHECK(r.fingerprint.ja4_r.starts_with(r.fingerprint.ja4.substr(0, 11)));
  CHECK(r.fingerprint.ja3.size() == 32);
}

TEST_CASE("captureClientHello: no SNI gives 'i' and the same c section; ALPN follows the offer",
          "[bot][tls_fingerprint_capture]") {
  auto server = serverContext();
  const HandshakeResult named = handshake(*server, "localhost", std::string_view("\x02h2", 3));
  const HandshakeResult bare = handshake(*server, nullptr, std::string_view("\x08http/1.1", 9));
  REQUIRE(named.done);
  REQUIRE(bare.done);
  CHECK(bare.peer_cn == "localhost");  // the default certificate
  CHECK(bare.fingerprint.ja4[3] == 'i');
  CHECK(named.fingerprint.ja4[3] == 'd');
  CHECK(bare.fingerprint.ja4.substr(8, 2) == "h1");
  // Same client library: same ciphers, and c leaves SNI and ALPN out.
  CHECK(bare.fingerprint.ja4.substr(10) == named.fingerprint.ja4.substr(10));
  const HandshakeResult again = handshake(*server, "localhost", std::string_view("\x02h2", 3));
  CHECK(again.fingerprint.ja4 == named.fingerprint.ja4);
}

TEST_CASE("fingerprintHandshakeMessage: unusable input leaves the fingerprints empty",
          "[bot][tls_fingerprint_capture]") {
  const std::uint8_t server_hello[] = {0x02, 0x00, 0x00, 0x00};
  TlsFingerprint f = fingerprintHandshakeMessage(server_hello, sizeof(server_hello));
  CHECK(f.status == TlsFingerprint::Status::Unsupported);
  CHECK(f.ja4.empty());
  const std::uint8_t cut[] = {0x01, 0x00, 0x00, 0x30, 0x03};
  f = fingerprintHandshakeMessage(cut, sizeof(cut));
  CHECK(f.status == TlsFingerprint::Status::Malformed);
  CHECK(f.ja4.empty());
  CHECK(f.ja3.empty());
  const testing::Bytes ok = testing::clientHelloMessage(testing::specExampleHello());
  f = fingerprintHandshakeMessage(ok.data(), ok.size());
  CHECK(f.status == TlsFingerprint::Status::Fingerprinted);
  CHECK(f.ja4 == "t13d1516h2_8daaf6152771_e5627efa2ab1");
}

}  // namespace
}  // namespace rampart::bot
