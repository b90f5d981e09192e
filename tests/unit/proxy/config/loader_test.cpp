#include "proxy/config/loader.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace rampart {
namespace {

// Raw strings below start with a newline so that line 1 of the YAML is the line after R"(.
std::string yamlText(std::string_view text) {
  if (!text.empty() && text.front() == '\n') text.remove_prefix(1);
  return std::string(text);
}

// A scratch directory for config and certificate files, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rampart-cfg-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `content` to `name` inside the directory and returns the full path.
  std::string write(const std::string& name, const std::string& content) const {
    const std::string file = (path_ / name).string();
    std::ofstream(file) << content;
    return file;
  }

 private:
  std::filesystem::path path_;
};

// The smallest valid configuration; most error tests are variations of it.
const char* const kMinimal = R"(
listeners:
  - name: main
    address: 127.0.0.1:8080
clusters:
  - name: backend
    endpoints: ["127.0.0.1:9000"]
routes:
  - name: all
    cluster: backend
)";

Config loadOk(std::string_view text) {
  Result<Config> result = loadConfigString(yamlText(text), "test.yaml");
  if (!result) FAIL("unexpected error: " << result.error().detail);
  return std::move(result.value());
}

// The detail of the expected error, after checking the fields every config error shares.
std::string errorOf(std::string_view text) {
  Result<Config> result = loadConfigString(yamlText(text), "test.yaml");
  REQUIRE_FALSE(result);
  CHECK(result.error().source == ErrorSource::Config);
  CHECK(result.error().status == 0);
  CHECK(result.error().reason == "config_invalid");
  CHECK(result.error().detail.rfind("test.yaml:", 0) == 0);
  return result.error().detail;
}

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("config loader: a full config round-trips every field", "[config]") {
  TempDir dir;
  const std::string cert = dir.write("server.crt", "");
  const std::string key = dir.write("server.key", "");
  const std::string cert2 = dir.write("api.crt", "");
  const std::string key2 = dir.write("api.key", "");
  const std::string config_path = dir.write("rampart.yaml", yamlText(R"(
workers: 4
listeners:
  - name: public
    address: 0.0.0.0:8443
    protocols: [http1, h2]
    tls:
      certificates:
        - cert: )" + cert + R"(
          key: )" + key + R"(
        - cert: )" + cert2 + R"(
          key: )" + key2 + R"(
          server_names: [API.example.com, "*.internal.example.com"]
      min_version: "1.3"
      ciphers: ECDHE-RSA-AES128-GCM-SHA256
      ciphersuites: TLS_AES_128_GCM_SHA256
  - name: plain
    address: "[::1]:8080"
    protocols: [h2c]
admin:
  address: 127.0.0.1:9902
limits:
  max_request_line_bytes: 4096
  max_header_bytes: 16384
  max_header_count: 50
  max_connections: 2000
  max_concurrent_streams: 64
  max_requests_per_connection: 500
  header_timeout_ms: 5000
  body_idle_timeout_ms: 15000
  keepalive_idle_timeout_ms: 30000
  drain_timeout_ms: 0
  h2_max_resets_per_second: 50
  h2_max_control_frames_per_second: 150
  h2_max_continuation_frames: 8
decision_log:
  path: /var/log/rampart/decisions.log
  queue_lines: 1024
forwarding:
  trust_incoming_forwarded: true
  trust_incoming_request_id: true
clusters:
  - name: app
    type: static
    endpoints: ["127.0.0.1:9000", "[::1]:9001", "localhost:9002"]
    connect_timeout_ms: 1000
    response_timeout_ms: 20000
    idle_timeout_ms: 45000
    max_idle_connections: 8
    health:
      failure_threshold: 3
      eject_ms: 10000
  - name: mirror
    type: echo
routes:
  - name: api
    hosts: [API.Example.com, "*.example.org"]
    path_prefix: /api/
    cluster: app
    max_body_bytes: 1048576
  - name: fallback
    hosts: ["*"]
    cluster: mirror
    max_body_bytes: 0
)"));

  Result<Config> result = loadConfigFile(config_path);
  if (!result) FAIL(result.error().detail);
  const Config& config = result.value();

  CHECK(config.source_file == config_path);
  CHECK(config.workers == 4);

  REQUIRE(config.listeners.size() == 2);
  const ListenerConfig& tls_listener = config.listeners[0];
  CHECK(tls_listener.name == "public");
  CHECK(tls_listener.address == "0.0.0.0:8443");
  CHECK(tls_listener.host == "0.0.0.0");
  CHECK(tls_listener.port == 8443);
  CHECK(tls_listener.protocols ==
        std::vector<ListenerProtocol>{ListenerProtocol::Http1, ListenerProtocol::H2});
  CHECK(tls_listener.has_tls);
  REQUIRE(tls_listener.tls.certificates.size() == 2);
  CHECK(tls_listener.tls.certificates[0].cert_file == cert);
  CHECK(tls_listener.tls.certificates[0].key_file == key);
  CHECK(tls_listener.tls.certificates[0].server_names.empty());
  CHECK(tls_listener.tls.certificates[1].cert_file == cert2);
  CHECK(tls_listener.tls.certificates[1].key_file == key2);
  CHECK(tls_listener.tls.certificates[1].server_names ==
        std::vector<std::string>{"api.example.com", "*.internal.example.com"});
  CHECK(tls_listener.tls.min_version == "1.3");
  CHECK(tls_listener.tls.ciphers == "ECDHE-RSA-AES128-GCM-SHA256");
  CHECK(tls_listener.tls.ciphersuites == "TLS_AES_128_GCM_SHA256");

  const ListenerConfig& plain = config.listeners[1];
  CHECK(plain.name == "plain");
  CHECK(plain.address == "[::1]:8080");
  CHECK(plain.host == "::1");
  CHECK(plain.port == 8080);
  CHECK(plain.protocols == std::vector<ListenerProtocol>{ListenerProtocol::H2c});
  CHECK_FALSE(plain.has_tls);

  CHECK(config.admin.address == "127.0.0.1:9902");
  CHECK(config.admin.host == "127.0.0.1");
  CHECK(config.admin.port == 9902);

  CHECK(config.limits.max_request_line_bytes == 4096);
  CHECK(config.limits.max_header_bytes == 16384);
  CHECK(config.limits.max_header_count == 50);
  CHECK(config.limits.max_connections == 2000);
  CHECK(config.limits.max_concurrent_streams == 64);
  CHECK(config.limits.max_requests_per_connection == 500);
  CHECK(config.limits.header_timeout_ms == 5000);
  CHECK(config.limits.body_idle_timeout_ms == 15000);
  CHECK(config.limits.keepalive_idle_timeout_ms == 30000);
  CHECK(config.limits.drain_timeout_ms == 0);
  CHECK(config.limits.h2_max_resets_per_second == 50);
  CHECK(config.limits.h2_max_control_frames_per_second == 150);
  CHECK(config.limits.h2_max_continuation_frames == 8);

  CHECK(config.decision_log.path == "/var/log/rampart/decisions.log");
  CHECK(config.decision_log.queue_lines == 1024);
  CHECK(config.forwarding.trust_incoming_forwarded);
  CHECK(config.forwarding.trust_incoming_request_id);

  REQUIRE(config.clusters.size() == 2);
  const ClusterConfig& app = config.clusters[0];
  CHECK(app.name == "app");
  CHECK(app.type == ClusterType::Static);
  CHECK(app.endpoints ==
        std::vector<std::string>{"127.0.0.1:9000", "[::1]:9001", "localhost:9002"});
  CHECK(app.connect_timeout_ms == 1000);
  CHECK(app.response_timeout_ms == 20000);
  CHECK(app.idle_timeout_ms == 45000);
  CHECK(app.max_idle_connections == 8);
  CHECK(app.health.failure_threshold == 3);
  CHECK(app.health.eject_ms == 10000);
  CHECK(config.clusters[1].name == "mirror");
  CHECK(config.clusters[1].type == ClusterType::Echo);
  CHECK(config.clusters[1].endpoints.empty());

  REQUIRE(config.routes.size() == 2);
  CHECK(config.routes[0].name == "api");
  CHECK(config.routes[0].hosts == std::vector<std::string>{"api.example.com", "*.example.org"});
  CHECK(config.routes[0].path_prefix == "/api/");
  CHECK(config.routes[0].cluster == "app");
  CHECK(config.routes[0].max_body_bytes == 1048576);
  CHECK(config.routes[1].name == "fallback");
  CHECK(config.routes[1].hosts == std::vector<std::string>{"*"});
  CHECK(config.routes[1].cluster == "mirror");
  CHECK(config.routes[1].max_body_bytes == 0);
}

TEST_CASE("config loader: omitted keys take the defaults of config.h", "[config]") {
  const Config config = loadOk(kMinimal);
  const Config defaults;
  CHECK(config.source_file == "test.yaml");
  CHECK(config.workers == defaults.workers);

  REQUIRE(config.listeners.size() == 1);
  CHECK(config.listeners[0].host == "127.0.0.1");
  CHECK(config.listeners[0].port == 8080);
  CHECK_FALSE(config.listeners[0].has_tls);
  CHECK(config.listeners[0].protocols ==
        std::vector<ListenerProtocol>{ListenerProtocol::Http1, ListenerProtocol::H2c});

  CHECK(config.admin.address == defaults.admin.address);
  CHECK(config.admin.host == defaults.admin.host);
  CHECK(config.admin.port == defaults.admin.port);

  const LimitsConfig& limits = config.limits;
  CHECK(limits.max_request_line_bytes == defaults.limits.max_request_line_bytes);
  CHECK(limits.max_header_bytes == defaults.limits.max_header_bytes);
  CHECK(limits.max_header_count == defaults.limits.max_header_count);
  CHECK(limits.max_connections == defaults.limits.max_connections);
  CHECK(limits.max_concurrent_streams == defaults.limits.max_concurrent_streams);
  CHECK(limits.max_requests_per_connection == defaults.limits.max_requests_per_connection);
  CHECK(limits.header_timeout_ms == defaults.limits.header_timeout_ms);
  CHECK(limits.body_idle_timeout_ms == defaults.limits.body_idle_timeout_ms);
  CHECK(limits.keepalive_idle_timeout_ms == defaults.limits.keepalive_idle_timeout_ms);
  CHECK(limits.drain_timeout_ms == defaults.limits.drain_timeout_ms);
  CHECK(limits.h2_max_resets_per_second == defaults.limits.h2_max_resets_per_second);
  CHECK(limits.h2_max_control_frames_per_second ==
        defaults.limits.h2_max_control_frames_per_second);
  CHECK(limits.h2_max_continuation_frames == defaults.limits.h2_max_continuation_frames);

  CHECK(config.decision_log.path == "stdout");
  CHECK(config.decision_log.queue_lines == defaults.decision_log.queue_lines);
  CHECK_FALSE(config.forwarding.trust_incoming_forwarded);
  CHECK_FALSE(config.forwarding.trust_incoming_request_id);

  REQUIRE(config.clusters.size() == 1);
  const ClusterConfig cluster_defaults;
  CHECK(config.clusters[0].type == ClusterType::Static);
  CHECK(config.clusters[0].connect_timeout_ms == cluster_defaults.connect_timeout_ms);
  CHECK(config.clusters[0].response_timeout_ms == cluster_defaults.response_timeout_ms);
  CHECK(config.clusters[0].idle_timeout_ms == cluster_defaults.idle_timeout_ms);
  CHECK(config.clusters[0].max_idle_connections == cluster_defaults.max_idle_connections);
  CHECK(config.clusters[0].health.failure_threshold == cluster_defaults.health.failure_threshold);
  CHECK(config.clusters[0].health.eject_ms == cluster_defaults.health.eject_ms);

  REQUIRE(config.routes.size() == 1);
  const RouteConfig route_defaults;
  CHECK(config.routes[0].hosts == std::vector<std::string>{"*"});
  CHECK(config.routes[0].path_prefix == "/");
  CHECK(config.routes[0].max_body_bytes == route_defaults.max_body_bytes);
}

TEST_CASE("config loader: a TLS listener defaults to h2 then http1 and TLS 1.2", "[config]") {
  TempDir dir;
  const std::string cert = dir.write("c.pem", "");
  const std::string key = dir.write("k.pem", "");
  const Config config = loadOk(R"(
listeners:
  - name: tls
    address: 127.0.0.1:0
    tls:
      certificates: [{cert: )" +
                               cert + ", key: " + key + R"(}]
clusters: [{name: echo, type: echo}]
routes: [{name: all, cluster: echo}]
)");
  REQUIRE(config.listeners.size() == 1);
  CHECK(config.listeners[0].has_tls);
  CHECK(config.listeners[0].port == 0);
  CHECK(config.listeners[0].protocols ==
        std::vector<ListenerProtocol>{ListenerProtocol::H2, ListenerProtocol::Http1});
  CHECK(config.listeners[0].tls.min_version == "1.2");
  CHECK(config.listeners[0].tls.ciphers.empty());
}

TEST_CASE("config loader: unknown keys are errors at their line", "[config]") {
  SECTION("at top level, with the expected keys and a hint") {
    const std::string detail = errorOf(R"(
listeners:
  - name: main
    address: 127.0.0.1:8080
clusters:
  - name: backend
    endpoints: ["127.0.0.1:9000"]
lisenters: []
routes:
  - name: all
    cluster: backend
)");
    CHECK_THAT(detail, StartsWith("test.yaml:7:1: unknown key 'lisenters' at top level; "
                                  "expected one of: workers, listeners,"));
    CHECK_THAT(detail, Contains("did you mean 'listeners'"));
  }
  SECTION("inside a listener") {
    const std::string detail = errorOf(R"(
listeners:
  - name: main
    adress: 127.0.0.1:8080
)");
    CHECK_THAT(detail, Contains(":3:5: unknown key 'adress' in listeners[0]"));
  }
  SECTION("inside limits") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "limits:\n  max_headers: 5\n"),
               Contains(":11:3: unknown key 'max_headers' in limits"));
  }
  SECTION("inside a cluster's health block") {
    const std::string detail = errorOf(R"(
listeners: [{name: main, address: "127.0.0.1:8080"}]
clusters:
  - name: backend
    endpoints: ["127.0.0.1:9000"]
    health:
      eject_after_ms: 5
routes: [{name: all, cluster: backend}]
)");
    CHECK_THAT(detail, Contains(":6:7: unknown key 'eject_after_ms' in clusters[0].health"));
  }
}

