// `rampart replay --config FILE`: starts `rampart serve --config FILE` as a child process,
// waits until the admin /readyz answers 200, and stops it (SIGTERM, then SIGKILL) afterwards.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "proxy/api/error.h"

namespace rampart::replay {

// Where a config makes rampart listen and log.
struct ServeTarget {
  std::string host;  // first plain (non-TLS) HTTP/1.1 listener
  std::uint16_t port = 0;
  std::string admin_host;
  std::uint16_t admin_port = 0;
  std::string decision_log;  // decision_log.path ("stdout" / "off" when not a file)
};

Result<ServeTarget> targetFromConfig(const std::string& config_path);

class RampartProcess {
 public:
  RampartProcess() = default;
  RampartProcess(const RampartProcess&) = delete;
  RampartProcess& operator=(const RampartProcess&) = delete;
  ~RampartProcess();

  // `binary` is the rampart executable; its stdout and stderr go to a temporary file.
  Status start(const std::string& binary, const std::string& config_path, const ServeTarget& t,
               std::chrono::milliseconds ready_timeout);
  // Returns the exit status (128 + signal when killed); -1 when not running.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(15000));
  // The last `bytes` of the child's output (for error messages).
  std::string outputTail(std::size_t bytes = 2000) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

}  // namespace rampart::replay
