#include "proxy/config_snapshot.h"

#include <netinet/in.h>

#include <catch2/catch.hpp>
#include <string>
#include <utility>

#include "tests/unit/fakes/fake_exchange.h"

namespace rampart {
namespace {

RouteConfig route(std::string name, std::vector<std::string> hosts, std::string prefix,
                  std::string cluster = "echo") {
  RouteConfig r;
  r.name = std::move(name);
  r.hosts = std::move(hosts);
  r.path_prefix = std::move(prefix);
  r.cluster = std::move(cluster);
  return r;
}

std::string matched(const ConfigSnapshot& s, std::string_view host, std::string_view path) {
  const RouteConfig* r = s.matchRoute(host, path);
  return r == nullptr ? "<none>" : r->name;
}

TEST_CASE("hostOfAuthority lower-cases and strips the port", "[config_snapshot]") {
  CHECK(hostOfAuthority("Example.COM:8443") == "example.com");
  CHECK(hostOfAuthority("example.com") == "example.com");
  CHECK(hostOfAuthority("EXAMPLE.com") == "example.com");
  CHECK(hostOfAuthority("[::1]:80") == "[::1]");
  CHECK(hostOfAuthority("[::1]") == "[::1]");
  CHECK(hostOfAuthority("[2001:DB8::1]:443") == "[2001:db8::1]");
  CHECK(hostOfAuthority("host.") == "host");
  CHECK(hostOfAuthority("Host.:80") == "host");
  CHECK(hostOfAuthority("127.0.0.1:8080") == "127.0.0.1");
  CHECK(hostOfAuthority("") == "");
}

TEST_CASE("matchRoute: first match in config order wins", "[config_snapshot]") {
  Config c = test::makeTestConfig();
  c.routes.clear();
  c.routes.push_back(route("api-v2", {"api.example.com"}, "/v2/"));
  c.routes.push_back(route("api", {"api.example.com"}, "/"));
  c.routes.push_back(route("shadowed", {"api.example.com"}, "/v2/"));
  c.routes.push_back(route("wild", {"*.example.com"}, "/"));
  c.routes.push_back(route("multi", {"a.test", "b.test"}, "/static"));
  auto s = test::makeTestSnapshot(std::move(c));

  CHECK(matched(*s, "api.example.com", "/v2/users") == "api-v2");
  CHECK(matched(*s, "api.example.com", "/v1/users") == "api");
  CHECK(matched(*s, "api.example.com", "/v2") == "api");  // "/v2/" is not a prefix of "/v2"
  CHECK(matched(*s, "www.example.com", "/v2/users") == "wild");
  CHECK(matched(*s, "b.test", "/static/app.js") == "multi");
  CHECK(matched(*s, "a.test", "/static") == "multi");
  CHECK(matched(*s, "a.test", "/") == "<none>");
  CHECK(matched(*s, "c.test", "/static/x") == "<none>");
  // matchRoute expects hostOfAuthority() output; the caller lower-cases.
  CHECK(matched(*s, hostOfAuthority("API.Example.com:443"), "/v2/x") == "api-v2");

  // The route pointer is into the snapshot, and clusterFor() finds its cluster.
  const RouteConfig* r = s->matchRoute("api.example.com", "/");
  REQUIRE(r != nullptr);
  CHECK(r == &s->config.routes[1]);
  CHECK(s->clusterFor(*r).config->name == "echo");
}

TEST_CASE("matchRoute: wildcard hosts", "[config_snapshot]") {
  Config c = test::makeTestConfig();
  c.routes = {route("wild", {"*.example.com"}, "/")};
  auto s = test::makeTestSnapshot(std::move(c));
  CHECK(matched(*s, "a.example.com", "/") == "wild");
  CHECK(matched(*s, "a.b.example.com", "/") == "wild");
  CHECK(matched(*s, "example.com", "/") == "<none>");
  CHECK(matched(*s, "badexample.com", "/") == "<none>");
  CHECK(matched(*s, ".example.com", "/") == "<none>");
  CHECK(matched(*s, "example.com.evil", "/") == "<none>");
}

TEST_CASE("matchRoute: '*' matches any host, exact names match exactly", "[config_snapshot]") {
  Config c = test::makeTestConfig();
  c.routes = {route("exact", {"exact.test"}, "/"), route("any", {"*"}, "/")};
  auto s = test::makeTestSnapshot(std::move(c));
  CHECK(matched(*s, "exact.test", "/") == "exact");
  CHECK(matched(*s, "a.exact.test", "/") == "any");
  CHECK(matched(*s, "", "/") == "any");
}

TEST_CASE("matchRoute: path prefix", "[config_snapshot]") {
  Config c = test::makeTestConfig();
  c.routes = {route("admin", {"*"}, "/admin/"), route("api", {"*"}, "/api")};
  auto s = test::makeTestSnapshot(std::move(c));
  CHECK(matched(*s, "h", "/admin/") == "admin");
  CHECK(matched(*s, "h", "/admin/users?x=1") == "admin");
  CHECK(matched(*s, "h", "/admin") == "<none>");
  CHECK(matched(*s, "h", "/api") == "api");
  CHECK(matched(*s, "h", "/api/v1") == "api");
  CHECK(matched(*s, "h", "/apiary") == "api");     // a plain string prefix, as documented
  CHECK(matched(*s, "h", "/Admin/") == "<none>");  // case-sensitive
  CHECK(matched(*s, "h", "/") == "<none>");
  CHECK(matched(*s, "h", "") == "<none>");
}

TEST_CASE("buildSnapshot refuses a route to an unknown cluster", "[config_snapshot]") {
  Config c = test::makeTestConfig();
  c.routes.push_back(route("broken", {"*"}, "/x", "nope"));
  auto built = buildSnapshot(std::move(c), 7);
  REQUIRE_FALSE(built);
  CHECK(built.error().source == ErrorSource::Config);
  CHECK(built.error().reason == "config_invalid");
  CHECK(built.error().detail == "route 'broken' refers to unknown cluster 'nope'");
}

TEST_CASE("buildSnapshot refuses an endpoint without a port or that cannot resolve",
          "[config_snapshot]") {
  Config c = test::makeTestConfig();
  ClusterConfig cluster;
  cluster.name = "backends";
  SECTION("no port") {
    cluster.endpoints = {"127.0.0.1"};
    c.clusters.push_back(cluster);
    auto built = buildSnapshot(std::move(c), 1);
    REQUIRE_FALSE(built);
    CHECK(built.error().detail == "cluster 'backends': endpoint '127.0.0.1' lacks a port");
  }
  SECTION("unresolvable (.invalid is reserved, RFC 6761)") {
    cluster.endpoints = {"no-such-host.invalid:80"};
    c.clusters.push_back(cluster);
    auto built = buildSnapshot(std::move(c), 1);
    REQUIRE_FALSE(built);
    CHECK_THAT(built.error().detail,
               Catch::StartsWith("cluster 'backends': cannot resolve 'no-such-host.invalid'"));
  }
}

TEST_CASE("buildSnapshot resolves endpoints to SocketAddress text", "[config_snapshot]") {
  Config c = test::makeTestConfig();
  ClusterConfig cluster;
  cluster.name = "backends";
  cluster.endpoints = {"127.0.0.1:9000", "[::1]:9001", "10.1.2.3:80"};
  c.clusters.push_back(cluster);
  c.routes.push_back(route("to-backends", {"*"}, "/b", "backends"));
  auto s = test::makeTestSnapshot(std::move(c));
  CHECK(s->generation == 1);
  REQUIRE(s->clusters.size() == 2);
  CHECK(s->clusters[0].endpoints.empty());  // echo
  const ClusterRuntime& rt = s->clusters[1];
  CHECK(rt.index == 1);
  CHECK(rt.config == &s->config.clusters[1]);
  REQUIRE(rt.endpoints.size() == 3);
  CHECK(rt.endpoints[0].text == "127.0.0.1:9000");
  CHECK(rt.endpoints[0].storage.ss_family == AF_INET);
  CHECK(rt.endpoints[0].length == sizeof(sockaddr_in));
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(&rt.endpoints[0].storage);
  CHECK(ntohs(v4->sin_port) == 9000);
  CHECK(ntohl(v4->sin_addr.s_addr) == INADDR_LOOPBACK);
  CHECK(rt.endpoints[1].text == "[::1]:9001");
  CHECK(rt.endpoints[1].storage.ss_family == AF_INET6);
  CHECK(rt.endpoints[1].length == sizeof(sockaddr_in6));
  CHECK(ntohs(reinterpret_cast<const sockaddr_in6*>(&rt.endpoints[1].storage)->sin6_port) == 9001);
  CHECK(rt.endpoints[2].text == "10.1.2.3:80");
  REQUIRE(s->route_cluster.size() == 2);
  CHECK(s->route_cluster[0] == 0);
  CHECK(s->route_cluster[1] == 1);
  CHECK(s->clusterFor(s->config.routes[1]).config->name == "backends");
}

TEST_CASE("resolveAddress formats numeric addresses", "[config_snapshot]") {
  auto v4 = resolveAddress("192.0.2.1", 443);
  REQUIRE(v4);
  CHECK(v4->text == "192.0.2.1:443");
  auto v6 = resolveAddress("[2001:db8::1]", 8443);
  REQUIRE(v6);
  CHECK(v6->text == "[2001:db8::1]:8443");
  auto bare6 = resolveAddress("::1", 80);
  REQUIRE(bare6);
  CHECK(bare6->text == "[::1]:80");
  auto bad = resolveAddress("no-such-host.invalid", 80);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().reason == "address_unresolvable");
}

TEST_CASE("buildSnapshot builds the stage factories and no TLS for plain listeners",
          "[config_snapshot]") {
  auto s = test::makeTestSnapshot();
  CHECK(s->tls_by_listener.empty());
  CHECK(s->tlsFor("main") == nullptr);
  REQUIRE(s->stage_factories.size() == 2);
  CHECK(s->stage_factories[0]->name() == "rampart.protocol_sanity");
  CHECK(s->stage_factories[1]->name() == "rampart.access_log");
}

}  // namespace
}  // namespace rampart
