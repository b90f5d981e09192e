// Sends exact request bytes over a fresh TCP connection and reads one HTTP/1.x response,
// without any normalisation (the CRS tests send deliberately malformed requests). Blocking,
// one connection per call, every step under one deadline. Never throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::replay {

struct RawResponse {
  bool ok = false;           // a status line and a complete head were received
  std::string error;         // when !ok: "connection refused", "timeout", "connection reset", ...
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  bool body_complete = false;  // false: the body was cut by a timeout / close / reset

  // First value of `name` (lower case), or "" when absent.
  std::string header(std::string_view name) const;
};

// Parses one response from `data` (which holds everything read so far). Returns true when the
// response is complete; false when more bytes are needed. On a malformed head, sets
// out.error and returns true. `eof` tells that no more bytes will come.
bool parseResponse(std::string_view data, bool head_request, bool eof, RawResponse& out);

class RawHttpClient {
 public:
  RawHttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
      : host_(std::move(host)), port_(port), timeout_(timeout) {}

  // Connects, sends `request`, reads until the response is complete, the peer closes, or the
  // timeout (counted from the call) expires.
  RawResponse exchange(std::string_view request, bool head_request) const;

 private:
  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
};

}  // namespace rampart::replay
