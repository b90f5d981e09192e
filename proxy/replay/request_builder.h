// Turns a test's HttpInput into the exact bytes sent on the wire, as go-ftw does, plus the
// replay marker header. Also the URL encoding helpers the payload places use.
//
// Autocompletion (autocomplete_headers true, i.e. no stop_magic), following go-ftw:
//   - a body without Content-Type gets `Content-Type: application/x-www-form-urlencoded`;
//   - a form body that is not already URL-encoded (unescaping changes nothing) gets each
//     key and value query-escaped, '=' and '&' kept;
//   - a multipart/form-data body gets bare LF line ends turned into CRLF;
//   - `Connection: close` unless a Connection header is present;
//   - `Content-Length: <body bytes>` unless present, when there is a body or the method is
//     POST, PUT, PATCH or DELETE.
// Header names are compared case-insensitively (go-ftw compares them exactly).
#pragma once

#include <string>
#include <string_view>

#include "proxy/replay/test_case.h"

namespace rampart::replay {

inline constexpr std::string_view kMarkerHeader = "X-Rampart-Replay-Id";

struct BuiltRequest {
  std::string bytes;
  bool marker_sent = false;    // false: a raw request the marker could not be put into
  bool head_request = false;   // the response to a HEAD has no body
};

// `marker` is a fresh id (uuid). Structured requests get `X-Rampart-Replay-Id: <marker>` after
// the test's own headers. Raw requests get it right after the request line when that line is
// an HTTP/1.x request line ending in CRLF or LF (the same line end is used, so the message
// keeps its framing and its deliberate flaws); otherwise nothing is injected.
BuiltRequest buildRequest(const HttpInput& in, std::string_view marker);

// Go's url.QueryEscape: unreserved bytes kept, ' ' -> '+', everything else %XX (upper case).
std::string queryEscape(std::string_view s);
// Path-segment escaping: like queryEscape but ' ' -> %20 and '/' kept.
std::string pathEscape(std::string_view s);
// Go's url.QueryUnescape; false when a '%' is not followed by two hex digits.
bool queryUnescape(std::string_view s, std::string& out);
// go-ftw's encodeDataParameters for application/x-www-form-urlencoded bodies.
std::string encodeFormData(std::string_view data);

}  // namespace rampart::replay
