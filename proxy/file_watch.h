// Files a snapshot was compiled from besides the config file itself (client_intel's IP lists and
// GeoIP databases), and a cheap way to tell that one changed: stat() each, compare mtime, size
// and inode. The main thread polls them (Server, every client_intel.reload_check_ms) and reloads
// the config when they change, so a list or database update needs no SIGHUP.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proxy/config/config.h"

namespace rampart {

struct FileStamp {
  std::string path;
  bool exists = false;
  std::int64_t mtime_ns = 0;
  std::int64_t size = 0;
  std::uint64_t inode = 0;  // an atomic rename-over changes it even within one mtime tick
  bool operator==(const FileStamp&) const = default;
};

// The client_intel files of `config`, each once, in config order.
std::vector<std::string> watchedFiles(const Config& config);

std::vector<FileStamp> stampFiles(const std::vector<std::string>& paths);

// The paths whose stamp differs between the two (same path order assumed), "a, b".
std::string changedPaths(const std::vector<FileStamp>& before, const std::vector<FileStamp>& now);

}  // namespace rampart
