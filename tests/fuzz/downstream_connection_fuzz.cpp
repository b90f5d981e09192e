// Feeds arbitrary client bytes into a real DownstreamConnection over a socketpair, on a plain
// listener that speaks HTTP/1.1 and h2c: the preface detector, the HTTP/1.1 codec, the nghttp2
// callbacks, the pipeline and the echo upstream all see the input. Must never crash, leak or hang.
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "proxy/config/loader.h"
#include "proxy/config_snapshot.h"
#include "proxy/downstream_connection.h"
#include "proxy/worker_context.h"

namespace {

constexpr std::string_view kConfig = R"(
listeners:
  - name: plain
    address: 127.0.0.1:0
    protocols: [http1, h2c]
limits:
  header_timeout_ms: 50
  body_idle_timeout_ms: 50
  keepalive_idle_timeout_ms: 50
clusters:
  - name: echo
    type: echo
routes:
  - name: all
    cluster: echo
    max_body_bytes: 65536
)";

std::shared_ptr<const rampart::ConfigSnapshot> snapshot() {
  static std::shared_ptr<const rampart::ConfigSnapshot> s = [] {
    auto config = rampart::loadConfigString(kConfig, "fuzz.yaml");
    if (!config) std::abort();
    auto built = rampart::buildSnapshot(std::move(config.value()), 1);
    if (!built) std::abort();
    return built.value();
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) return 0;
  int sndbuf = 256 * 1024;
  setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  struct ev_loop* loop = ev_loop_new(0);
  {
    rampart::WorkerContext worker(0, loop, nullptr);
    worker.setConfig(snapshot());
    rampart::ListenerRuntime listener;
    listener.config = snapshot()->config.listeners.front();
    listener.allow_http1 = listener.allow_h2c = true;
    sockaddr_storage peer{};
    peer.ss_family = AF_UNIX;
    auto* conn = new rampart::DownstreamConnection(worker, fds[0], listener, peer, 1);
    conn->start();
    std::size_t sent = 0;
    std::size_t received = 0;
    char sink[16384];
    for (int round = 0; round < 200 && !worker.connections().empty(); ++round) {
      if (sent < size) {
        ssize_t n = ::send(fds[1], data + sent, size - sent, MSG_NOSIGNAL);
        if (n > 0) sent += static_cast<std::size_t>(n);
      }
      if (sent == size && round == 30) ::shutdown(fds[1], SHUT_WR);  // then the client half-closes
      for (ssize_t r; (r = ::read(fds[1], sink, sizeof(sink))) > 0;) received += static_cast<std::size_t>(r);
      ev_run(loop, EVRUN_NOWAIT);
      if (round > 20) usleep(1000);  // let the 50 ms timers end slow exchanges
    }
    for (auto* c : std::vector<rampart::DownstreamConnection*>(worker.connections().begin(),
                                                               worker.connections().end()))
      c->close("fuzz_done");
    ev_run(loop, EVRUN_NOWAIT);
    for (ssize_t r; (r = ::read(fds[1], sink, sizeof(sink))) > 0;) received += static_cast<std::size_t>(r);
    if (std::getenv("RAMPART_FUZZ_VERBOSE") != nullptr)
      std::fprintf(stderr, "sent %zu received %zu\n", sent, received);
  }
  ev_loop_destroy(loop);
  ::close(fds[1]);
  return 0;
}