TEST_CASE("config loader: duplicate keys are errors", "[config]") {
  CHECK_THAT(errorOf(std::string(kMinimal) + "workers: 2\nworkers: 3\n"),
             Contains(":11:1: duplicate key 'workers'"));
}

TEST_CASE("config loader: missing required keys point at the map", "[config]") {
  SECTION("no listeners key: the top-level map") {
    CHECK_THAT(errorOf(R"(
clusters: [{name: echo, type: echo}]
routes: [{name: all, cluster: echo}]
)"),
               Contains(":1:1: missing required key 'listeners'"));
  }
  SECTION("a listener without an address") {
    CHECK_THAT(errorOf(R"(
workers: 1
listeners:
  - name: main
)"),
               Contains(":3:5: missing required key 'listeners[0].address'"));
  }
  SECTION("a route without a cluster") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "  - name: other\n    path_prefix: /x\n"),
               Contains(":10:5: missing required key 'routes[1].cluster'"));
  }
}

TEST_CASE("config loader: wrong types and ranges name the key and its line", "[config]") {
  SECTION("a string where an integer is expected") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "workers: many\n"),
               Contains(":10:10: workers: expected an integer in 0..1024, got 'many'"));
  }
  SECTION("a quoted number is a string") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "workers: \"4\"\n"),
               Contains(":10:10: workers: expected an integer"));
  }
  SECTION("a negative number for an unsigned key") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "workers: -1\n"),
               Contains(":10:10: workers: must not be negative"));
  }
  SECTION("a fraction") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "limits:\n  max_header_bytes: 1.5\n"),
               Contains(":11:21: limits.max_header_bytes: expected an integer"));
  }
  SECTION("a number too large for any integer") {
    CHECK_THAT(
        errorOf(std::string(kMinimal) + "limits:\n  max_connections: 99999999999999999999999\n"),
        Contains(":11:20: limits.max_connections: 99999999999999999999999 is out of range"));
  }
  SECTION("a limit of 0 where 0 makes no sense") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "limits:\n  max_header_bytes: 0\n"),
               Contains(":11:21: limits.max_header_bytes: 0 is out of range (1..16777216)"));
  }
  SECTION("max_header_count above 10000") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "limits:\n  max_header_count: 10001\n"),
               Contains(":11:21: limits.max_header_count: 10001 is out of range (1..10000)"));
  }
  SECTION("a timeout above one hour") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "limits:\n  header_timeout_ms: 3600001\n"),
               Contains(":11:22: limits.header_timeout_ms: 3600001 is out of range"));
  }
  SECTION("a cluster timeout above one hour") {
    CHECK_THAT(errorOf(R"(
listeners: [{name: main, address: "127.0.0.1:8080"}]
clusters:
  - name: backend
    endpoints: ["127.0.0.1:9000"]
    connect_timeout_ms: 7200000
routes: [{name: all, cluster: backend}]
)"),
               Contains(":5:25: clusters[0].connect_timeout_ms: 7200000 is out of range"));
  }
  SECTION("a boolean that is not true or false") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "forwarding:\n  trust_incoming_forwarded: maybe\n"),
               Contains(":11:29: forwarding.trust_incoming_forwarded: expected true or false"));
  }
  SECTION("a list where a map is expected") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "limits: [1, 2]\n"),
               Contains(":10:9: expected a map in limits, got a list"));
  }
  SECTION("a map where a list is expected") {
    CHECK_THAT(errorOf(R"(
listeners:
  name: main
)"),
               Contains(":2:3: listeners: expected a list, got a map"));
  }
  SECTION("a list where a string is expected") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "decision_log:\n  path: [a]\n"),
               Contains(":11:9: decision_log.path: expected a string, got a list"));
  }
  SECTION("the top level is not a map") {
    CHECK_THAT(errorOf("- listeners\n"), Contains(":1:1: expected a map at top level"));
  }
  SECTION("an empty document") { CHECK_THAT(errorOf(""), Contains("the configuration is empty")); }
  SECTION("two documents") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "---\nworkers: 1\n"),
               Contains(":10:1: unexpected second YAML document"));
  }
}

