#include "proxy/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "proxy/config_snapshot.h"
#include "tests/unit/fakes/fake_exchange.h"

namespace rampart {
namespace {

namespace fs = std::filesystem;

// Key material made once per test run with the openssl CLI in a private temp directory:
// an EC P-256 self-signed certificate for "localhost" (cert.pem + key.pem), a second, unrelated
// EC key (other_ec.pem) and an RSA key (rsa.pem).
class TlsFiles {
 public:
  static const TlsFiles& get() {
    static TlsFiles files;
    return files;
  }
  ~TlsFiles() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  bool ok() const { return ok_; }

 private:
  TlsFiles() {
    std::string tmpl = (fs::temp_directory_path() / "rampart-tls-test-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    const std::string d = dir_.string();
    const std::string cmd =
        "cd '" + d + "' && " +
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout key.pem -out cert.pem -days 2 -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost >/dev/null 2>&1 && "
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other_ec.pem "
        ">/dev/null 2>&1 && "
        "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem "
        ">/dev/null 2>&1";
    ok_ = std::system(cmd.c_str()) == 0 && fs::exists(dir_ / "cert.pem") &&
          fs::exists(dir_ / "key.pem") && fs::exists(dir_ / "other_ec.pem") &&
          fs::exists(dir_ / "rsa.pem");
  }
  fs::path dir_;
  bool ok_ = false;
};

ListenerConfig tlsListener(const std::string& cert, const std::string& key,
                           std::vector<ListenerProtocol> protocols = {ListenerProtocol::H2,
                                                                      ListenerProtocol::Http1}) {
  ListenerConfig l;
  l.name = "tls";
  l.address = "127.0.0.1:8443";
  l.host = "127.0.0.1";
  l.port = 8443;
  l.protocols = std::move(protocols);
  l.has_tls = true;
  TlsCertificateConfig c;
  c.cert_file = cert;
  c.key_file = key;
  l.tls.certificates.push_back(c);
  return l;
}

const TlsFiles& files() {
  const TlsFiles& f = TlsFiles::get();
  REQUIRE(f.ok());
  return f;
}

// Runs a TLS handshake in memory (a BIO pair, no sockets) between a server SSL from `server`
// and a client offering `alpn` (wire format) for `sni`. Returns the negotiated ALPN protocol,
// or "<failed>" when the handshake does not complete.
std::string handshakeAlpn(const TlsServerContext& server, std::string_view alpn,
                          const char* sni = "localhost") {
  SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
  REQUIRE(client_ctx != nullptr);
  SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, nullptr);
  REQUIRE(SSL_CTX_set_alpn_protos(client_ctx, reinterpret_cast<const unsigned char*>(alpn.data()),
                                  static_cast<unsigned int>(alpn.size())) == 0);
  SSL* client = SSL_new(client_ctx);
  SSL* srv = server.newSession();
  REQUIRE(client != nullptr);
  REQUIRE(srv != nullptr);
  SSL_set_tlsext_host_name(client, sni);
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
  std::string result = "<failed>";
  if (client_done && server_done) {
    const unsigned char* proto = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(client, &proto, &len);
    result.assign(reinterpret_cast<const char*>(proto), len);
  }
  SSL_free(client);
  SSL_free(srv);
  SSL_CTX_free(client_ctx);
  ERR_clear_error();
  return result;
}

constexpr std::string_view kOfferBoth("\x08http/1.1\x02h2", 12);
constexpr std::string_view kOfferHttp1("\x08http/1.1", 9);

TEST_CASE("TlsServerContext: a self-signed certificate loads", "[tls]") {
  const TlsFiles& f = files();
  auto ctx = TlsServerContext::create(tlsListener(f.path("cert.pem"), f.path("key.pem")));
  if (!ctx) FAIL("create failed: " << ctx.error().detail);
  REQUIRE(ctx.value() != nullptr);
  CHECK(ctx.value()->allowsH2());
  CHECK(ctx.value()->allowsHttp1());
  SSL* ssl = ctx.value()->newSession();
  CHECK(ssl != nullptr);
  SSL_free(ssl);
}

TEST_CASE("TlsServerContext: ALPN prefers h2 and honours the listener's protocols", "[tls]") {
  const TlsFiles& f = files();
  SECTION("h2 and http/1.1 allowed") {
    auto ctx = TlsServerContext::create(tlsListener(f.path("cert.pem"), f.path("key.pem")));
    REQUIRE(ctx);
    CHECK(handshakeAlpn(*ctx.value(), kOfferBoth) == "h2");
    CHECK(handshakeAlpn(*ctx.value(), kOfferHttp1) == "http/1.1");
  }
  SECTION("http/1.1 only") {
    auto ctx = TlsServerContext::create(
        tlsListener(f.path("cert.pem"), f.path("key.pem"), {ListenerProtocol::Http1}));
    REQUIRE(ctx);
    CHECK_FALSE(ctx.value()->allowsH2());
    CHECK(handshakeAlpn(*ctx.value(), kOfferBoth) == "http/1.1");
  }
  SECTION("h2 only: a client offering only http/1.1 gets no ALPN") {
    auto ctx = TlsServerContext::create(
        tlsListener(f.path("cert.pem"), f.path("key.pem"), {ListenerProtocol::H2}));
    REQUIRE(ctx);
    CHECK_FALSE(ctx.value()->allowsHttp1());
    CHECK(handshakeAlpn(*ctx.value(), kOfferHttp1) == "");
  }
}

TEST_CASE("TlsServerContext: a missing key file is an error naming the path", "[tls]") {
  const TlsFiles& f = files();
  const std::string missing = f.path("no-such-key.pem");
  auto ctx = TlsServerContext::create(tlsListener(f.path("cert.pem"), missing));
  REQUIRE_FALSE(ctx);
  CHECK(ctx.error().source == ErrorSource::Config);
  CHECK(ctx.error().reason == "tls_config_invalid");
  CHECK_THAT(ctx.error().detail,
             Catch::StartsWith("listener 'tls': cannot load key '" + missing + "'"));
}

TEST_CASE("TlsServerContext: a missing certificate file is an error naming the path", "[tls]") {
  const TlsFiles& f = files();
  const std::string missing = f.path("no-such-cert.pem");
  auto ctx = TlsServerContext::create(tlsListener(missing, f.path("key.pem")));
  REQUIRE_FALSE(ctx);
  CHECK_THAT(ctx.error().detail,
             Catch::StartsWith("listener 'tls': cannot load certificate '" + missing + "'"));
}

TEST_CASE("TlsServerContext: a key that does not match the certificate is refused", "[tls]") {
  const TlsFiles& f = files();
  SECTION("same key type, other key") {
    const std::string key = f.path("other_ec.pem");
    auto ctx = TlsServerContext::create(tlsListener(f.path("cert.pem"), key));
    REQUIRE_FALSE(ctx);
    CHECK(ctx.error().reason == "tls_config_invalid");
    CHECK_THAT(ctx.error().detail, Catch::Contains("'" + key + "'"));
  }
  SECTION("other key type (RSA key for an EC certificate)") {
    const std::string key = f.path("rsa.pem");
    auto ctx = TlsServerContext::create(tlsListener(f.path("cert.pem"), key));
    REQUIRE_FALSE(ctx);
    CHECK_THAT(ctx.error().detail, Catch::Contains("'" + key + "'"));
  }
  SECTION("the certificate given as the key") {
    auto ctx = TlsServerContext::create(tlsListener(f.path("cert.pem"), f.path("cert.pem")));
    REQUIRE_FALSE(ctx);
    CHECK_THAT(ctx.error().detail, Catch::Contains("cannot load key '" + f.path("cert.pem") + "'"));
  }
}

// Regression test (bug found and fixed): the "does not match" branch returns without draining the OpenSSL error queue,
// so the stale X509 mismatch errors stay on the main thread's queue and are prefixed to the
// message of the next unrelated TLS failure (or confuse a later SSL_get_error on that thread).
TEST_CASE("TlsServerContext: a refused key leaves the OpenSSL error queue empty",
          "[tls]") {
  const TlsFiles& f = files();
  ERR_clear_error();
  auto ctx = TlsServerContext::create(tlsListener(f.path("cert.pem"), f.path("rsa.pem")));
  REQUIRE_FALSE(ctx);
  CHECK(ERR_peek_error() == 0);
  ERR_clear_error();
}

TEST_CASE("TlsServerContext: other configuration errors", "[tls]") {
  const TlsFiles& f = files();
  SECTION("no certificates") {
    ListenerConfig l = tlsListener(f.path("cert.pem"), f.path("key.pem"));
    l.tls.certificates.clear();
    auto ctx = TlsServerContext::create(l);
    REQUIRE_FALSE(ctx);
    CHECK(ctx.error().detail == "listener 'tls': no certificates");
  }
  SECTION("bad cipher list") {
    ListenerConfig l = tlsListener(f.path("cert.pem"), f.path("key.pem"));
    l.tls.ciphers = "NOT-A-CIPHER";
    auto ctx = TlsServerContext::create(l);
    REQUIRE_FALSE(ctx);
    CHECK_THAT(ctx.error().detail, Catch::StartsWith("listener 'tls': bad ciphers 'NOT-A-CIPHER'"));
  }
  ERR_clear_error();
}

TEST_CASE("buildSnapshot builds a TLS context per TLS listener", "[tls][config_snapshot]") {
  const TlsFiles& f = files();
  Config c = test::makeTestConfig();
  c.listeners.push_back(tlsListener(f.path("cert.pem"), f.path("key.pem")));
  auto s = test::makeTestSnapshot(std::move(c));
  CHECK(s->tls_by_listener.size() == 1);
  CHECK(s->tlsFor("tls") != nullptr);
  CHECK(s->tlsFor("main") == nullptr);

  Config broken = test::makeTestConfig();
  broken.listeners.push_back(tlsListener(f.path("cert.pem"), f.path("missing.pem")));
  auto built = buildSnapshot(std::move(broken), 2);
  REQUIRE_FALSE(built);
  CHECK_THAT(built.error().detail, Catch::Contains(f.path("missing.pem")));
  ERR_clear_error();
}

}  // namespace
}  // namespace rampart
