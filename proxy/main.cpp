// rampart: a WAAP edge proxy. Subcommands: serve, validate, replay, version.
#include <cstdio>
#include <cstring>
#include <string>

#include <nghttp2/nghttp2ver.h>
#include <openssl/opensslv.h>

#include "proxy/config/loader.h"
#include "proxy/config_snapshot.h"
#include "proxy/replay/replay_command.h"
#include "proxy/server.h"
#include "proxy/version.h"

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: rampart serve --config FILE\n"
               "       rampart validate FILE\n"
               "       rampart replay (--target URL | --config FILE) [options] INPUT... "
               "(docs/replay.md)\n"
               "       rampart version\n");
}

int validate(const std::string& path) {
  auto config = rampart::loadConfigFile(path);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().detail.c_str());
    return 1;
  }
  // Compile too (certificates, endpoints): a config that validates must also serve.
  auto snapshot = rampart::buildSnapshot(std::move(config.value()), 1);
  if (!snapshot) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), snapshot.error().detail.c_str());
    return 1;
  }
  std::printf("%s: ok\n", path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage();
    return 2;
  }
  const std::string command = argv[1];
  if (command == "version" || command == "--version") {
    std::printf("rampart %s (nghttp2 %s, %s)\n", RAMPART_VERSION, NGHTTP2_VERSION,
                OPENSSL_VERSION_TEXT);
    return 0;
  }
  if (command == "validate" && argc == 3) return validate(argv[2]);
  if (command == "replay") return rampart::replay::runReplayCommand(argc - 1, argv + 1);
  if (command == "serve" && argc == 4 && std::strcmp(argv[2], "--config") == 0) {
    rampart::Server server(argv[3]);
    return server.run();
  }
  usage();
  return 2;
}