TEST_CASE("config loader: addresses", "[config]") {
  auto listenerAt = [](const std::string& address) {
    return "listeners:\n  - name: main\n    address: \"" + address + "\"\n" +
           "clusters: [{name: echo, type: echo}]\nroutes: [{name: all, cluster: echo}]\n";
  };
  SECTION("accepted forms store host and port") {
    const Config v6 = loadOk(listenerAt("[2001:db8::1]:443"));
    CHECK(v6.listeners[0].host == "2001:db8::1");
    CHECK(v6.listeners[0].port == 443);
    const Config local = loadOk(listenerAt("localhost:65535"));
    CHECK(local.listeners[0].host == "localhost");
    CHECK(local.listeners[0].port == 65535);
  }
  SECTION("port above 65535") {
    CHECK_THAT(errorOf(listenerAt("127.0.0.1:65536")),
               Contains(":3:14: listeners[0].address: invalid address '127.0.0.1:65536': port "
                        "65536 is out of range (0..65535)"));
  }
  SECTION("a host name that would need DNS") {
    CHECK_THAT(errorOf(listenerAt("example.com:80")),
               Contains(":3:14: listeners[0].address: invalid address 'example.com:80': host "
                        "'example.com' must be an IPv4 address, [IPv6] or localhost"));
  }
  SECTION("IPv6 without brackets") {
    CHECK_THAT(errorOf(listenerAt("::1:8080")), Contains("needs brackets"));
  }
  SECTION("IPv4 inside brackets") {
    CHECK_THAT(errorOf(listenerAt("[127.0.0.1]:80")), Contains("is not an IPv6 address"));
  }
  SECTION("no port") {
    CHECK_THAT(errorOf(listenerAt("127.0.0.1")), Contains("listeners[0].address: invalid"));
    CHECK_THAT(errorOf(listenerAt("127.0.0.1:")), Contains("port '' is not a number"));
  }
  SECTION("an admin address clashing with a listener") {
    CHECK_THAT(errorOf(std::string(kMinimal) + "admin:\n  address: 127.0.0.1:8080\n"),
               Contains(":11:12: admin.address: '127.0.0.1:8080' is already used by listener "
                        "'main'"));
  }
  SECTION("an endpoint on port 0") {
    CHECK_THAT(errorOf(R"(
listeners: [{name: main, address: "127.0.0.1:8080"}]
clusters:
  - name: backend
    endpoints:
      - 127.0.0.1:0
routes: [{name: all, cluster: backend}]
)"),
               Contains(":5:9: clusters[0].endpoints[0]: invalid address '127.0.0.1:0': port "
                        "must be 1..65535"));
  }
}

