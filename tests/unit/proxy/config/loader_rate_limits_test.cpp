// The `rate_limits` section of the loader (proxy/config/loader.cpp; docs/configuration.md).
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "proxy/config/loader.h"

namespace rampart {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

// Lines 1..9 are the same in every test; rate_limits starts on line 10.
const std::string kBase = R"(listeners:
  - name: main
    address: 127.0.0.1:8080
clusters:
  - name: backend
    endpoints: ["127.0.0.1:9000"]
routes:
  - name: api
    cluster: backend
)";

Config loadOk(const std::string& rate_limits) {
  Result<Config> result = loadConfigString(kBase + rate_limits, "test.yaml");
  if (!result) FAIL("unexpected error: " << result.error().detail);
  return std::move(result.value());
}

std::string errorOf(const std::string& rate_limits) {
  Result<Config> result = loadConfigString(kBase + rate_limits, "test.yaml");
  REQUIRE_FALSE(result);
  CHECK(result.error().reason == "config_invalid");
  return result.error().detail;
}

TEST_CASE("config loader: rate_limits round-trips every field", "[config][rate_limits]") {
  const Config c = loadOk(R"(rate_limits:
  local_max_keys: 5000
  expected_instances: 4
  over_limit_cache_keys: 100
  response_headers: true
  redis:
    address: 127.0.0.1:6390
    username: rampart
    password: secret
    database: 2
    timeout_ms: 20
    connect_timeout_ms: 100
    max_pending: 64
    breaker: {failures: 3, open_ms: 250}
  rules:
    - name: per-key
      match:
        routes: [api]
        methods: [get, POST]
        path_prefix: /v1/
        headers: [{name: X-Tenant, equals: acme}, {name: authorization}]
        query: [{name: debug}]
      key: [client_ip, {ip_prefix: {ipv4: 16, ipv6: 48}}, ip_prefix, {header: X-Api-Key},
            {cookie: sid}, {query: token}, route]
      limit: 100
      window_ms: 60000
      algorithm: gcra
      burst: 10
      action: log
      store: redis
      on_store_failure: fail_closed
    - name: defaults
      key: [client_ip]
      limit: 5
      window_ms: 1000
)");
  const RateLimitsConfig& r = c.rate_limits;
  CHECK(r.local_max_keys == 5000);
  CHECK(r.expected_instances == 4);
  CHECK(r.over_limit_cache_keys == 100);
  CHECK(r.response_headers);
  CHECK(r.redis.configured);
  CHECK(r.redis.host == "127.0.0.1");
  CHECK(r.redis.port == 6390);
  CHECK(r.redis.username == "rampart");
  CHECK(r.redis.password == "secret");
  CHECK(r.redis.database == 2);
  CHECK(r.redis.timeout_ms == 20);
  CHECK(r.redis.connect_timeout_ms == 100);
  CHECK(r.redis.max_pending == 64);
  CHECK(r.redis.breaker.failures == 3);
  CHECK(r.redis.breaker.open_ms == 250);
  REQUIRE(r.rules.size() == 2);
  const RateLimitRuleConfig& a = r.rules[0];
  CHECK(a.name == "per-key");
  CHECK(a.match.routes == std::vector<std::string>{"api"});
  CHECK(a.match.methods == std::vector<std::string>{"GET", "POST"});
  CHECK(a.match.path_prefix == "/v1/");
  REQUIRE(a.match.headers.size() == 2);
  CHECK(a.match.headers[0].name == "x-tenant");
  CHECK(a.match.headers[0].has_equals);
  CHECK(a.match.headers[0].equals == "acme");
  CHECK_FALSE(a.match.headers[1].has_equals);
  REQUIRE(a.match.query.size() == 1);
  CHECK(a.match.query[0].name == "debug");
  REQUIRE(a.key.size() == 7);
  CHECK(a.key[0].kind == RateLimitKeyPartKind::ClientIp);
  CHECK(a.key[1].kind == RateLimitKeyPartKind::IpPrefix);
  CHECK(a.key[1].ipv4_prefix == 16);
  CHECK(a.key[1].ipv6_prefix == 48);
  CHECK(a.key[2].ipv4_prefix == 24);
  CHECK(a.key[2].ipv6_prefix == 64);
  CHECK(a.key[3].kind == RateLimitKeyPartKind::Header);
  CHECK(a.key[3].name == "x-api-key");
  CHECK(a.key[4].kind == RateLimitKeyPartKind::Cookie);
  CHECK(a.key[5].kind == RateLimitKeyPartKind::Query);
  CHECK(a.key[6].kind == RateLimitKeyPartKind::Route);
  CHECK(a.limit == 100);
  CHECK(a.window_ms == 60000);
  CHECK(a.algorithm == RateLimitAlgorithm::Gcra);
  CHECK(a.burst == 10);
  CHECK(a.action == RateLimitAction::Log);
  CHECK(a.store == RateLimitStore::Redis);
  CHECK(a.on_store_failure == StoreFailurePolicy::FailClosed);
  const RateLimitRuleConfig& b = r.rules[1];
  CHECK(b.algorithm == RateLimitAlgorithm::SlidingWindow);
  CHECK(b.burst == 0);
  CHECK(b.action == RateLimitAction::Reject);
  CHECK(b.store == RateLimitStore::Local);
  CHECK(b.on_store_failure == StoreFailurePolicy::FailOpen);
}

