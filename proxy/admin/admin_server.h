// The admin listener (loopback by default), served on the main thread: /healthz, /readyz,
// /metrics (Prometheus text), POST /reload. Never on a worker: admin traffic cannot slow the
// data path, and the data path cannot starve admin.
#pragma once

#include <ev.h>

#include <memory>
#include <set>
#include <string>

#include "proxy/api/error.h"
#include "proxy/event_loop.h"

namespace rampart {

class Server;

class AdminServer {
 public:
  static Result<std::unique_ptr<AdminServer>> start(struct ev_loop* loop, Server& server,
                                                    const std::string& host, std::uint16_t port);
  ~AdminServer();

 private:
  struct Client;
  AdminServer(struct ev_loop* loop, Server& server, int fd);
  void onAccept();
  void onClientReadable(Client* client);
  std::string handle(const std::string& method, const std::string& path);
  void closeClient(Client* client);

  struct ev_loop* loop_;
  Server& server_;
  int fd_;
  std::unique_ptr<IoWatcher> accept_watcher_;
  std::set<Client*> clients_;
};

}  // namespace rampart
