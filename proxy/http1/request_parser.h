// Strict, incremental HTTP/1.1 request-head parser (RFC 9112) for the outermost hop of a DMZ.
// Anything two implementations could read differently is rejected, never repaired: that is the
// whole defence against request smuggling. The parser is stateless; the caller keeps the bytes
// and calls again when more arrive. Limits are enforced on the partial head too, so a client
// that never sends CRLFCRLF is cut off as soon as it passes a limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/api/headers.h"
#include "proxy/http1/parse_error.h"

namespace rampart::http1 {

struct ParseLimits {
  std::size_t max_request_line = 8192;   // start-line bytes, CRLF excluded (414 when over)
  std::size_t max_header_bytes = 32768;  // whole head incl. start line and final CRLFCRLF (431)
  std::size_t max_header_count = 100;    // field lines (431)
};

enum class ParseStatus : std::uint8_t {
  Complete,  // the head is parsed; `consumed` bytes belong to it, the body (if any) follows
  NeedMore,  // no error so far; call again with the same bytes plus whatever arrives next
  Error,     // reject with statusOf(error) and close: the framing can no longer be trusted
};

struct ParseResult {
  ParseStatus status;
  ParseError error = ParseError::None;
  std::size_t consumed = 0;  // Complete only: head length including the final CRLFCRLF
};

// Remembers how much of an incomplete head was already validated, so calling again costs only
// the new bytes. Without it, a client trickling a 32 KiB head one byte per packet would make us
// rescan it 32K times. Start every head with a fresh cursor; pass the same buffer, only grown.
struct HeadCursor {
  std::size_t validated = 0;  // bytes of whole lines already checked (start of the partial line)
  std::size_t fields = 0;     // field lines among them
};

// Parses one request head at the start of `input`. On Complete `out` is replaced: method, target,
// protocol, headers (names lower-cased, values OWS-trimmed, order and duplicates kept), authority
// (from Host; from the target for an HTTP/1.0 absolute-form request without Host), scheme (only
// for absolute-form; origin-form leaves it empty for the caller to fill from the listener),
// absolute_form + absolute_authority ("http://h:1/p?q" -> target "/p?q"), and the framing:
// content_length (0 when no body, -1 when chunked), chunked, has_body, expect_continue.
// `out` is unspecified after NeedMore or Error.
//
// CONNECT is rejected as BadMethod: a reverse proxy has no business opening tunnels, so
// authority-form never parses. asterisk-form ("*") is accepted for OPTIONS only.
ParseResult parseRequestHead(std::string_view input, const ParseLimits& limits, RequestHead& out);
// Same, resuming the partial-head validation where the previous call on this buffer stopped.
ParseResult parseRequestHead(std::string_view input, const ParseLimits& limits, RequestHead& out,
                             HeadCursor& cursor);

// Building blocks shared with the response parser and the chunked decoder's trailers. Not part of
// the stable API.
namespace detail {

// RFC 9110 tchar: the bytes allowed in a method or field name.
bool isTchar(unsigned char c);

// Validates one field line (its CRLF already stripped, known to hold no CR or LF) and returns
// the name as sent and the value with leading/trailing SP/HTAB removed.
ParseError parseFieldLine(std::string_view line, std::string_view& name, std::string_view& value);

// Content-Length value: 1*DIGIT, nothing else, below 10^18. Returns -1 when invalid.
std::int64_t parseContentLength(std::string_view value);

// The Transfer-Encoding value we accept: exactly "chunked", case-insensitive.
bool isChunkedOnly(std::string_view value);

bool equalsIgnoreCase(std::string_view a, std::string_view b);

// Receives the lines of a head as the scanner validates them.
class HeadVisitor {
 public:
  // Complete start line without its CRLF. `build` is false while the head is still partial: only
  // validate then, do not allocate.
  virtual ParseError startLine(std::string_view line, bool build) = 0;
  // Partial start line (no LF yet): reject early what can already be rejected (e.g. a TLS
  // ClientHello sent to a plaintext port) instead of waiting for a limit.
  virtual ParseError startLinePrefix(std::string_view partial) = 0;
  // One syntactically valid field line; only called when the whole head is present.
  virtual ParseError field(std::string_view name, std::string_view value) = 0;
  virtual ~HeadVisitor() = default;
};

// Finds, validates and walks one head. `start_line_too_long` is the error for an over-long start
// line (request vs status line). Fields are only delivered once the head is complete.
ParseResult scanHead(std::string_view input, const ParseLimits& limits,
                     ParseError start_line_too_long, HeadCursor& cursor, HeadVisitor& visitor);

}  // namespace detail
}  // namespace rampart::http1