TEST_CASE("config loader: a Redis primary with replicas", "[config][rate_limits]") {
  SECTION("replicas are read in order") {
    const Config c = loadOk(R"(rate_limits:
  redis:
    address: 127.0.0.1:6390
    replicas: ["127.0.0.1:6391", "[::1]:6392"]
)");
    const RedisConfig& r = c.rate_limits.redis;
    REQUIRE(r.replicas.size() == 2);
    CHECK(r.replicas[0].address == "127.0.0.1:6391");
    CHECK(r.replicas[0].host == "127.0.0.1");
    CHECK(r.replicas[0].port == 6391);
    CHECK(r.replicas[1].host == "::1");
    CHECK(r.replicas[1].port == 6392);
  }
  SECTION("not with a cluster, not the primary again, not twice, not empty") {
    CHECK_THAT(errorOf("rate_limits:\n  redis:\n    cluster_nodes: [\"127.0.0.1:7000\"]\n"
                       "    replicas: [\"127.0.0.1:7001\"]\n"),
               StartsWith("test.yaml:13:15: rate_limits.redis.replicas: replicas belong to one "
                          "primary 'address'"));
    CHECK_THAT(errorOf("rate_limits:\n  redis:\n    address: 127.0.0.1:7000\n"
                       "    replicas: [\"127.0.0.1:7000\"]\n"),
               Contains("rate_limits.redis.replicas[0]: the primary 'address' again"));
    CHECK_THAT(errorOf("rate_limits:\n  redis:\n    address: 127.0.0.1:7000\n"
                       "    replicas: [\"127.0.0.1:7001\", \"127.0.0.1:7001\"]\n"),
               Contains("rate_limits.redis.replicas[1]: listed twice"));
    CHECK_THAT(errorOf("rate_limits:\n  redis:\n    address: 127.0.0.1:7000\n    replicas: []\n"),
               Contains("needs a list of 1 to 8 host:port addresses"));
  }
}

