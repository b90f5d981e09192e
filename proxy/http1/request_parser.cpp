#include "proxy/http1/request_parser.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace rampart::http1 {
namespace detail {
namespace {

constexpr std::size_t kNpos = std::string_view::npos;

constexpr std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

// Field-value byte classes: HTAB, SP, VCHAR and obs-text (>= 0x80) are fine.
enum class ValueByte : std::uint8_t { Ok, Nul, Control };
constexpr std::array<ValueByte, 256> kValueByte = [] {
  std::array<ValueByte, 256> table{};
  table.fill(ValueByte::Ok);
  for (int c = 1; c < 0x20; ++c) table[c] = ValueByte::Control;
  table[0] = ValueByte::Nul;
  table['\t'] = ValueByte::Ok;
  table[0x7f] = ValueByte::Control;
  return table;
}();

ParseResult fail(ParseError error) { return {ParseStatus::Error, error, 0}; }

bool isOws(char c) { return c == ' ' || c == '\t'; }

// Walks the lines of `view` from `cursor`. With `complete`, `view` ends with the head's
// CRLFCRLF and every field is handed to the visitor; without it, only whole lines are validated
// and the cursor is advanced to the partial line at the end.
ParseResult walkLines(std::string_view view, const ParseLimits& limits,
                      ParseError start_line_too_long, HeadCursor& cursor, HeadVisitor& visitor,
                      bool complete) {
  std::size_t pos = cursor.validated;
  std::size_t fields = cursor.fields;
  while (pos < view.size()) {
    const std::size_t lf = view.find('\n', pos);
    if (lf == kNpos) break;
    // A CR anywhere but right before the LF is bare. Checked before the LF so the verdict does
    // not depend on whether the LF had arrived yet (the partial-line check below sees only CRs).
    const std::string_view raw = view.substr(pos, lf - pos);
    const std::size_t cr = raw.find('\r');
    if (cr != kNpos && cr + 1 != raw.size()) return fail(ParseError::BareCr);
    if (cr == kNpos) return fail(ParseError::BareLf);
    const std::string_view line = raw.substr(0, cr);
    const std::size_t next = lf + 1;
    ParseError error = ParseError::None;
    if (pos == 0) {
      if (line.size() > limits.max_request_line) return fail(start_line_too_long);
      error = visitor.startLine(line, complete);
    } else if (line.empty()) {
      if (complete) return {ParseStatus::Complete, ParseError::None, next};
      // Unreachable while scanHead searches from cursor.validated - 2, but if a head ever ends
      // here without having been found, parse it for real rather than stall.
      HeadCursor whole;
      return walkLines(view.substr(0, next), limits, start_line_too_long, whole, visitor, true);
    } else {
      // A field line starting with whitespace is obs-fold (or, right after the start line, the
      // "whitespace before the first header" that RFC 9112 §2.2 says to reject).
      if (isOws(line[0])) return fail(ParseError::ObsFold);
      if (++fields > limits.max_header_count) return fail(ParseError::TooManyHeaders);
      std::string_view name;
      std::string_view value;
      error = parseFieldLine(line, name, value);
      if (error == ParseError::None && complete) error = visitor.field(name, value);
    }
    if (error != ParseError::None) return fail(error);
    pos = next;
  }

  // The partial line at the end. A CR is only legal as its very last byte, awaiting the LF.
  const std::string_view tail = view.substr(pos);
  const std::size_t cr = tail.find('\r');
  if (cr != kNpos && cr + 1 != tail.size()) return fail(ParseError::BareCr);
  const std::string_view content = cr == kNpos ? tail : tail.substr(0, cr);
  if (pos == 0) {
    if (content.size() > limits.max_request_line) return fail(start_line_too_long);
    if (const ParseError error = visitor.startLinePrefix(content); error != ParseError::None) {
      return fail(error);
    }
  } else if (!tail.empty() && isOws(tail[0])) {
    return fail(ParseError::ObsFold);
  }
  cursor.validated = pos;
  cursor.fields = fields;
  return {ParseStatus::NeedMore, ParseError::None, 0};
}

}  // namespace

bool isTchar(unsigned char c) { return kTchar[c]; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

ParseError parseFieldLine(std::string_view line, std::string_view& name, std::string_view& value) {
  const std::size_t colon = line.find(':');
  if (colon == kNpos || colon == 0) return ParseError::BadHeaderName;
  name = line.substr(0, colon);
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (!kTchar[byte]) return byte == 0 ? ParseError::NulByte : ParseError::BadHeaderName;
  }
  std::size_t begin = colon + 1;
  std::size_t end = line.size();
  while (begin < end && isOws(line[begin])) ++begin;
  while (end > begin && isOws(line[end - 1])) --end;
  value = line.substr(begin, end - begin);
  for (const char c : value) {
    switch (kValueByte[static_cast<unsigned char>(c)]) {
      case ValueByte::Ok:
        break;
      case ValueByte::Nul:
        return ParseError::NulByte;
      case ValueByte::Control:
        return ParseError::BadHeaderValue;
    }
  }
  return ParseError::None;
}

std::int64_t parseContentLength(std::string_view value) {
  // 18 digits keep us below 10^18 < 2^62: no overflow, and far beyond any body we would accept.
  if (value.empty() || value.size() > 18) return -1;
  std::int64_t length = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return -1;
    length = length * 10 + (c - '0');
  }
  return length;
}

