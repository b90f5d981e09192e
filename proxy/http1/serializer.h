// Writes HTTP/1.1 heads and chunked framing. Appends to a caller-owned buffer so a connection can
// reuse one output string for its whole life. The serializer trusts its input: heads from our
// parsers are already validated, and anything a stage adds must be checked where it is added
// (no CR, LF or NUL in names and values), since a stray CRLF here is a response-splitting bug.
#pragma once

#include <string>
#include <string_view>

#include "proxy/api/headers.h"

namespace rampart::http1 {

// "METHOD target HTTP/1.1\r\n", then every header as "name: value\r\n" in order, then "\r\n".
// The version is always HTTP/1.1 towards upstreams; head.target must be origin-form (or "*").
// Framing headers are written as they are in head.headers: fixing them is the caller's job.
void appendRequestHead(std::string& out, const RequestHead& head);

// "HTTP/1.1 <status> <reason>\r\n", the headers in order, "\r\n". An empty `reason` is replaced
// by defaultReasonPhrase(status). `status` must be 100..999.
void appendResponseHead(std::string& out, int status, std::string_view reason,
                        const HeaderList& headers);

// The RFC 9110 reason phrase for `status` ("Not Found"), or "" when there is none.
std::string_view defaultReasonPhrase(int status);

// One chunk: hex size, CRLF, data, CRLF. Empty data writes nothing, since a zero-size chunk
// would end the body.
void appendChunk(std::string& out, std::string_view data);

// The last chunk and an empty trailer section: "0\r\n\r\n".
void appendLastChunk(std::string& out);

}  // namespace rampart::http1
