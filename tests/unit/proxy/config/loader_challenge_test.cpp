// The `challenge` sections of the loader: top level and per route (proxy/config/loader.cpp;
// docs/configuration.md "challenge").
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "proxy/config/loader.h"

namespace rampart {
namespace {

using Catch::Matchers::Contains;

const std::string kBase = R"(listeners:
  - name: main
    address: 127.0.0.1:8080
clusters:
  - name: backend
    endpoints: ["127.0.0.1:9000"]
)";

const std::string kRoute = R"(routes:
  - name: api
    cluster: backend
)";

Config loadOk(const std::string& rest) {
  Result<Config> result = loadConfigString(kBase + rest, "test.yaml");
  if (!result) FAIL("unexpected error: " << result.error().detail);
  return std::move(result.value());
}

std::string errorOf(const std::string& rest) {
  Result<Config> result = loadConfigString(kBase + rest, "test.yaml");
  REQUIRE_FALSE(result);
  CHECK(result.error().reason == "config_invalid");
  return result.error().detail;
}

const std::string kSecretA = "0123456789abcdef0123456789abcdef";  // 32 bytes

TEST_CASE("config loader: challenge defaults", "[config][challenge]") {
  const Config c = loadOk(kRoute);
  CHECK_FALSE(c.challenge.configured);
  CHECK(c.challenge.keys.empty());
  CHECK(c.challenge.difficulty_bits == 16);
  CHECK(c.challenge.cookie_name == "rampart_clearance");
  CHECK(c.challenge.cookie_ttl_s == 3600);
  CHECK(c.challenge.token_ttl_s == 300);
  CHECK(c.challenge.ipv4_prefix == 24);
  CHECK(c.challenge.ipv6_prefix == 64);
  CHECK(c.challenge.path == "/.well-known/rampart/challenge");
  CHECK(c.routes[0].challenge.mode == ChallengeMode::OnRequest);
  // `challenge: {}` switches the stage on with every default; an empty key is an error as
  // everywhere else.
  CHECK(loadOk(kRoute + "challenge: {}\n").challenge.configured);
  CHECK_THAT(errorOf(kRoute + "challenge:\n"), Contains("expected a map in challenge"));
}

TEST_CASE("config loader: challenge round-trips every field", "[config][challenge]") {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / "rampart_loader_challenge_secret";
  {
    std::ofstream out(file);
    out << "fedcba9876543210fedcba9876543210-from-file\n";
  }
  const Config c = loadOk(R"(routes:
  - name: api
    cluster: backend
    challenge: {mode: always}
  - name: quiet
    path_prefix: /quiet/
    cluster: backend
    challenge: {mode: off}
challenge:
  keys:
    - {id: k2, secret: ")" +
                          kSecretA + R"("}
    - {id: k1, secret_file: )" +
                          file.string() + R"(}
  difficulty_bits: 12
  cookie_name: clearance
  cookie_ttl_s: 600
  token_ttl_s: 60
  ipv4_prefix: 32
  ipv6_prefix: 56
  path: /_challenge
)");
  std::filesystem::remove(file);
  CHECK(c.challenge.configured);
  REQUIRE(c.challenge.keys.size() == 2);
  CHECK(c.challenge.keys[0].id == "k2");
  CHECK(c.challenge.keys[0].secret == kSecretA);
  CHECK(c.challenge.keys[1].id == "k1");
  CHECK(c.challenge.keys[1].secret == "fedcba9876543210fedcba9876543210-from-file");  // no '\n'
  CHECK(c.challenge.difficulty_bits == 12);
  CHECK(c.challenge.cookie_name == "clearance");
  CHECK(c.challenge.cookie_ttl_s == 600);
  CHECK(c.challenge.token_ttl_s == 60);
  CHECK(c.challenge.ipv4_prefix == 32);
  CHECK(c.challenge.ipv6_prefix == 56);
  CHECK(c.challenge.path == "/_challenge");
  CHECK(c.routes[0].challenge.mode == ChallengeMode::Always);
  CHECK(c.routes[1].challenge.mode == ChallengeMode::Off);
}

TEST_CASE("config loader: challenge errors", "[config][challenge]") {
  CHECK_THAT(errorOf(kRoute + "challenge:\n  keys:\n    - {id: k1, secret: short}\n"),
             Contains("challenge.keys[0]: the secret has 5 bytes; at least 32 are needed"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  keys:\n    - {id: k1}\n"),
             Contains("give exactly one of 'secret' or 'secret_file'"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  keys:\n    - {id: k1, secret: \"" + kSecretA +
                     "\", secret_file: /etc/hostname}\n"),
             Contains("give exactly one of 'secret' or 'secret_file'"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  keys:\n    - {id: k1, secret_file: /nonexistent/x}\n"),
             Contains("does not exist"));
  CHECK_THAT(
      errorOf(kRoute + "challenge:\n  keys:\n    - {id: \"k.1\", secret: \"" + kSecretA + "\"}\n"),
      Contains("is not a key id"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  keys:\n    - {id: k1, secret: \"" + kSecretA +
                     "\"}\n    - {id: k1, secret: \"" + kSecretA + "\"}\n"),
             Contains("duplicate key id 'k1'"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  keys: []\n"), Contains("needs at least one key"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  difficulty_bits: 40\n"),
             Contains("challenge.difficulty_bits: 40 is out of range (4..28)"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  difficulty_bits: 2\n"), Contains("out of range"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  ipv4_prefix: 33\n"), Contains("out of range"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  cookie_name: \"a;b\"\n"),
             Contains("is not a cookie name"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  path: relative\n"),
             Contains("must be a plain path starting with '/'"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  path: \"/a?b\"\n"), Contains("plain path"));
  CHECK_THAT(errorOf(kRoute + "challenge:\n  dificulty_bits: 8\n"),
             Contains("did you mean 'difficulty_bits'?"));
  CHECK_THAT(
      errorOf("routes:\n  - name: api\n    cluster: backend\n    challenge: {mode: sometimes}\n"),
      Contains("routes[0].challenge.mode: unknown value 'sometimes'; expected one of: off, "
               "on_request, always"));
}

}  // namespace
}  // namespace rampart
