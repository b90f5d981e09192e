#include "proxy/admin/admin_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "detectors/modsecurity/rules_set.h"
#include "proxy/http1/request_parser.h"
#include "proxy/http1/serializer.h"
#include "proxy/listener_socket.h"
#include "proxy/log/decision_record_json.h"
#include "proxy/server.h"

namespace rampart {

struct AdminServer::Client {
  int fd = -1;
  std::string input;
  std::unique_ptr<IoWatcher> watcher;
  std::unique_ptr<Timer> timeout;
};

Result<std::unique_ptr<AdminServer>> AdminServer::start(struct ev_loop* loop, Server& server,
                                                        const std::string& host,
                                                        std::uint16_t port) {
  auto fd = openListenSocket(host, port, false);
  if (!fd) return fd.error();
  return std::unique_ptr<AdminServer>(new AdminServer(loop, server, fd.value()));
}

AdminServer::AdminServer(struct ev_loop* loop, Server& server, int fd)
    : loop_(loop), server_(server), fd_(fd) {
  accept_watcher_ = std::make_unique<IoWatcher>(loop_, fd_, [this](int) { onAccept(); });
  accept_watcher_->enableRead(true);
}

AdminServer::~AdminServer() {
  accept_watcher_.reset();
  for (Client* c : std::set<Client*>(clients_)) closeClient(c);
  ::close(fd_);
}

void AdminServer::onAccept() {
  for (int i = 0; i < 16; ++i) {
    int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (clients_.size() >= 64) {  // admin is for operators and scrapers, not for crowds
      ::close(fd);
      continue;
    }
    auto* client = new Client();
    client->fd = fd;
    client->watcher = std::make_unique<IoWatcher>(loop_, fd, [this, client](int) {
      onClientReadable(client);
    });
    client->watcher->enableRead(true);
    client->timeout = std::make_unique<Timer>(loop_, [this, client] { closeClient(client); });
    client->timeout->armMs(5000);
    clients_.insert(client);
  }
}

void AdminServer::closeClient(Client* client) {
  clients_.erase(client);
  client->watcher.reset();
  client->timeout.reset();
  ::close(client->fd);
  delete client;
}

void AdminServer::onClientReadable(Client* client) {
  char buf[4096];
  ssize_t n = ::read(client->fd, buf, sizeof(buf));
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    closeClient(client);
    return;
  }
  client->input.append(buf, static_cast<std::size_t>(n));
  RequestHead head;
  http1::ParseLimits limits;
  limits.max_header_bytes = 16 * 1024;
  auto r = http1::parseRequestHead(client->input, limits, head);
  if (r.status == http1::ParseStatus::NeedMore) return;
  std::string response;
  if (r.status == http1::ParseStatus::Error) {
    response = "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
  } else {
    std::string path = head.target.substr(0, head.target.find('?'));
    response = handle(head.method, path);
  }
  // Small replies on loopback: write them blocking with a short send timeout.
  int flags = fcntl(client->fd, F_GETFL);
  fcntl(client->fd, F_SETFL, flags & ~O_NONBLOCK);
  timeval tv{1, 0};
  setsockopt(client->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::size_t off = 0;
  while (off < response.size()) {
    ssize_t w = ::send(client->fd, response.data() + off, response.size() - off, MSG_NOSIGNAL);
    if (w <= 0) break;
    off += static_cast<std::size_t>(w);
  }
  closeClient(client);
}

std::string AdminServer::handle(const std::string& method, const std::string& path) {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  if (path == "/healthz") {
    body = "{\"status\":\"ok\"}\n";
  } else if (path == "/readyz") {
    if (server_.draining()) {
      status = 503;
      body = "{\"status\":\"draining\"}\n";
    } else {
      body = "{\"status\":\"ready\",\"generation\":" + std::to_string(server_.generation()) + "}\n";
    }
  } else if (path == "/metrics") {
    content_type = "text/plain; version=0.0.4";
    body = renderPrometheus(server_.collectStats(),
                            {{"rampart_config_generation", static_cast<double>(server_.generation())},
                             // CRS rule sets alive in the process: each snapshot's distinct rule
                             // configurations, plus old ones still used by in-flight requests.
                             {"rampart_waf_rule_sets_live",
                              static_cast<double>(modsec::liveRuleSets())}});
  } else if (path == "/reload") {
    if (method != "POST") {
      status = 405;
      body = "{\"status\":\"error\",\"reason\":\"method_not_allowed\"}\n";
    } else {
      auto result = server_.reload();
      if (result) {
        body = "{\"status\":\"ok\",\"generation\":" + std::to_string(result.value()) + "}\n";
      } else {
        status = 400;
        body = "{\"status\":\"error\",\"reason\":";
        appendJsonString(body, result.error().reason);
        body += ",\"detail\":";
        appendJsonString(body, result.error().detail);
        body += "}\n";
      }
    }
  } else {
    status = 404;
    body = "{\"status\":\"error\",\"reason\":\"not_found\"}\n";
  }
  HeaderList headers;
  headers.add("content-type", content_type);
  headers.add("content-length", std::to_string(body.size()));
  headers.add("connection", "close");
  std::string out;
  http1::appendResponseHead(out, status, http1::defaultReasonPhrase(status), headers);
  out += body;
  return out;
}

}  // namespace rampart
