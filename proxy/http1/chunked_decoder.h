// Incremental decoder for the HTTP/1.1 chunked transfer coding (RFC 9112 §7.1). Strict: CRLF only,
// no whitespace around chunk extensions, bounded size lines and trailers. It keeps at most one
// size or trailer line (bounded by the limits) between calls and never copies payload twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/http1/parse_error.h"

namespace rampart::http1 {

class ChunkedDecoder {
 public:
  struct Limits {
    std::size_t max_chunk_line = 4096;     // chunk-size + extensions, CRLF excluded
    std::size_t max_trailer_bytes = 8192;  // whole trailer section incl. every CRLF
  };

  enum class Status : std::uint8_t {
    NeedMore,  // everything given was consumed; feed the next bytes when they arrive
    Done,      // last chunk and trailers read; bytes after `consumed` belong to the next message
    Error,     // the body is malformed: close the connection; every later feed() repeats it
  };

  struct Step {
    Status status;
    ParseError error;      // None unless status == Error
    std::size_t consumed;  // bytes of `in` used; all of them on NeedMore
  };

  ChunkedDecoder();
  explicit ChunkedDecoder(const Limits& limits);

  // Consumes bytes from `in` and appends the decoded payload (payload bytes only, never sizes,
  // extensions or trailers, which are validated and discarded) to `out`.
  Step feed(std::string_view in, std::string& out);

  // Payload bytes decoded so far.
  std::uint64_t payloadBytes() const { return payload_bytes_; }

 private:
  enum class State : std::uint8_t {
    SizeLine,     // reading "hex[;ext]" CRLF
    Data,         // copying chunk_remaining_ payload bytes
    DataCr,       // expecting the CR after chunk data
    DataLf,       // expecting the LF after chunk data
    TrailerLine,  // reading a trailer field line, or the final empty line
    Done,
    Failed,
  };
  enum class LineStatus : std::uint8_t { Complete, NeedMore, Error };

  // Collects one CRLF-terminated line starting at in[pos]; `line` is its content without CRLF
  // (valid until partial_line_ is cleared). A line that cannot fit in `max_raw` bytes counting
  // its CRLF fails with `too_long` as soon as that is certain. Advances `pos` past what it used;
  // on Error the reason is in `error`.
  LineStatus readLine(std::string_view in, std::size_t& pos, std::size_t max_raw,
                      ParseError too_long, std::string_view& line, ParseError& error);
  ParseError onSizeLine(std::string_view line);
  ParseError onTrailerLine(std::string_view line, bool& last);
  Step fail(ParseError error, std::size_t consumed);

  Limits limits_;
  State state_ = State::SizeLine;
  ParseError error_ = ParseError::None;
  std::uint64_t chunk_remaining_ = 0;
  std::uint64_t payload_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;  // completed trailer lines so far, CRLFs included
  std::string partial_line_;       // a size/trailer line split across feeds (bounded by the limits)
};

}  // namespace rampart::http1
