#include "proxy/http1/serializer.h"

#include <array>
#include <charconv>

namespace rampart::http1 {
namespace {

void appendHeaders(std::string& out, const HeaderList& headers) {
  for (const HeaderField& field : headers) {
    out.append(field.name);
    out.append(": ");
    out.append(field.value);
    out.append("\r\n");
  }
  out.append("\r\n");
}

std::size_t headBytes(const HeaderList& headers) {
  // name + ": " + value + CRLF per field; HeaderList::bytes() already sums names and values.
  return headers.bytes() + headers.size() * 4 + 2;
}

}  // namespace

void appendRequestHead(std::string& out, const RequestHead& head) {
  out.reserve(out.size() + head.method.size() + head.target.size() + 12 + headBytes(head.headers));
  out.append(head.method);
  out.push_back(' ');
  out.append(head.target);
  out.append(" HTTP/1.1\r\n");
  appendHeaders(out, head.headers);
}

void appendResponseHead(std::string& out, int status, std::string_view reason,
                        const HeaderList& headers) {
  if (reason.empty()) reason = defaultReasonPhrase(status);
  out.reserve(out.size() + reason.size() + 16 + headBytes(headers));
  out.append("HTTP/1.1 ");
  std::array<char, 12> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), status);
  (void)ec;  // cannot fail: 12 bytes hold any int
  out.append(digits.data(), end);
  out.push_back(' ');
  out.append(reason);
  out.append("\r\n");
  appendHeaders(out, headers);
}

std::string_view defaultReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    case 511:
      return "Network Authentication Required";
    default:
      return "";
  }
}

void appendChunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  std::array<char, 16> size{};
  const auto [end, ec] = std::to_chars(size.data(), size.data() + size.size(), data.size(), 16);
  (void)ec;  // cannot fail: 16 hex digits hold any size_t
  out.reserve(out.size() + static_cast<std::size_t>(end - size.data()) + data.size() + 4);
  out.append(size.data(), end);
  out.append("\r\n");
  out.append(data);
  out.append("\r\n");
}

void appendLastChunk(std::string& out) { out.append("0\r\n\r\n"); }

}  // namespace rampart::http1