TEST_CASE("config loader: listeners", "[config]") {
  const std::string tail =
      "clusters: [{name: echo, type: echo}]\nroutes: [{name: all, cluster: echo}]\n";
  SECTION("names are unique") {
    CHECK_THAT(errorOf(R"(
listeners:
  - name: main
    address: 127.0.0.1:8080
  - name: main
    address: 127.0.0.1:8081
)" + tail),
               Contains(":4:11: listeners[1].name: duplicate listener name 'main'"));
  }
  SECTION("names are not empty") {
    CHECK_THAT(errorOf("listeners:\n  - name: \"\"\n    address: 127.0.0.1:1\n" + tail),
               Contains(":2:11: listeners[0].name: must not be empty"));
  }
  SECTION("addresses are unique") {
    CHECK_THAT(errorOf(R"(
listeners:
  - name: a
    address: 127.0.0.1:8080
  - name: b
    address: 127.0.0.1:8080
)" + tail),
               Contains(":5:14: listeners[1].address: '127.0.0.1:8080' is already used by "
                        "listener 'a'"));
  }
  SECTION("port 0 never clashes") {
    const Config config = loadOk(R"(
listeners:
  - name: a
    address: 127.0.0.1:0
  - name: b
    address: 127.0.0.1:0
)" + tail);
    CHECK(config.listeners.size() == 2);
  }
  SECTION("h2 needs tls") {
    CHECK_THAT(errorOf(R"(
listeners:
  - name: main
    address: 127.0.0.1:8080
    protocols: [http1, h2]
)" + tail),
               Contains(":4:24: listeners[0].protocols[1]: 'h2' needs tls"));
  }
  SECTION("unknown protocol") {
    CHECK_THAT(
        errorOf("listeners:\n  - name: a\n    address: 127.0.0.1:1\n    protocols: [h3]\n" + tail),
        Contains(":4:17: listeners[0].protocols[0]: unknown protocol 'h3'"));
  }
  SECTION("an empty protocol list") {
    CHECK_THAT(
        errorOf("listeners:\n  - name: a\n    address: 127.0.0.1:1\n    protocols: []\n" + tail),
        Contains(":4:16: listeners[0].protocols: needs at least one protocol"));
  }
  SECTION("at least one listener") {
    CHECK_THAT(errorOf("listeners: []\n" + tail),
               Contains(":1:12: listeners: needs at least one listener"));
  }
}

