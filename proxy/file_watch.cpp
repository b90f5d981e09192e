#include "proxy/file_watch.h"

#include <sys/stat.h>

#include <algorithm>

namespace rampart {

std::vector<std::string> watchedFiles(const Config& config) {
  std::vector<std::string> paths;
  const auto add = [&](const std::string& path) {
    if (!path.empty() && std::find(paths.begin(), paths.end(), path) == paths.end())
      paths.push_back(path);
  };
  add(config.client_intel.geoip.country_db);
  add(config.client_intel.geoip.asn_db);
  for (const IpListConfig& list : config.client_intel.ip_lists) add(list.file);
  return paths;
}

std::vector<FileStamp> stampFiles(const std::vector<std::string>& paths) {
  std::vector<FileStamp> stamps;
  stamps.reserve(paths.size());
  for (const std::string& path : paths) {
    FileStamp stamp;
    stamp.path = path;
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0) {
      stamp.exists = true;
      stamp.mtime_ns =
          static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
      stamp.size = static_cast<std::int64_t>(info.st_size);
      stamp.inode = static_cast<std::uint64_t>(info.st_ino);
    }
    stamps.push_back(std::move(stamp));
  }
  return stamps;
}

std::string changedPaths(const std::vector<FileStamp>& before, const std::vector<FileStamp>& now) {
  std::string out;
  for (std::size_t i = 0; i < now.size(); ++i) {
    if (i < before.size() && before[i] == now[i]) continue;
    if (!out.empty()) out += ", ";
    out += now[i].path;
  }
  return out;
}

}  // namespace rampart
