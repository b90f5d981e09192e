#include "proxy/forwarding_headers.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace rampart {
namespace {

constexpr std::array<std::string_view, 9> kHopByHop = {
    "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
    "upgrade", "proxy-authenticate", "proxy-authorization"};

std::string lowerTrimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Fields the upstream head never takes from the client: hop-by-hop ones, and those rampart sets
// itself (host from the authority, expect answered here, the forwarding fields, the request id).
bool isReplacedOrHopByHop(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kReplaced = {
      "host", "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
      "x-request-id"};
  for (auto hop : kHopByHop)
    if (name == hop) return true;
  for (auto replaced : kReplaced)
    if (name == replaced) return true;
  return false;
}

}  // namespace

bool headerContainsToken(const HeaderList& headers, std::string_view name, std::string_view token) {
  for (const auto& f : headers) {
    if (f.name != name) continue;
    std::string lower = f.value;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find(token) != std::string::npos) return true;
  }
  return false;
}

// The fields named in Connection ("Connection: close, x-internal"): hop-by-hop too.
std::vector<std::string> connectionNamedFields(const HeaderList& headers) {
  std::vector<std::string> named;
  for (const auto& f : headers) {
    if (f.name != "connection") continue;
    std::string_view v = f.value;
    while (!v.empty()) {
      auto comma = v.find(',');
      auto token = lowerTrimmed(v.substr(0, comma));
      if (!token.empty()) named.push_back(std::move(token));
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return named;
}

void stripHopByHopHeaders(HeaderList& headers) {
  const std::vector<std::string> named = connectionNamedFields(headers);
  for (auto name : kHopByHop) headers.remove(name);
  for (const auto& name : named) headers.remove(name);
}

RequestHead buildUpstreamRequestHead(const RequestHead& request, const ConnectionInfo& connection,
                                     const ForwardingConfig& forwarding,
                                     std::string_view request_id) {
  // Rebuilt field by field rather than copied and then pruned: the header list is copied once,
  // in one pass, instead of once whole and then scanned again for every dropped name.
  RequestHead out;
  out.method = request.method;
  out.scheme = request.scheme;
  out.authority = request.authority;
  out.target = request.target;
  out.absolute_form = request.absolute_form;
  out.absolute_authority = request.absolute_authority;
  out.protocol = request.protocol;
  out.content_length = request.content_length;
  out.chunked = request.chunked;
  out.has_body = request.has_body;
  out.expect_continue = request.expect_continue;
  out.h2_fingerprint = request.h2_fingerprint;

  const std::vector<std::string> named = connectionNamedFields(request.headers);
  std::string xff;
  if (forwarding.trust_incoming_forwarded) {
    // Repeated fields form one list (RFC 9110 §5.3): keep every hop, in order.
    for (const auto& f : request.headers)
      if (f.name == "x-forwarded-for") xff += f.value + ", ";
  }
  xff += connection.client_ip;
  std::string proto = connection.tls ? "https" : "http";
  std::string host = request.authority;
  if (forwarding.trust_incoming_forwarded) {
    if (const auto* p = request.headers.find("x-forwarded-proto")) proto = *p;
    if (const auto* h = request.headers.find("x-forwarded-host")) host = *h;
  }
  // Host first, as clients send it; the rest appended.
  HeaderList& ordered = out.headers;
  ordered.reserve(request.headers.size() + 5);
  // An HTTP/1.0 request without Host: the upstream connection supplies one (its endpoint).
  if (!request.authority.empty()) ordered.add("host", request.authority);
  for (const auto& f : request.headers) {
    if (isReplacedOrHopByHop(f.name)) continue;
    // Dropped like nginx's default: "Content_Length" or "Transfer_Encoding" are valid tokens but
    // CGI-style backends map '_' and '-' to the same variable, a framing-confusion vector.
    if (f.name.find('_') != std::string::npos) continue;
    if (!named.empty() && std::find(named.begin(), named.end(), f.name) != named.end()) continue;
    ordered.add(f.name, f.value);
  }
  ordered.add("x-forwarded-for", std::move(xff));
  ordered.add("x-forwarded-proto", std::move(proto));
  ordered.add("x-forwarded-host", std::move(host));
  ordered.add("x-request-id", std::string(request_id));
  return out;
}

}  // namespace rampart