TEST_CASE("config loader: rate_limits errors point at their line", "[config][rate_limits]") {
  SECTION("unknown key in a rule, with a hint") {
    const std::string detail = errorOf(R"(rate_limits:
  rules:
    - name: r
      key: [client_ip]
      limit: 1
      windw_ms: 1000
)");
    CHECK_THAT(detail, StartsWith("test.yaml:15:7: unknown key 'windw_ms' in rate_limits.rules[0]"));
    CHECK_THAT(detail, Contains("did you mean 'window_ms'"));
  }
  SECTION("JA3 is no key part (it changes per connection for Chrome; key on ja4)") {
    const std::string detail = errorOf(
        "rate_limits:\n  rules:\n    - name: r\n      key: [ja3]\n      limit: 1\n"
        "      window_ms: 1000\n");
    CHECK_THAT(detail, StartsWith("test.yaml:13:13: rate_limits.rules[0].key[0]: unknown key "
                                  "part 'ja3'"));
  }
  SECTION("an unknown route") {
    const std::string detail = errorOf(R"(rate_limits:
  rules:
    - name: r
      match: {routes: [nope]}
      key: [client_ip]
      limit: 1
      window_ms: 1000
)");
    CHECK_THAT(detail, StartsWith("test.yaml:13:24: rate_limits.rules[0].match.routes[0]: "
                                  "unknown route 'nope'"));
  }
  SECTION("store redis without a redis section") {
    const std::string detail = errorOf(R"(rate_limits:
  rules:
    - name: r
      key: [client_ip]
      limit: 1
      window_ms: 1000
      store: redis
)");
    CHECK_THAT(detail, StartsWith("test.yaml:16:14: rate_limits.rules[0].store: 'redis' needs"));
  }
  SECTION("burst only with gcra") {
    const std::string detail = errorOf(R"(rate_limits:
  rules:
    - name: r
      key: [client_ip]
      limit: 1
      window_ms: 1000
      burst: 5
)");
    CHECK_THAT(detail, Contains("only the gcra algorithm has a burst"));
  }
  SECTION("quota leases: Redis rules only, ttl only with leases, both in range") {
    const std::string redis = "rate_limits:\n  redis:\n    address: 127.0.0.1:6379\n  rules:\n"
                              "    - name: r\n      key: [client_ip]\n      limit: 100\n"
                              "      window_ms: 1000\n";
    const Config c = loadOk(redis + "      store: redis\n      lease_max: 32\n"
                                    "      lease_ttl_ms: 250\n");
    CHECK(c.rate_limits.rules[0].lease_max == 32);
    CHECK(c.rate_limits.rules[0].lease_ttl_ms == 250);
    const Config defaults = loadOk(redis + "      store: redis\n");
    CHECK(defaults.rate_limits.rules[0].lease_max == 0);
    CHECK(defaults.rate_limits.rules[0].lease_ttl_ms == 100);
    CHECK_THAT(errorOf(redis + "      lease_max: 32\n"),
               Contains("rate_limits.rules[0].lease_max: leases reserve admissions in Redis"));
    CHECK_THAT(errorOf(redis + "      store: redis\n      lease_ttl_ms: 250\n"),
               Contains("rate_limits.rules[0].lease_ttl_ms: needs lease_max above 1"));
    CHECK_THAT(errorOf(redis + "      store: redis\n      lease_max: 10001\n"),
               Contains("lease_max: 10001 is out of range"));
    CHECK_THAT(errorOf(redis + "      store: redis\n      lease_max: 8\n      lease_ttl_ms: 0\n"),
               Contains("lease_ttl_ms: 0 is out of range"));
  }
  SECTION("limits and windows in range, names restricted") {
    CHECK_THAT(errorOf("rate_limits:\n  rules:\n    - name: r\n      key: [client_ip]\n"
                       "      limit: 0\n      window_ms: 1000\n"),
               Contains("limit: 0 is out of range"));
    CHECK_THAT(errorOf("rate_limits:\n  rules:\n    - name: r\n      key: [client_ip]\n"
                       "      limit: 1\n      window_ms: 86400001\n"),
               Contains("window_ms: 86400001 is out of range"));
    CHECK_THAT(errorOf("rate_limits:\n  rules:\n    - name: \"a b\"\n      key: [client_ip]\n"
                       "      limit: 1\n      window_ms: 1\n"),
               Contains("must be 1..64 of"));
    CHECK_THAT(errorOf("rate_limits:\n  rules:\n    - name: r\n      key: []\n"
                       "      limit: 1\n      window_ms: 1\n"),
               Contains("needs 1..8 parts"));
    CHECK_THAT(errorOf("rate_limits:\n  rules:\n    - name: r\n      key: [header]\n"
                       "      limit: 1\n      window_ms: 1\n"),
               Contains("key part 'header' needs a name"));
    CHECK_THAT(errorOf("rate_limits:\n  rules:\n    - name: r\n      key: [client_ip]\n"
                       "      limit: 1\n      window_ms: 1\n      action: block\n"),
               Contains("unknown value 'block'; expected one of: reject, log"));
  }
  SECTION("duplicate rule names") {
    CHECK_THAT(errorOf("rate_limits:\n  rules:\n    - {name: r, key: [route], limit: 1, window_ms: 1}\n"
                       "    - {name: r, key: [route], limit: 1, window_ms: 1}\n"),
               Contains("duplicate rule name 'r'"));
  }
  SECTION("redis: one server or a cluster, not both") {
    CHECK_THAT(errorOf("rate_limits:\n  redis:\n    address: 127.0.0.1:6379\n"
                       "    cluster_nodes: [127.0.0.1:7000]\n"),
               Contains("needs exactly one of 'address' (one server) or 'cluster_nodes'"));
    CHECK_THAT(errorOf("rate_limits:\n  redis:\n    timeout_ms: 5\n"),
               Contains("needs exactly one of"));
    CHECK_THAT(errorOf("rate_limits:\n  redis:\n    cluster_nodes: []\n"),
               Contains("needs at least one node"));
    CHECK_THAT(errorOf("rate_limits:\n  redis:\n    cluster_nodes: [127.0.0.1:7000]\n"
                       "    database: 1\n"),
               Contains("a Redis Cluster has only database 0"));
    const Config c = loadOk("rate_limits:\n  redis:\n    cluster_nodes: [127.0.0.1:7000, "
                            "\"[::1]:7001\"]\n");
    CHECK(c.rate_limits.redis.cluster_nodes ==
          std::vector<std::string>{"127.0.0.1:7000", "[::1]:7001"});
    CHECK(c.rate_limits.redis.address.empty());
  }
  SECTION("TLS to Redis: every key, and the errors") {
    const Config c = loadOk(
        "rate_limits:\n  redis:\n    address: 127.0.0.1:6379\n    tls:\n"
        "      ca_file: /etc/ssl/certs/ca-certificates.crt\n      server_name: redis.internal\n"
        "      verify: false\n");
    const RedisTlsConfig& tls = c.rate_limits.redis.tls;
    CHECK(tls.enabled);
    CHECK(tls.ca_file == "/etc/ssl/certs/ca-certificates.crt");
    CHECK(tls.server_name == "redis.internal");
    CHECK_FALSE(tls.verify);
    CHECK(tls.cert_file.empty());
    CHECK_FALSE(loadOk("rate_limits:\n  redis:\n    address: 127.0.0.1:6379\n")
                    .rate_limits.redis.tls.enabled);
    CHECK(loadOk("rate_limits:\n  redis:\n    address: 127.0.0.1:6379\n    tls: {}\n")
              .rate_limits.redis.tls.enabled);
    CHECK_THAT(errorOf("rate_limits:\n  redis:\n    address: 127.0.0.1:6379\n    tls:\n"
                       "      ca_file: /nonexistent/ca.pem\n"),
               StartsWith("test.yaml:14:16: rate_limits.redis.tls.ca_file: file "
                          "'/nonexistent/ca.pem' does not exist or is not readable"));
    CHECK_THAT(errorOf("rate_limits:\n  redis:\n    address: 127.0.0.1:6379\n    tls:\n"
                       "      cert_file: /etc/ssl/certs/ca-certificates.crt\n"),
               Contains("'cert_file' and 'key_file' go together"));
    CHECK_THAT(errorOf("rate_limits:\n  redis:\n    address: 127.0.0.1:6379\n    tls: true\n"),
               Contains("rate_limits.redis.tls"));
  }
}