bool isChunkedOnly(std::string_view value) { return equalsIgnoreCase(value, "chunked"); }

ParseResult scanHead(std::string_view input, const ParseLimits& limits,
                     ParseError start_line_too_long, HeadCursor& cursor, HeadVisitor& visitor) {
  // Nothing beyond max_header_bytes can belong to an acceptable head, so never look further:
  // this also bounds the work when the caller's buffer holds a large pipelined body.
  const std::string_view window = input.substr(0, std::min(input.size(), limits.max_header_bytes));
  if (cursor.validated > window.size()) cursor = HeadCursor{};  // not the buffer we saw: restart
  // The terminator can start two bytes before the partial line (the previous line's CRLF).
  const std::size_t search_from = cursor.validated >= 2 ? cursor.validated - 2 : 0;
  const std::size_t terminator = window.find("\r\n\r\n", search_from);
  if (terminator != kNpos) {
    HeadCursor whole;
    return walkLines(window.substr(0, terminator + 4), limits, start_line_too_long, whole, visitor,
                     true);
  }
  const ParseResult partial =
      walkLines(window, limits, start_line_too_long, cursor, visitor, false);
  if (partial.status == ParseStatus::NeedMore && input.size() > limits.max_header_bytes) {
    return fail(ParseError::HeadersTooLarge);
  }
  return partial;
}

}  // namespace detail

