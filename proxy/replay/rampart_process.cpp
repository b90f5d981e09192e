#include "proxy/replay/rampart_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "proxy/config/loader.h"
#include "proxy/replay/raw_http_client.h"

namespace rampart::replay {
namespace {

Error failure(std::string detail) {
  Error e;
  e.source = ErrorSource::Internal;
  e.status = 0;
  e.reason = "replay_rampart_process";
  e.detail = std::move(detail);
  return e;
}

}  // namespace

Result<ServeTarget> targetFromConfig(const std::string& config_path) {
  auto config = loadConfigFile(config_path);
  if (!config) return config.error();
  ServeTarget t;
  for (const auto& l : config->listeners) {
    if (l.has_tls) continue;
    for (const auto p : l.protocols) {
      if (p == ListenerProtocol::Http1 && t.port == 0) {
        t.host = l.host.empty() || l.host == "0.0.0.0" ? "127.0.0.1" : l.host;
        if (t.host == "::") t.host = "::1";
        t.port = l.port;
      }
    }
  }
  if (t.port == 0) return failure(config_path + ": no plain HTTP/1.1 listener to replay against");
  t.admin_host = config->admin.host == "0.0.0.0" ? "127.0.0.1" : config->admin.host;
  t.admin_port = config->admin.port;
  t.decision_log = config->decision_log.path;
  return t;
}

RampartProcess::~RampartProcess() {
  stop(std::chrono::milliseconds(5000));
  if (!log_path_.empty()) ::unlink(log_path_.c_str());
}

Status RampartProcess::start(const std::string& binary, const std::string& config_path,
                             const ServeTarget& t, std::chrono::milliseconds ready_timeout) {
  std::string pattern = "/tmp/rampart-replay-serve-XXXXXX";
  const int log_fd = ::mkstemp(pattern.data());
  if (log_fd < 0) return failure("cannot create a temporary file for rampart's output");
  log_path_ = pattern;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return failure("fork failed");
  }
  if (pid == 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    const char* argv[] = {binary.c_str(), "serve", "--config", config_path.c_str(), nullptr};
    ::execv(binary.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::close(log_fd);
  pid_ = pid;

  const RawHttpClient admin(t.admin_host, t.admin_port, std::chrono::milliseconds(1000));
  const std::string request = "GET /readyz HTTP/1.1\r\nHost: " + t.admin_host +
                              "\r\nConnection: close\r\n\r\n";
  const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  std::string last = "no answer";
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return failure("rampart exited during startup (status " + std::to_string(status) +
                     "):\n" + outputTail());
    }
    const RawResponse r = admin.exchange(request, false);
    if (r.ok && r.status == 200) return Ok{};
    last = r.ok ? "HTTP " + std::to_string(r.status) : r.error;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop();
  return failure("rampart did not become ready (/readyz: " + last + "):\n" + outputTail());
}

int RampartProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (true) {
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0) {
      pid_ = -1;
      return -1;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string RampartProcess::outputTail(std::size_t bytes) const {
  std::ifstream in(log_path_, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string all = buffer.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace rampart::replay
