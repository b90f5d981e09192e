#include "proxy/replay/raw_http_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace rampart::replay {
namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The end of the head (index after the blank line), or npos.
std::size_t headEnd(std::string_view data) {
  const std::size_t crlf = data.find("\r\n\r\n");
  const std::size_t lf = data.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) return std::string_view::npos;
  if (lf == std::string_view::npos || (crlf != std::string_view::npos && crlf < lf)) return crlf + 4;
  return lf + 2;
}

// Decodes a chunked body starting at `data`. Returns true when the last chunk and the trailer
// section were seen; `ok` false on a framing error.
bool decodeChunked(std::string_view data, std::string& body, bool& ok) {
  ok = true;
  body.clear();
  std::size_t pos = 0;
  while (true) {
    const std::size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) return false;
    std::string_view size_line = trim(data.substr(pos, nl - pos));
    size_line = size_line.substr(0, size_line.find(';'));
    std::size_t size = 0;
    const auto [end, ec] =
        std::from_chars(size_line.data(), size_line.data() + size_line.size(), size, 16);
    if (ec != std::errc() || end != size_line.data() + size_line.size()) {
      ok = false;
      return true;
    }
    pos = nl + 1;
    if (size == 0) {
      // trailers until an empty line
      while (true) {
        const std::size_t tnl = data.find('\n', pos);
        if (tnl == std::string_view::npos) return false;
        const bool empty = trim(data.substr(pos, tnl - pos)).empty();
        pos = tnl + 1;
        if (empty) return true;
      }
    }
    if (data.size() < pos + size) return false;
    body.append(data.substr(pos, size));
    pos += size;
    const std::size_t after = data.find('\n', pos);
    if (after == std::string_view::npos) return false;
    pos = after + 1;
  }
}

}  // namespace

std::string RawResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

bool parseResponse(std::string_view data, bool head_request, bool eof, RawResponse& out) {
  while (true) {
    out = RawResponse{};
    if (data.size() >= 5 && data.substr(0, 5) != "HTTP/") {
      out.error = "not an HTTP response";
      return true;
    }
    const std::size_t end = headEnd(data);
    if (end == std::string_view::npos) {
      if (!eof) return false;
      out.error = data.empty() ? "connection closed without a response" : "incomplete response head";
      return true;
    }
    std::string_view head = data.substr(0, end);
    const std::size_t nl = head.find('\n');
    std::string_view status_line = trim(head.substr(0, nl));
    const std::size_t sp = status_line.find(' ');
    if (sp == std::string_view::npos || status_line.size() < sp + 4) {
      out.error = "malformed status line";
      return true;
    }
    std::string_view code = status_line.substr(sp + 1, 3);
    int status = 0;
    const auto [cend, cec] = std::from_chars(code.data(), code.data() + code.size(), status);
    if (cec != std::errc() || cend != code.data() + 3 || status < 100) {
      out.error = "malformed status line";
      return true;
    }
    out.status = status;
    out.reason = std::string(trim(status_line.substr(std::min(status_line.size(), sp + 5))));
    std::string_view rest = head.substr(nl + 1);
    while (!rest.empty()) {
      const std::size_t lnl = rest.find('\n');
      std::string_view line = trim(rest.substr(0, lnl));
      rest = lnl == std::string_view::npos ? std::string_view() : rest.substr(lnl + 1);
      if (line.empty()) continue;
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      out.headers.emplace_back(lower(trim(line.substr(0, colon))),
                               std::string(trim(line.substr(colon + 1))));
    }
    std::string_view body = data.substr(end);
    if (status >= 100 && status < 200 && status != 101) {
      data = body;  // interim response: the final one follows
      continue;
    }
    out.ok = true;
    if (head_request || status == 204 || status == 304) {
      out.body_complete = true;
      return true;
    }
    if (lower(out.header("transfer-encoding")).find("chunked") != std::string::npos) {
      bool framing_ok = true;
      const bool done = decodeChunked(body, out.body, framing_ok);
      if (!framing_ok) return true;  // status kept, body incomplete
      if (done) {
        out.body_complete = true;
        return true;
      }
      return eof;
    }
    const std::string cl = out.header("content-length");
    if (!cl.empty()) {
      std::size_t n = 0;
      const auto [lend, lec] = std::from_chars(cl.data(), cl.data() + cl.size(), n);
      if (lec == std::errc() && lend == cl.data() + cl.size()) {
        if (body.size() >= n) {
          out.body = std::string(body.substr(0, n));
          out.body_complete = true;
          return true;
        }
        out.body = std::string(body);
        return eof;
      }
    }
    out.body = std::string(body);  // delimited by close
    out.body_complete = eof;
    return eof;
  }
}

RawResponse RawHttpClient::exchange(std::string_view request, bool head_request) const {
  RawResponse result;
  const auto deadline = Clock::now() + timeout_;
  auto remaining_ms = [&]() -> int {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
  };

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(port_);
  if (getaddrinfo(host_.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
    result.error = "cannot resolve " + host_;
    return result;
  }
  const int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    result.error = std::string("socket: ") + std::strerror(errno);
    return result;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const int rc = connect(fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc != 0 && errno != EINPROGRESS) {
    result.error = std::string("connect: ") + std::strerror(errno);
    return result;
  }
  if (rc != 0) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, remaining_ms()) <= 0) {
      result.error = "connect timeout";
      return result;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      result.error = std::string("connect: ") + std::strerror(err);
      return result;
    }
  }

  // Send everything; a peer that answers early and closes (a 400 to a bad head) is not an
  // error here: its response is read below.
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT | POLLIN, 0};
      if (poll(&p, 1, remaining_ms()) <= 0) break;
      if ((p.revents & POLLIN) != 0 && (p.revents & POLLOUT) == 0) break;  // early response
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EPIPE / ECONNRESET: read whatever came back
  }

  std::string data;
  char buf[65536];
  while (true) {
    RawResponse parsed;
    if (!data.empty() && parseResponse(data, head_request, false, parsed)) return parsed;
    const int wait = remaining_ms();
    pollfd p{fd, POLLIN, 0};
    const int pr = wait > 0 ? poll(&p, 1, wait) : 0;
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      parseResponse(data, head_request, true, parsed);
      if (!parsed.ok) {
        parsed.error = data.empty() ? "timeout: no response" : "timeout: " + parsed.error;
      }
      return parsed;
    }
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      data.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    const bool reset = n < 0;
    parseResponse(data, head_request, true, parsed);
    if (!parsed.ok && reset && data.empty()) parsed.error = "connection reset";
    return parsed;
  }
}

}  // namespace rampart::replay
