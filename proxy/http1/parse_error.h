// Why the HTTP/1.1 codec rejected a message. One value per distinct rejection so the access log
// and the per-reason counters say exactly which rule fired (Envoy's RcDetails). The codec is the
// outermost hop of a DMZ: every ambiguity a smuggling attack could exploit has its own value.
#pragma once

#include <cstdint>
#include <string_view>

namespace rampart::http1 {

enum class ParseError : std::uint8_t {
  None,  // no error

  // ---- limits (checked while bytes are still arriving, not only once the head is complete)
  RequestLineTooLong,  // request line longer than ParseLimits::max_request_line (414)
  StatusLineTooLong,   // upstream status line longer than ParseLimits::max_request_line
  HeadersTooLarge,     // whole head longer than ParseLimits::max_header_bytes (431)
  TooManyHeaders,      // more field lines than ParseLimits::max_header_count (431)

  // ---- start line
  BadRequestLine,          // not exactly `method SP target SP version` (extra/missing spaces...)
  BadMethod,               // method is not a token, or is CONNECT (we are a reverse proxy)
  BadRequestTarget,        // target has bytes outside 0x21-0x7E, '#', or a form not allowed
  UnsupportedHttpVersion,
  ObsoleteHttpVersion,     // HTTP/0.x with a version token: malformed (400, as Apache and nginx)
  Http09Request,           // request line without a version (HTTP/0.9): closed without a reply
  ConnectNotSupported,     // CONNECT: a reverse proxy never tunnels (405)  // well-formed HTTP/x.y other than HTTP/1.0 and HTTP/1.1 (505)
  BadStatusLine,           // upstream status line not `HTTP/1.x SP 3DIGIT [SP reason]`
  UpgradeNotSupported,     // upstream answered 101 Switching Protocols; we never asked for it

  // ---- field lines (headers and chunked trailers)
  BadHeaderName,   // empty name, non-token byte in the name (incl. SP/HTAB before ':'), no ':'
  BadHeaderValue,  // control byte other than HTAB (or DEL) in a field value
  ObsFold,         // line starting with SP/HTAB: obsolete line folding, RFC 9112 §5.2
  BareCr,          // CR not followed by LF anywhere in the head / chunk line / trailers
  BareLf,          // LF not preceded by CR: lines must end with CRLF only
  NulByte,         // NUL byte in a field name or value

  // ---- message framing (RFC 9112 §6); the core of request-smuggling defence
  ContentLengthAndTransferEncoding,  // both present: the classic CL.TE / TE.CL desync
  DuplicateContentLength,            // more than one Content-Length line, even if equal
  BadContentLength,                  // not 1*DIGIT, or too large (>= 10^18)
  UnsupportedTransferEncoding,       // TE other than exactly one "chunked" coding (501)
  TransferEncodingInHttp10,          // TE in an HTTP/1.0 message: framing is faulty, §6.1

  // ---- request semantics
  MissingHost,        // HTTP/1.1 request without Host
  DuplicateHost,      // more than one Host line
  BadHost,            // Host (or absolute-form authority) is not a valid authority
  HostMismatch,       // absolute-form authority differs from the Host header
  ExpectationFailed,  // Expect other than 100-continue (417)

  // ---- chunked transfer coding
  BadChunkSize,           // chunk-size not 1*16HEXDIG, or absurdly large (>= 2^62)
  BadChunkExtension,      // chunk-ext not `;token[=token|quoted-string]` (no BWS accepted)
  ChunkExtensionTooLong,  // chunk-size line (size + extensions) longer than max_chunk_line
  BadChunkTerminator,     // chunk data not followed by exactly CRLF
  TrailersTooLarge,       // trailer section longer than max_trailer_bytes
};

// Static snake_case reason for logs and counters, e.g. "bare_lf". Never empty.
std::string_view reasonOf(ParseError error);

// The local-reply status for a downstream (request) error: 400 for most, 414 request line too
// long, 431 header limits, 505 version, 501 transfer coding, 417 expectation. Errors that can only
// come from an upstream response map to 502; for the shared ones the response path's caller
// replies 502 itself rather than asking this function.
std::uint16_t statusOf(ParseError error);

}  // namespace rampart::http1