TEST_CASE("config loader: TLS listeners", "[config]") {
  TempDir dir;
  const std::string cert = dir.write("c.pem", "");
  const std::string key = dir.write("k.pem", "");
  const std::string tail =
      "clusters: [{name: echo, type: echo}]\nroutes: [{name: all, cluster: echo}]\n";
  auto tlsListener = [&](const std::string& certificate_lines, const std::string& extra) {
    return "listeners:\n  - name: tls\n    address: 127.0.0.1:8443\n" + extra +
           "    tls:\n      certificates:\n" + certificate_lines + tail;
  };
  const std::string good_certificate = "        - cert: " + cert + "\n          key: " + key + "\n";

  SECTION("h2c is refused with tls") {
    CHECK_THAT(errorOf(tlsListener(good_certificate, "    protocols: [h2c]\n")),
               Contains(":4:17: listeners[0].protocols[0]: 'h2c' is cleartext HTTP/2"));
  }
  SECTION("a missing certificate file is named") {
    const std::string missing = cert + ".missing";
    CHECK_THAT(
        errorOf(tlsListener("        - cert: " + missing + "\n          key: " + key + "\n", "")),
        Contains(":6:17: listeners[0].tls.certificates[0].cert: file '" + missing +
                 "' does not exist"));
  }
  SECTION("a missing key file is named") {
    CHECK_THAT(
        errorOf(tlsListener("        - cert: " + cert + "\n          key: /nonexistent/k\n", "")),
        Contains(":7:16: listeners[0].tls.certificates[0].key: file '/nonexistent/k' does "
                 "not exist"));
  }
  SECTION("a directory is not a certificate") {
    const std::string directory = std::filesystem::path(cert).parent_path().string();
    CHECK_THAT(
        errorOf(tlsListener("        - cert: " + directory + "\n          key: " + key + "\n", "")),
        Contains("is not a regular file"));
  }
  SECTION("an unreadable key is refused") {
    if (geteuid() == 0) return;  // root reads anything; nothing to check
    const std::string unreadable = dir.write("secret.pem", "");
    std::filesystem::permissions(unreadable, std::filesystem::perms::none);
    CHECK_THAT(errorOf(tlsListener(
                   "        - cert: " + cert + "\n          key: " + unreadable + "\n", "")),
               Contains("listeners[0].tls.certificates[0].key: file '" + unreadable +
                        "' is not readable"));
  }
  SECTION("at least one certificate") {
    CHECK_THAT(errorOf("listeners:\n  - name: tls\n    address: 127.0.0.1:8443\n    tls:\n"
                       "      certificates: []\n" +
                       tail),
               Contains(":5:21: listeners[0].tls.certificates: needs at least one entry"));
  }
  SECTION("certificates are required") {
    CHECK_THAT(errorOf("listeners:\n  - name: tls\n    address: 127.0.0.1:8443\n    tls:\n"
                       "      min_version: \"1.2\"\n" +
                       tail),
               Contains(":5:7: missing required key 'listeners[0].tls.certificates'"));
  }
  SECTION("min_version is 1.2 or 1.3") {
    CHECK_THAT(errorOf("listeners:\n  - name: tls\n    address: 127.0.0.1:8443\n    tls:\n"
                       "      min_version: \"1.1\"\n      certificates:\n" +
                       good_certificate + tail),
               Contains(":5:20: listeners[0].tls.min_version: expected \"1.2\" or \"1.3\""));
  }
  SECTION("server_names allow only a leading '*.'") {
    CHECK_THAT(errorOf(tlsListener(good_certificate + "          server_names: [\"*\"]\n", "")),
               Contains(":8:26: listeners[0].tls.certificates[0].server_names[0]: '*' is not "
                        "allowed"));
  }
}

