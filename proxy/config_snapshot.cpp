#include "proxy/config_snapshot.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cctype>
#include <charconv>
#include <cstring>

#include "proxy/host_pattern.h"
#include "proxy/registry.h"

namespace rampart {
std::string hostOfAuthority(std::string_view authority) {
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    host = close == std::string_view::npos ? host : host.substr(0, close + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string out(host);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!out.empty() && out.back() == '.') out.pop_back();  // "example.com." is "example.com"
  return out;
}

Result<SocketAddress> resolveAddress(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  std::string h = host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(h.c_str(), service.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr)
    return Error{ErrorSource::Config, 0, "address_unresolvable", false,
                 "cannot resolve '" + host + "': " + gai_strerror(rc)};
  SocketAddress out;
  std::memcpy(&out.storage, res->ai_addr, res->ai_addrlen);
  out.length = res->ai_addrlen;
  freeaddrinfo(res);
  // The text names the address actually used, not the name it came from.
  char numeric[INET6_ADDRSTRLEN] = {0};
  if (out.storage.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&out.storage)->sin6_addr, numeric,
              sizeof(numeric));
    out.text = std::string("[") + numeric + "]:" + service;
  } else {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&out.storage)->sin_addr, numeric,
              sizeof(numeric));
    out.text = std::string(numeric) + ":" + service;
  }
  return out;
}

const RouteConfig* ConfigSnapshot::matchRoute(std::string_view host, std::string_view path) const {
  for (const auto& route : config.routes) {
    if (path.substr(0, route.path_prefix.size()) != route.path_prefix) continue;
    for (const auto& pattern : route.hosts)
      if (hostPatternMatches(pattern, host)) return &route;
  }
  return nullptr;
}

const ClusterRuntime& ConfigSnapshot::clusterFor(const RouteConfig& route) const {
  const auto index = static_cast<std::size_t>(&route - config.routes.data());
  return clusters[route_cluster[index]];
}

const TlsServerContext* ConfigSnapshot::tlsFor(const std::string& listener) const {
  auto it = tls_by_listener.find(listener);
  return it == tls_by_listener.end() ? nullptr : it->second.get();
}

Result<std::shared_ptr<const ConfigSnapshot>> buildSnapshot(Config config, std::uint64_t generation) {
  auto snapshot = std::make_shared<ConfigSnapshot>();
  snapshot->generation = generation;
  snapshot->config = std::move(config);
  const Config& c = snapshot->config;

  for (std::size_t i = 0; i < c.clusters.size(); ++i) {
    ClusterRuntime runtime;
    runtime.index = i;
    runtime.config = &c.clusters[i];
    for (const auto& endpoint : c.clusters[i].endpoints) {
      auto colon = endpoint.rfind(':');
      if (colon == std::string::npos)
        return Error{ErrorSource::Config, 0, "config_invalid", false,
                     "cluster '" + c.clusters[i].name + "': endpoint '" + endpoint + "' lacks a port"};
      int port = 0;
      const char* digits = endpoint.c_str() + colon + 1;
      auto parsed = std::from_chars(digits, endpoint.c_str() + endpoint.size(), port);
      if (parsed.ec != std::errc() || parsed.ptr != endpoint.c_str() + endpoint.size() || port < 1 ||
          port > 65535)
        return Error{ErrorSource::Config, 0, "config_invalid", false,
                     "cluster '" + c.clusters[i].name + "': endpoint '" + endpoint + "' has a bad port"};
      auto addr = resolveAddress(endpoint.substr(0, colon), static_cast<std::uint16_t>(port));
      if (!addr)
        return Error{ErrorSource::Config, 0, "config_invalid", false,
                     "cluster '" + c.clusters[i].name + "': " + addr.error().detail};
      runtime.endpoints.push_back(std::move(addr.value()));
    }
    if (runtime.config->type == ClusterType::Static && runtime.endpoints.empty())
      return Error{ErrorSource::Config, 0, "config_invalid", false,
                   "cluster '" + c.clusters[i].name + "' has no endpoints"};
    snapshot->clusters.push_back(std::move(runtime));
  }
  for (const auto& route : c.routes) {
    std::size_t found = c.clusters.size();
    for (std::size_t i = 0; i < c.clusters.size(); ++i)
      if (c.clusters[i].name == route.cluster) found = i;
    if (found == c.clusters.size())
      return Error{ErrorSource::Config, 0, "config_invalid", false,
                   "route '" + route.name + "' refers to unknown cluster '" + route.cluster + "'"};
    snapshot->route_cluster.push_back(found);
  }
  for (const auto& listener : c.listeners) {
    if (!listener.has_tls) continue;
    auto tls = TlsServerContext::create(listener);
    if (!tls) return tls.error();
    snapshot->tls_by_listener[listener.name] = std::move(tls.value());
  }
  auto stages = buildStageFactories(*snapshot);
  if (!stages) return stages.error();
  snapshot->stage_factories = std::move(stages.value());
  return std::shared_ptr<const ConfigSnapshot>(std::move(snapshot));
}

}  // namespace rampart