TEST_CASE("config loader: country, asn and ja4 key parts", "[config][rate_limits]") {
  const Config c = loadOk(R"(rate_limits:
  rules:
    - name: geo
      key: [country, asn, ja4, client_ip]
      limit: 5
      window_ms: 1000
)");
  REQUIRE(c.rate_limits.rules.size() == 1);
  const auto& key = c.rate_limits.rules[0].key;
  REQUIRE(key.size() == 4);
  CHECK(key[0].kind == RateLimitKeyPartKind::Country);
  CHECK(key[1].kind == RateLimitKeyPartKind::Asn);
  CHECK(key[2].kind == RateLimitKeyPartKind::Ja4);
  CHECK(key[3].kind == RateLimitKeyPartKind::ClientIp);
}

TEST_CASE("config loader: rate_limits bot_score_below and the challenge action",
          "[config][rate_limits]") {
  const Config c = loadOk(R"(rate_limits:
  rules:
    - name: suspicious
      match: {bot_score_below: 30}
      key: [client_ip]
      limit: 10
      window_ms: 60000
      action: challenge
)");
  REQUIRE(c.rate_limits.rules.size() == 1);
  CHECK(c.rate_limits.rules[0].match.bot_score_below == 30);
  CHECK(c.rate_limits.rules[0].action == RateLimitAction::Challenge);
  CHECK_THAT(errorOf(R"(rate_limits:
  rules:
    - name: x
      match: {bot_score_below: 101}
      key: [client_ip]
      limit: 10
      window_ms: 60000
)"),
             Contains("bot_score_below"));
}

}  // namespace
}  // namespace rampart