TEST_CASE("config loader: clusters", "[config]") {
  const std::string head = "listeners: [{name: main, address: \"127.0.0.1:8080\"}]\n";
  const std::string tail = "routes: [{name: all, cluster: a}]\n";
  SECTION("names are unique") {
    CHECK_THAT(errorOf(head +
                       "clusters:\n  - name: a\n    type: echo\n  - name: a\n    type: "
                       "echo\n" +
                       tail),
               Contains(":5:11: clusters[1].name: duplicate cluster name 'a'"));
  }
  SECTION("a static cluster needs endpoints") {
    CHECK_THAT(errorOf(head + "clusters:\n  - name: a\n    type: static\n" + tail),
               Contains(":3:5: missing required key 'clusters[0].endpoints'"));
    CHECK_THAT(errorOf(head + "clusters:\n  - name: a\n    endpoints: []\n" + tail),
               Contains(":4:16: clusters[0].endpoints: a static cluster needs at least one "
                        "endpoint"));
  }
  SECTION("an echo cluster has no endpoints") {
    CHECK_THAT(errorOf(head +
                       "clusters:\n  - name: a\n    type: echo\n    endpoints: "
                       "[\"127.0.0.1:1\"]\n" +
                       tail),
               Contains(":5:16: clusters[0].endpoints: an echo cluster answers itself and must "
                        "not have endpoints"));
  }
  SECTION("unknown type") {
    CHECK_THAT(errorOf(head + "clusters:\n  - name: a\n    type: dns\n" + tail),
               Contains(":4:11: clusters[0].type: unknown cluster type 'dns'"));
  }
  SECTION("an endpoint listed twice") {
    CHECK_THAT(errorOf(head +
                       "clusters:\n  - name: a\n    endpoints: [\"127.0.0.1:1\", "
                       "\"127.0.0.1:1\"]\n" +
                       tail),
               Contains(":4:32: clusters[0].endpoints[1]: endpoint '127.0.0.1:1' is listed twice"));
  }
}

