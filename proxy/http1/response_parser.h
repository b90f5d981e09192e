// Strict HTTP/1.1 response-head parser for what upstreams send back. Same field-line rules and
// limits as requests (bare LF, obs-fold, NUL... all rejected): a backend that can be tricked into
// emitting an ambiguous response must not desynchronise our connection pool.
#pragma once

#include <string_view>

#include "proxy/api/headers.h"
#include "proxy/http1/parse_error.h"
#include "proxy/http1/request_parser.h"

namespace rampart::http1 {

// Parses one response head at the start of `input`; `request_method` is the method of the request
// it answers (a HEAD response never has a body). On Complete `out` is replaced: status, reason,
// headers (names lower-cased) and the framing (RFC 9112 §6.3):
//   1xx / 204 / 304 / HEAD      -> has_body=false, content_length=0
//   Transfer-Encoding: chunked  -> chunked=true, content_length=-1
//   Content-Length: n           -> content_length=n, has_body = n > 0
//   neither                     -> read until the upstream closes: content_length=-1, has_body
// Errors: CL together with TE, any TE other than exactly "chunked" (even the legal
// "gzip, chunked": we cannot re-frame it), TE on HTTP/1.0, and 101 (we never offer an upgrade).
// Interim responses (isInterim) come back Complete: the caller skips them and parses again.
// The caller replies 502 on any Error here. `out` is unspecified after NeedMore or Error.
ParseResult parseResponseHead(std::string_view input, const ParseLimits& limits,
                              std::string_view request_method, ResponseHead& out);
ParseResult parseResponseHead(std::string_view input, const ParseLimits& limits,
                              std::string_view request_method, ResponseHead& out,
                              HeadCursor& cursor);

// 1xx: an interim response, followed by the final one on the same connection.
bool isInterim(int status);

}  // namespace rampart::http1