namespace {

constexpr std::size_t kNpos = std::string_view::npos;
constexpr std::size_t kMaxHostLength = 255;  // RFC 1035 name length, plenty for any literal

std::string toLowerAscii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isHexDigit(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// port = 1*5DIGIT <= 65535. RFC 3986 allows an empty port; we do not, it only invites
// disagreement about which port was meant.
bool isValidPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (const char c : port) {
    if (!isDigit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

// DNS-shaped names and IPv4 literals. RFC 3986 reg-name also allows sub-delims and
// percent-encoding, which no real host name uses and which only help confuse routing and logs.
bool isValidRegName(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostLength) return false;
  for (const char c : host) {
    const bool ok = isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
                    c == '.' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}

// Bracket contents of an IP-literal: hex, ':' and '.' (IPv4-suffixed). No zone IDs, no IPvFuture.
bool isValidIpv6Literal(std::string_view address) {
  if (address.size() < 2 || address.size() > 45) return false;
  if (address.find(':') == kNpos) return false;
  return std::all_of(address.begin(), address.end(),
                     [](char c) { return isHexDigit(c) || c == ':' || c == '.'; });
}

// authority = host [ ":" port ], without userinfo.
bool isValidAuthority(std::string_view authority) {
  if (authority.empty()) return false;
  if (authority[0] == '[') {
    const std::size_t close = authority.find(']');
    if (close == kNpos || !isValidIpv6Literal(authority.substr(1, close - 1))) return false;
    const std::string_view rest = authority.substr(close + 1);
    return rest.empty() || (rest[0] == ':' && isValidPort(rest.substr(1)));
  }
  const std::size_t colon = authority.find(':');
  if (colon == kNpos) return isValidRegName(authority);
  return isValidRegName(authority.substr(0, colon)) && isValidPort(authority.substr(colon + 1));
}

bool startsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         detail::equalsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// "HTTP/" DIGIT "." DIGIT, case-sensitive as RFC 9112 §2.3 requires.
ParseError parseVersion(std::string_view version, HttpProtocol& protocol) {
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !isDigit(version[5]) ||
      version[6] != '.' || !isDigit(version[7])) {
    return ParseError::BadRequestLine;
  }
  if (version[5] == '1' && version[7] == '1') {
    protocol = HttpProtocol::Http11;
  } else if (version[5] == '1' && version[7] == '0') {
    protocol = HttpProtocol::Http10;
  } else if (version[5] == '0') {
    return ParseError::ObsoleteHttpVersion;  // "HTTP/0.9" never had a version token: malformed
  } else {
    return ParseError::UnsupportedHttpVersion;
  }
  return ParseError::None;
}

class RequestBuilder final : public detail::HeadVisitor {
 public:
  explicit RequestBuilder(RequestHead& out) : out_(out) {}

  ParseError startLine(std::string_view line, bool build) override {
    // method SP request-target SP HTTP-version, each separator exactly one SP.
    const std::size_t first_space = line.find(' ');
    if (first_space == kNpos || first_space == 0) return ParseError::BadRequestLine;
    const std::string_view method = line.substr(0, first_space);
    for (const char c : method) {
      if (!detail::isTchar(static_cast<unsigned char>(c))) return ParseError::BadMethod;
    }
    const std::string_view rest = line.substr(first_space + 1);
    const std::size_t second_space = rest.find(' ');
    // "GET /path" with no version is an HTTP/0.9 simple request: such a client cannot read a
    // status line, so the codec closes without one.
    if (second_space == kNpos && !rest.empty() && rest[0] == '/') return ParseError::Http09Request;
    // "GET / " (a trailing space, then nothing) is the same request: nginx and Apache read a
    // request line that ends right after the target's separator as HTTP/0.9 too.
    if (second_space != kNpos && second_space + 1 == rest.size() && rest[0] == '/') {
      return ParseError::Http09Request;
    }
    if (second_space == kNpos || second_space == 0) return ParseError::BadRequestLine;
    const std::string_view target = rest.substr(0, second_space);
    const std::string_view version = rest.substr(second_space + 1);
    if (version.find(' ') != kNpos) return ParseError::BadRequestLine;
    HttpProtocol protocol = HttpProtocol::Http11;
    if (const ParseError error = parseVersion(version, protocol); error != ParseError::None) {
      return error;
    }
    // A reverse proxy never tunnels; refusing CONNECT also rules out authority-form.
    if (method == "CONNECT") {
      // A well-formed tunnel request ("host:port") is refused as a method we do not offer (405);
      // anything else is a malformed request target (400).
      const std::size_t colon = target.rfind(':');
      const bool authority_form = colon != kNpos && colon > 0 && colon + 1 < target.size() &&
                                  target.find('/') == kNpos &&
                                  target.find_first_not_of("0123456789", colon + 1) == kNpos;
      return authority_form ? ParseError::ConnectNotSupported : ParseError::BadRequestTarget;
    }
    for (const char c : target) {
      if (c < 0x21 || c > 0x7e || c == '#') return ParseError::BadRequestTarget;
    }

    std::string_view path;
    std::string_view scheme;
    std::string_view authority;
    if (target[0] == '/') {
      path = target;
    } else if (target == "*") {
      if (method != "OPTIONS") return ParseError::BadRequestTarget;
      path = target;
    } else if (startsWithIgnoreCase(target, "http://") ||
               startsWithIgnoreCase(target, "https://")) {
      const std::size_t scheme_end = target.find(':');
      scheme = target.substr(0, scheme_end);
      const std::string_view after_scheme = target.substr(scheme_end + 3);
      const std::size_t authority_end = after_scheme.find_first_of("/?");
      authority = after_scheme.substr(0, authority_end);
      if (!isValidAuthority(authority)) return ParseError::BadRequestTarget;
      if (authority_end != kNpos) path = after_scheme.substr(authority_end);
    } else {
      return ParseError::BadRequestTarget;
    }
    if (!build) return ParseError::None;

    out_ = RequestHead{};
    out_.method.assign(method);
    out_.protocol = protocol;
    if (scheme.empty()) {
      out_.target.assign(path);
    } else {
      out_.absolute_form = true;
      out_.scheme = toLowerAscii(scheme);
      out_.absolute_authority.assign(authority);
      // "http://h" and "http://h?q" have an empty path, which origin-form spells "/".
      if (path.empty() || path[0] == '?') out_.target.push_back('/');
      out_.target.append(path);
    }
    return ParseError::None;
  }

  ParseError startLinePrefix(std::string_view partial) override {
    // Whatever follows, the method must be a token: reject binary garbage (TLS to a plaintext
    // port, a probe) now instead of buffering it up to the line limit.
    if (!partial.empty() && partial[0] == ' ') return ParseError::BadRequestLine;
    const std::string_view method = partial.substr(0, partial.find(' '));
    for (const char c : method) {
      if (!detail::isTchar(static_cast<unsigned char>(c))) return ParseError::BadMethod;
    }
    return ParseError::None;
  }

  ParseError field(std::string_view name, std::string_view value) override {
    std::string lower = toLowerAscii(name);
    if (lower == "content-length") {
      // Even equal duplicates are refused: some peers take the first, some the list.
      if (++content_length_count_ > 1) return ParseError::DuplicateContentLength;
      out_.content_length = detail::parseContentLength(value);
      if (out_.content_length < 0) return ParseError::BadContentLength;
    } else if (lower == "transfer-encoding") {
      if (++transfer_encoding_count_ > 1 || !detail::isChunkedOnly(value)) {
        return ParseError::UnsupportedTransferEncoding;
      }
    } else if (lower == "host") {
      if (++host_count_ > 1) return ParseError::DuplicateHost;
      if (!isValidAuthority(value)) return ParseError::BadHost;
      out_.authority.assign(value);
    } else if (lower == "expect") {
      if (!detail::equalsIgnoreCase(value, "100-continue")) return ParseError::ExpectationFailed;
      expect_continue_seen_ = true;
    }
    out_.headers.add(std::move(lower), std::string(value));
    return ParseError::None;
  }

  // Checks that need the whole head, then settles the body framing (RFC 9112 §6.3).
  ParseError finish() {
    const bool http10 = out_.protocol == HttpProtocol::Http10;
    if (transfer_encoding_count_ > 0 && content_length_count_ > 0) {
      return ParseError::ContentLengthAndTransferEncoding;
    }
    // An HTTP/1.0 recipient cannot be relied on to understand chunked (§6.1).
    if (transfer_encoding_count_ > 0 && http10) return ParseError::TransferEncodingInHttp10;
    if (host_count_ == 0 && !http10) return ParseError::MissingHost;
    if (out_.absolute_form) {
      // Origin servers use the target's authority, proxies and logs may use Host: if they differ
      // the two can route the same request to different places.
      if (host_count_ == 0) {
        out_.authority = out_.absolute_authority;
      } else if (!detail::equalsIgnoreCase(out_.authority, out_.absolute_authority)) {
        return ParseError::HostMismatch;
      }
    }
    if (transfer_encoding_count_ > 0) {
      out_.chunked = true;
      out_.content_length = -1;
      out_.has_body = true;
    } else {
      if (content_length_count_ == 0) out_.content_length = 0;  // §6.3 rule 7: no body
      out_.chunked = false;
      out_.has_body = out_.content_length > 0;
    }
    // RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored.
    out_.expect_continue = expect_continue_seen_ && !http10;
    return ParseError::None;
  }

 private:
  RequestHead& out_;
  std::size_t content_length_count_ = 0;
  std::size_t transfer_encoding_count_ = 0;
  std::size_t host_count_ = 0;
  bool expect_continue_seen_ = false;
};

}  // namespace

ParseResult parseRequestHead(std::string_view input, const ParseLimits& limits, RequestHead& out,
                             HeadCursor& cursor) {
  RequestBuilder builder(out);
  const ParseResult scanned =
      detail::scanHead(input, limits, ParseError::RequestLineTooLong, cursor, builder);
  if (scanned.status != ParseStatus::Complete) return scanned;
  if (const ParseError error = builder.finish(); error != ParseError::None) {
    return {ParseStatus::Error, error, 0};
  }
  return scanned;
}

ParseResult parseRequestHead(std::string_view input, const ParseLimits& limits, RequestHead& out) {
  HeadCursor cursor;
  return parseRequestHead(input, limits, out, cursor);
}

}  // namespace rampart::http1