TEST_CASE("config loader: routes", "[config]") {
  const std::string head =
      "listeners: [{name: main, address: \"127.0.0.1:8080\"}]\n"
      "clusters: [{name: backend, type: echo}]\n"
      "routes:\n";
  SECTION("a route refers to an existing cluster") {
    CHECK_THAT(errorOf(head + "  - name: x\n    cluster: y\n"),
               Contains(":5:14: routes[0].cluster: route 'x' refers to unknown cluster 'y'"));
  }
  SECTION("clusters may come after routes in the file") {
    const Config config = loadOk(
        "routes: [{name: all, cluster: late}]\n"
        "listeners: [{name: main, address: \"127.0.0.1:8080\"}]\n"
        "clusters: [{name: late, type: echo}]\n");
    CHECK(config.routes[0].cluster == "late");
  }
  SECTION("names are unique") {
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\n  - name: r\n    cluster: "
                              "backend\n"),
               Contains(":6:11: routes[1].name: duplicate route name 'r'"));
  }
  SECTION("path_prefix starts with '/'") {
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\n    path_prefix: api/\n"),
               Contains(":6:18: routes[0].path_prefix: must start with '/', got 'api/'"));
  }
  SECTION("hosts are lower-cased; '*' only alone or as a leading '*.'") {
    const Config config = loadOk(
        head + "  - name: r\n    cluster: backend\n    hosts: [WWW.Example.COM, \"*.A.b\"]\n");
    CHECK(config.routes[0].hosts == std::vector<std::string>{"www.example.com", "*.a.b"});
    CHECK_THAT(
        errorOf(head + "  - name: r\n    cluster: backend\n    hosts: [ok.com, \"api.*.com\"]\n"),
        Contains(":6:21: routes[0].hosts[1]: invalid host pattern 'api.*.com': '*' is only "
                 "allowed as a leading '*.'"));
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\n    hosts: [\"*.\"]\n"),
               Contains("routes[0].hosts[0]: invalid host pattern '*.'"));
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\n    hosts: [\"a b\"]\n"),
               Contains("routes[0].hosts[0]: invalid host pattern 'a b'"));
  }
  SECTION("at least one route") {
    CHECK_THAT(errorOf(head.substr(0, head.size() - 1) + " []\n"),
               Contains(":3:9: routes: needs at least one route"));
  }
  SECTION("max_body_bytes is unsigned") {
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\n    max_body_bytes: -5\n"),
               Contains(":6:21: routes[0].max_body_bytes: must not be negative"));
  }
}

