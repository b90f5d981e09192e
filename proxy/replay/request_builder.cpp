#include "proxy/replay/request_builder.h"

#include <cctype>
#include <optional>

namespace rampart::replay {
namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

const std::string* findHeader(const HttpInput& in, std::string_view name) {
  for (const auto& [k, v] : in.headers) {
    if (equalsIgnoreCase(k, name)) return &v;
  }
  return nullptr;
}

bool isUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

void appendPercent(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xF]);
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lfToCrlf(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 16);
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) out.push_back('\r');
    out.push_back(data[i]);
  }
  return out;
}

// Where the marker goes in a raw request: after the first line if it looks like
// "METHOD TARGET HTTP/1.x" and ends in CRLF or LF.
std::optional<std::size_t> markerInsertPoint(std::string_view raw, std::string_view& line_end) {
  const std::size_t lf = raw.find('\n');
  if (lf == std::string_view::npos || lf == 0) return std::nullopt;
  const bool crlf = raw[lf - 1] == '\r';
  std::string_view line = raw.substr(0, crlf ? lf - 1 : lf);
  if (line.find('\r') != std::string_view::npos) return std::nullopt;
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == 0 || sp2 == sp1) return std::nullopt;
  if (line.substr(sp2 + 1).substr(0, 7) != "HTTP/1.") return std::nullopt;
  // a request with no header section at all (line end directly followed by EOF) stays as it is
  if (lf + 1 >= raw.size()) return std::nullopt;
  line_end = crlf ? "\r\n" : "\n";
  return lf + 1;
}

}  // namespace

std::string queryEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (isUnreserved(c)) {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      appendPercent(out, c);
    }
  }
  return out;
}

std::string pathEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (isUnreserved(c) || c == '/') {
      out.push_back(ch);
    } else {
      appendPercent(out, c);
    }
  }
  return out;
}

bool queryUnescape(std::string_view s, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return false;
      const int hi = hexValue(s[i + 1]);
      const int lo = hexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return true;
}

std::string encodeFormData(std::string_view data) {
  std::string unescaped;
  const bool ok = queryUnescape(data, unescaped);
  // go-ftw: only data that unescaping leaves unchanged is encoded (it is "not encoded yet").
  if (!ok || unescaped != data) return std::string(data);
  std::string out;
  std::string_view rest = data;
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    std::string_view token = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const std::size_t eq = token.find('=');
    if (eq == std::string_view::npos) {
      out += queryEscape(token);
    } else {
      out += queryEscape(token.substr(0, eq));
      out += '=';
      out += queryEscape(token.substr(eq + 1));
    }
    out += '&';
  }
  if (!out.empty()) out.pop_back();
  return out;
}

BuiltRequest buildRequest(const HttpInput& in, std::string_view marker) {
  BuiltRequest built;
  if (in.raw) {
    std::string_view line_end;
    const std::string& raw = *in.raw;
    const auto at = markerInsertPoint(raw, line_end);
    std::string_view method = std::string_view(raw).substr(0, raw.find(' '));
    built.head_request = method == "HEAD";
    if (at && !marker.empty()) {
      built.bytes.reserve(raw.size() + 64);
      built.bytes.append(raw, 0, *at);
      built.bytes.append(kMarkerHeader).append(": ").append(marker).append(line_end);
      built.bytes.append(raw, *at, std::string::npos);
      built.marker_sent = true;
    } else {
      built.bytes = raw;
    }
    return built;
  }

  built.head_request = in.method == "HEAD";
  std::vector<std::pair<std::string, std::string>> extra;
  std::string body = in.data;
  if (in.autocomplete_headers) {
    const std::string* ctype = findHeader(in, "Content-Type");
    std::string content_type = ctype ? *ctype : std::string();
    if (!body.empty() && ctype == nullptr) {
      content_type = "application/x-www-form-urlencoded";
      extra.emplace_back("Content-Type", content_type);
    }
    if (!body.empty() && content_type == "application/x-www-form-urlencoded") {
      body = encodeFormData(body);
    }
    if (content_type.rfind("multipart/form-data;", 0) == 0) body = lfToCrlf(body);
    if (findHeader(in, "Connection") == nullptr) extra.emplace_back("Connection", "close");
    // As go-ftw: Content-Length only for a body. An empty POST goes without one, which is what
    // tests such as 920180 (POST without Content-Length) send on purpose.
    if (findHeader(in, "Content-Length") == nullptr && !body.empty()) {
      extra.emplace_back("Content-Length", std::to_string(body.size()));
    }
  }

  std::string& out = built.bytes;
  out.reserve(256 + body.size());
  out.append(in.method).append(" ").append(in.uri).append(" ").append(in.version).append("\r\n");
  for (const auto& [k, v] : in.headers) out.append(k).append(": ").append(v).append("\r\n");
  for (const auto& [k, v] : extra) out.append(k).append(": ").append(v).append("\r\n");
  if (!marker.empty()) {
    out.append(kMarkerHeader).append(": ").append(marker).append("\r\n");
    built.marker_sent = true;
  }
  out.append("\r\n");
  out.append(body);
  return built;
}

}  // namespace rampart::replay
