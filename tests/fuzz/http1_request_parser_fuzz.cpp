// libFuzzer target for the downstream HTTP/1.1 codec: the request-head parser and, when the head
// announces chunked, the chunked decoder on the bytes after it. Besides "no crash, no hang" it
// checks the properties the codec promises, so logic bugs abort too:
//   - feeding the head in two pieces (with and without a HeadCursor) never completes earlier,
//     never un-fails, and ends with the same answer as parsing it whole;
//   - the chunked decoder gives the same verdict and payload however the body is split.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proxy/http1/chunked_decoder.h"
#include "proxy/http1/request_parser.h"

namespace {

using rampart::RequestHead;
using rampart::http1::ChunkedDecoder;
using rampart::http1::HeadCursor;
using rampart::http1::ParseLimits;
using rampart::http1::ParseResult;
using rampart::http1::ParseStatus;

void check(bool ok) {
  if (!ok) std::abort();
}

bool sameResult(const ParseResult& a, const ParseResult& b) {
  return a.status == b.status && a.error == b.error && a.consumed == b.consumed;
}

struct Decoded {
  ChunkedDecoder::Status status = ChunkedDecoder::Status::NeedMore;
  rampart::http1::ParseError error = rampart::http1::ParseError::None;
  std::size_t consumed = 0;
  std::string payload;
};

// Feeds `body` in pieces of `piece` bytes until Done, Error or the end of the input. Every
// NeedMore must have consumed the whole piece, otherwise the caller would loop forever.
Decoded decode(std::string_view body, std::size_t piece, const ChunkedDecoder::Limits& limits) {
  ChunkedDecoder decoder(limits);
  Decoded d;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::string_view chunk = body.substr(pos, piece);
    const ChunkedDecoder::Step step = decoder.feed(chunk, d.payload);
    check(step.consumed <= chunk.size());
    d.status = step.status;
    d.error = step.error;
    d.consumed += step.consumed;
    if (step.status != ChunkedDecoder::Status::NeedMore) break;
    check(step.consumed == chunk.size());
    pos += chunk.size();
  }
  check(decoder.payloadBytes() == d.payload.size());
  check(d.payload.size() <= body.size());
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // Small limits half the time so the limit paths are reachable with small inputs.
  ParseLimits limits;
  ChunkedDecoder::Limits chunk_limits;
  if (size > 0 && (data[0] & 1) != 0) {
    limits.max_request_line = 64;
    limits.max_header_bytes = 256;
    limits.max_header_count = 8;
    chunk_limits.max_chunk_line = 32;
    chunk_limits.max_trailer_bytes = 64;
  }

  RequestHead head;
  const ParseResult whole = rampart::http1::parseRequestHead(input, limits, head);
  check(whole.status != ParseStatus::Complete || (whole.consumed >= 4 && whole.consumed <= size));
  check((whole.status == ParseStatus::Error) == (whole.error != rampart::http1::ParseError::None));

  // Same bytes in two pieces: the prefix may not complete or fail where the whole does not.
  const std::size_t split = size == 0 ? 0 : data[size / 2] % (size + 1);
  HeadCursor cursor;
  RequestHead partial_head;
  const ParseResult first =
      rampart::http1::parseRequestHead(input.substr(0, split), limits, partial_head, cursor);
  if (first.status == ParseStatus::Complete) {
    check(whole.status == ParseStatus::Complete && whole.consumed == first.consumed);
  } else if (first.status == ParseStatus::Error) {
    check(whole.status == ParseStatus::Error);
  } else {
    RequestHead resumed_head;
    const ParseResult resumed =
        rampart::http1::parseRequestHead(input, limits, resumed_head, cursor);
    check(sameResult(resumed, whole));
    if (whole.status == ParseStatus::Complete) {
      check(resumed_head.target == head.target &&
            resumed_head.headers.size() == head.headers.size() &&
            resumed_head.content_length == head.content_length);
    }
  }

  if (whole.status != ParseStatus::Complete) return 0;
  check(!head.method.empty() && !head.target.empty());
  check(head.has_body == (head.chunked || head.content_length > 0));
  if (!head.chunked) return 0;

  const std::string_view body = input.substr(whole.consumed);
  const Decoded at_once = decode(body, body.size() + 1, chunk_limits);
  const std::size_t piece = 1 + (size > 0 ? data[size - 1] % 7 : 0);
  const Decoded in_pieces = decode(body, piece, chunk_limits);
  check(at_once.status == in_pieces.status && at_once.error == in_pieces.error);
  if (at_once.status != ChunkedDecoder::Status::Error) {
    check(at_once.payload == in_pieces.payload && at_once.consumed == in_pieces.consumed);
  }
  return 0;
}
