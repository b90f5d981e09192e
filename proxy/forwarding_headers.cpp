#include "proxy/forwarding_headers.h"

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

void stripHopByHopHeaders(HeaderList& headers) {
  // Fields listed in Connection are hop-by-hop too ("Connection: close, x-internal").
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
  for (auto name : kHopByHop) headers.remove(name);
  for (const auto& name : named) headers.remove(name);
}

RequestHead buildUpstreamRequestHead(const RequestHead& request, const ConnectionInfo& connection,
                                     const ForwardingConfig& forwarding,
                                     std::string_view request_id) {
  RequestHead out = request;
  stripHopByHopHeaders(out.headers);
  out.headers.remove("host");
  out.headers.remove("expect");  // rampart answers 100-continue itself
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
  out.headers.remove("x-forwarded-for");
  out.headers.remove("x-forwarded-proto");
  out.headers.remove("x-forwarded-host");
  out.headers.remove("x-request-id");
  // Host first, as clients send it; the rest appended.
  HeaderList ordered;
  // An HTTP/1.0 request without Host: the upstream connection supplies one (its endpoint).
  if (!request.authority.empty()) ordered.add("host", request.authority);
  for (const auto& f : out.headers) {
    // Dropped like nginx's default: "Content_Length" or "Transfer_Encoding" are valid tokens but
    // CGI-style backends map '_' and '-' to the same variable, a framing-confusion vector.
    if (f.name.find('_') != std::string::npos) continue;
    ordered.add(f.name, f.value);
  }
  ordered.add("x-forwarded-for", xff);
  ordered.add("x-forwarded-proto", proto);
  ordered.add("x-forwarded-host", host);
  ordered.add("x-request-id", std::string(request_id));
  out.headers = std::move(ordered);
  return out;
}

}  // namespace rampart
