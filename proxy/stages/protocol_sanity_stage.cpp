#include "proxy/stages/protocol_sanity_stage.h"

#include <cctype>
#include <charconv>

#include "proxy/api/exchange.h"
#include "proxy/config_snapshot.h"

namespace rampart {
namespace {

bool isTokenChar(unsigned char c) {
  return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                                std::string_view::npos;
}

bool isValidFieldValue(std::string_view v) {
  for (unsigned char c : v)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  return true;
}

bool isVisibleAscii(std::string_view v) {
  for (unsigned char c : v)
    if (c <= 0x20 || c >= 0x7f) return false;
  return !v.empty();
}

bool parseContentLength(std::string_view v, std::uint64_t& out) {
  if (v.empty() || v.size() > 18) return false;
  for (char c : v)
    if (c < '0' || c > '9') return false;
  return std::from_chars(v.data(), v.data() + v.size(), out).ec == std::errc();
}

class ProtocolSanityStage final : public Stage {
 public:
  explicit ProtocolSanityStage(const LimitsConfig& limits) : limits_(limits) {}

  Verdict onRequestHeaders(Exchange& ex) noexcept override {
    const RequestHead& req = ex.request();
    if (req.headers.size() > limits_.max_header_count)
      return Verdict::respond(431, "too_many_headers");
    if (req.headers.bytes() > limits_.max_header_bytes)
      return Verdict::respond(431, "headers_too_large");
    if (req.method.empty()) return Verdict::respond(400, "bad_method");
    for (unsigned char c : req.method)
      if (!isTokenChar(c)) return Verdict::respond(400, "bad_method");
    if (req.method == "CONNECT") return Verdict::respond(405, "connect_not_supported");
    if (!isVisibleAscii(req.target) || (req.target[0] != '/' && req.target != "*"))
      return Verdict::respond(400, "bad_request_target");
    if (req.target == "*" && req.method != "OPTIONS")
      return Verdict::respond(400, "bad_request_target");
    if (req.target.size() > limits_.max_request_line_bytes)
      return Verdict::respond(414, "request_line_too_long");
    // HTTP/1.0 may omit Host (RFC 9112 §3.2 requires it from 1.1 on); it routes as host "".
    if (req.authority.empty() && req.protocol != HttpProtocol::Http10)
      return Verdict::respond(400, "missing_host");
    if (!req.authority.empty() &&
        (!isVisibleAscii(req.authority) || req.authority.find('@') != std::string::npos))
      return Verdict::respond(400, "bad_host");
    if (req.absolute_form && hostOfAuthority(req.absolute_authority) !=
                                 hostOfAuthority(req.authority))
      return Verdict::respond(400, "absolute_form_host_mismatch");

    std::size_t content_lengths = 0;
    for (const auto& f : req.headers) {
      if (f.name.empty()) return Verdict::respond(400, "bad_header_name");
      for (unsigned char c : f.name)
        if (!isTokenChar(c) || std::isupper(c)) return Verdict::respond(400, "bad_header_name");
      if (!isValidFieldValue(f.value)) return Verdict::respond(400, "bad_header_value");
      if (f.name == "content-length") ++content_lengths;
      if (f.name == "host" && req.protocol == HttpProtocol::Http2 &&
          hostOfAuthority(f.value) != hostOfAuthority(req.authority))
        return Verdict::respond(400, "authority_host_mismatch");
    }
    if (req.protocol == HttpProtocol::Http2) {
      // RFC 9113 §8.2.2: connection-specific fields are malformed in HTTP/2.
      for (std::string_view name : {"connection", "keep-alive", "proxy-connection",
                                    "transfer-encoding", "upgrade"})
        if (req.headers.find(name) != nullptr)
          return Verdict::respond(400, "h2_connection_specific_header");
      for (const auto& f : req.headers)  // every TE field, not just the first
        if (f.name == "te" && f.value != "trailers")
          return Verdict::respond(400, "h2_connection_specific_header");
    } else if (req.chunked && content_lengths > 0) {
      return Verdict::respond(400, "content_length_and_transfer_encoding");
    }
    if (content_lengths > 1) return Verdict::respond(400, "duplicate_content_length");
    if (content_lengths == 1) {
      std::uint64_t length = 0;
      if (!parseContentLength(*req.headers.find("content-length"), length))
        return Verdict::respond(400, "bad_content_length");
      if (ex.route() != nullptr && length > ex.route()->max_body_bytes)
        return Verdict::respond(413, "body_too_large");
    }
    return Verdict::next();
  }

 private:
  const LimitsConfig& limits_;
};

}  // namespace

std::unique_ptr<Stage> ProtocolSanityStageFactory::create(WorkerContext&) const {
  return std::make_unique<ProtocolSanityStage>(limits_);
}

}  // namespace rampart
