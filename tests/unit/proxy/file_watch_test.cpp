#include "proxy/file_watch.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace rampart {
namespace {

TEST_CASE("file watch: client_intel files, each once", "[proxy][file_watch]") {
  Config config;
  config.client_intel.geoip.country_db = "/data/geo.mmdb";
  config.client_intel.geoip.asn_db = "/data/geo.mmdb";
  config.client_intel.ip_lists = {{"a", "/data/a.list"}, {"b", "/data/b.list"}};
  CHECK(watchedFiles(config) ==
        std::vector<std::string>{"/data/geo.mmdb", "/data/a.list", "/data/b.list"});
  CHECK(watchedFiles(Config{}).empty());
}

TEST_CASE("file watch: a rewrite, a rename-over and a removal change the stamp",
          "[proxy][file_watch]") {
  const std::string path = "/tmp/rampart_file_watch_test.list";
  std::ofstream(path) << "192.0.2.1\n";
  const auto before = stampFiles({path});
  REQUIRE(before.size() == 1);
  CHECK(before[0].exists);
  CHECK(stampFiles({path}) == before);
  CHECK(changedPaths(before, stampFiles({path})).empty());

  std::ofstream(path) << "192.0.2.1\n192.0.2.2\n";  // size changes
  CHECK(stampFiles({path}) != before);
  CHECK(changedPaths(before, stampFiles({path})) == path);

  const auto rewritten = stampFiles({path});
  std::ofstream(path + ".new") << "192.0.2.3\n192.0.2.4\n";  // same size, new inode
  std::filesystem::rename(path + ".new", path);
  CHECK(stampFiles({path}) != rewritten);

  std::remove(path.c_str());
  const auto gone = stampFiles({path});
  CHECK_FALSE(gone[0].exists);
  CHECK(gone != rewritten);
}

}  // namespace
}  // namespace rampart
