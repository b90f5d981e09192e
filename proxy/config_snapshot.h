// The immutable, compiled form of one config generation. Built on the main thread, published as
// shared_ptr<const ConfigSnapshot> to every worker; each exchange pins the one it started with, so
// a reload never changes a request in flight and old generations free themselves.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proxy/api/error.h"
#include "proxy/api/stage.h"
#include "proxy/config/config.h"
#include "proxy/tls_context.h"

namespace rampart {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // "127.0.0.1:9000"
};

Result<SocketAddress> resolveAddress(const std::string& host, std::uint16_t port);

struct ClusterRuntime {
  std::size_t index = 0;
  const ClusterConfig* config = nullptr;
  std::vector<SocketAddress> endpoints;
};

struct ConfigSnapshot {
  std::uint64_t generation = 0;
  Config config;
  std::vector<ClusterRuntime> clusters;             // parallel to config.clusters
  std::vector<std::size_t> route_cluster;           // route index -> cluster index
  std::map<std::string, std::shared_ptr<TlsServerContext>> tls_by_listener;
  std::vector<std::unique_ptr<StageFactory>> stage_factories;  // pipeline order

  // First route, in config order, whose hosts match `host` (port stripped, lower-case) and whose
  // path_prefix is a prefix of `path`. nullptr when none does.
  const RouteConfig* matchRoute(std::string_view host, std::string_view path) const;
  const ClusterRuntime& clusterFor(const RouteConfig& route) const;
  const TlsServerContext* tlsFor(const std::string& listener) const;
};

Result<std::shared_ptr<const ConfigSnapshot>> buildSnapshot(Config config, std::uint64_t generation);

// Lower-cases and strips the port from an authority ("Example.COM:8443" -> "example.com",
// "[::1]:80" -> "[::1]").
std::string hostOfAuthority(std::string_view authority);

}  // namespace rampart