TEST_CASE("config loader: waf", "[config][waf]") {
  const std::string head =
      "listeners: [{name: main, address: \"127.0.0.1:8080\"}]\n"
      "clusters: [{name: backend, type: echo}]\n"
      "routes:\n";
  SECTION("defaults: off, PL1, 5/4, 403, no response body") {
    const Config config = loadOk(head + "  - name: r\n    cluster: backend\n");
    const RouteWafConfig& waf = config.routes[0].waf;
    CHECK(waf.mode == WafMode::Off);
    CHECK(waf.paranoia_level == 1);
    CHECK(waf.inbound_anomaly_threshold == 5);
    CHECK(waf.outbound_anomaly_threshold == 4);
    CHECK(waf.block_status == 403);
    CHECK_FALSE(waf.inspect_response_body);
    CHECK(config.waf.crs_path == "/usr/share/modsecurity-crs");
    CHECK(config.waf.crs_setup == std::string(RAMPART_RULES_DIR) + "/crs-setup.conf");
    CHECK(std::filesystem::exists(config.waf.crs_setup));
    CHECK(config.waf.engine_compat ==
          std::string(RAMPART_RULES_DIR) + "/libmodsecurity-compat.conf");
    CHECK(std::filesystem::exists(config.waf.engine_compat));
    CHECK(config.waf.response_body_mime_types ==
          std::vector<std::string>{"application/json", "text/html", "text/plain"});
  }
  SECTION("every route key") {
    TempDir dir;
    const std::string site = dir.write("site.conf", "SecRule ARGS \"@rx x\" \"id:1,phase:2,pass\"\n");
    const Config config = loadOk(head + "  - name: r\n    cluster: backend\n    waf:\n"
                                        "      mode: block\n      paranoia_level: 3\n"
                                        "      inbound_anomaly_threshold: 10\n"
                                        "      outbound_anomaly_threshold: 8\n"
                                        "      block_status: 406\n"
                                        "      inspect_response_body: true\n"
                                        "      rule_files: [\"" + site + "\"]\n");
    const RouteWafConfig& waf = config.routes[0].waf;
    CHECK(waf.mode == WafMode::Block);
    CHECK(waf.paranoia_level == 3);
    CHECK(waf.inbound_anomaly_threshold == 10);
    CHECK(waf.outbound_anomaly_threshold == 8);
    CHECK(waf.block_status == 406);
    CHECK(waf.inspect_response_body);
    CHECK(waf.rule_files == std::vector<std::string>{site});
  }
  SECTION("mode, paranoia level and status are checked at their line") {
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\n    waf: {mode: on}\n"),
               Contains(":6:17: routes[0].waf.mode: unknown value 'on'; expected one of: "
                        "off, detect, block"));
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\n    waf: {paranoia_level: 5}\n"),
               Contains(":6:27: routes[0].waf.paranoia_level: 5 is out of range (1..4)"));
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\n    waf: {block_status: 200}\n"),
               Contains("routes[0].waf.block_status: 200 is out of range (400..599)"));
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\n    waf: {mdoe: block}\n"),
               Contains("unknown key 'mdoe' in routes[0].waf"));
  }
  SECTION("rule files and CRS paths must exist") {
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\n    waf:\n"
                              "      rule_files: [/nonexistent/site.conf]\n"),
               Contains(":7:20: routes[0].waf.rule_files[0]: file '/nonexistent/site.conf' does "
                        "not exist"));
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\nwaf: {crs_path: /nonexistent}\n"),
               Contains("waf.crs_path: '/nonexistent' has no rules/ folder"));
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\nwaf: {crs_setup: /no/setup.conf}\n"),
               Contains("waf.crs_setup: file '/no/setup.conf' does not exist"));
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\nwaf: {engine_compat: /no/c.conf}\n"),
               Contains("waf.engine_compat: file '/no/c.conf' does not exist"));
    CHECK(loadOk(head + "  - name: r\n    cluster: backend\nwaf: {engine_compat: \"\"}\n")
              .waf.engine_compat.empty());
    CHECK_THAT(errorOf(head + "  - name: r\n    cluster: backend\n"
                              "waf: {response_body_mime_types: [json]}\n"),
               Contains("waf.response_body_mime_types[0]: 'json' is not a MIME type"));
  }
}

TEST_CASE("config loader: malformed YAML reports file and line", "[config]") {
  TempDir dir;
  const std::string path = dir.write("bad.yaml", yamlText(R"(
listeners:
  - name: main
   address: 127.0.0.1:8080
)"));
  Result<Config> result = loadConfigFile(path);
  REQUIRE_FALSE(result);
  CHECK(result.error().source == ErrorSource::Config);
  CHECK(result.error().reason == "config_invalid");
  CHECK_THAT(result.error().detail, StartsWith(path + ":3:"));
}

TEST_CASE("config loader: a missing file is an error, not an exception", "[config]") {
  Result<Config> result = loadConfigFile("/nonexistent/rampart.yaml");
  REQUIRE_FALSE(result);
  CHECK(result.error().source == ErrorSource::Config);
  CHECK(result.error().status == 0);
  CHECK(result.error().reason == "config_invalid");
  CHECK_THAT(result.error().detail, StartsWith("/nonexistent/rampart.yaml: cannot read"));
}

}  // namespace
}  // namespace rampart
