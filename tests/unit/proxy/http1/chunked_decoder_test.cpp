#include "proxy/http1/chunked_decoder.h"

#include "tests/unit/proxy/http1/parse_error_printer.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>


namespace rampart::http1 {
namespace {

using namespace std::string_literals;
using Status = ChunkedDecoder::Status;

struct Outcome {
  Status status;
  ParseError error;
  std::size_t consumed;  // total over all feeds
  std::string payload;
};

Outcome decodeWhole(std::string_view input, const ChunkedDecoder::Limits& limits = {}) {
  ChunkedDecoder decoder(limits);
  Outcome o{};
  const ChunkedDecoder::Step step = decoder.feed(input, o.payload);
  o.status = step.status;
  o.error = step.error;
  o.consumed = step.consumed;
  REQUIRE(decoder.payloadBytes() == o.payload.size());
  return o;
}

// Feeds `input` in pieces of `piece` bytes, stopping at Done or Error like a connection would.
Outcome decodeInPieces(std::string_view input, std::size_t piece,
                       const ChunkedDecoder::Limits& limits = {}) {
  ChunkedDecoder decoder(limits);
  Outcome o{Status::NeedMore, ParseError::None, 0, {}};
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::string_view chunk = input.substr(pos, piece);
    const ChunkedDecoder::Step step = decoder.feed(chunk, o.payload);
    REQUIRE(step.consumed <= chunk.size());
    o.status = step.status;
    o.error = step.error;
    o.consumed += step.consumed;
    if (step.status != Status::NeedMore) break;
    REQUIRE(step.consumed == chunk.size());
    pos += chunk.size();
  }
  REQUIRE(decoder.payloadBytes() == o.payload.size());
  return o;
}

// Splits `input` into two feeds at every possible point.
Outcome decodeSplitAt(std::string_view input, std::size_t split,
                      const ChunkedDecoder::Limits& limits = {}) {
  ChunkedDecoder decoder(limits);
  Outcome o{Status::NeedMore, ParseError::None, 0, {}};
  ChunkedDecoder::Step step = decoder.feed(input.substr(0, split), o.payload);
  o.consumed = step.consumed;
  if (step.status == Status::NeedMore) {
    step = decoder.feed(input.substr(split), o.payload);
    o.consumed += step.consumed;
  }
  o.status = step.status;
  o.error = step.error;
  return o;
}

void requireSame(const Outcome& a, const Outcome& b) {
  REQUIRE(a.status == b.status);
  REQUIRE(a.error == b.error);
  if (a.status != Status::Error) REQUIRE(a.consumed == b.consumed);
  if (a.status == Status::Done) REQUIRE(a.payload == b.payload);
}

TEST_CASE("decodes a chunked body", "[http1][chunked]") {
  const std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  const Outcome o = decodeWhole(body + "GET / HTTP/1.1\r\n");
  CHECK(o.status == Status::Done);
  CHECK(o.error == ParseError::None);
  CHECK(o.payload == "hello world");
  CHECK(o.consumed == body.size());
}

TEST_CASE("extensions, trailers, upper-case hex and leading zeros", "[http1][chunked]") {
  const std::string body =
      "A;name=value;flag;q=\"a \\\"b\\\" ;c\"\r\n0123456789\r\n"
      "000000000000000a\r\nabcdefghij\r\n"
      "0;last\r\nX-Checksum: abc\r\nX-Other:\tdef \r\n\r\n";
  const Outcome o = decodeWhole(body);
  CHECK(o.status == Status::Done);
  CHECK(o.payload == "0123456789abcdefghij");
  CHECK(o.consumed == body.size());
}

TEST_CASE("large chunk spanning many feeds", "[http1][chunked]") {
  const std::string data(100000, 'x');
  const std::string body = "186a0\r\n" + data + "\r\n0\r\n\r\n";
  const Outcome o = decodeInPieces(body, 1000);
  CHECK(o.status == Status::Done);
  CHECK(o.payload == data);
}

TEST_CASE("Done and Error are sticky", "[http1][chunked]") {
  ChunkedDecoder decoder;
  std::string out;
  REQUIRE(decoder.feed("0\r\n\r\n", out).status == Status::Done);
  const ChunkedDecoder::Step again = decoder.feed("5\r\nhello\r\n", out);
  CHECK(again.status == Status::Done);
  CHECK(again.consumed == 0);
  CHECK(out.empty());

  ChunkedDecoder bad;
  REQUIRE(bad.feed("z\r\n", out).status == Status::Error);
  const ChunkedDecoder::Step still = bad.feed("0\r\n\r\n", out);
  CHECK(still.status == Status::Error);
  CHECK(still.error == ParseError::BadChunkSize);
}

TEST_CASE("chunked errors", "[http1][chunked]") {
  const std::vector<std::pair<std::string, ParseError>> cases = {
      {"\r\n", ParseError::BadChunkSize},
      {"x\r\n", ParseError::BadChunkSize},
      {"-1\r\n", ParseError::BadChunkSize},
      {"+1\r\n", ParseError::BadChunkSize},
      {"0x5\r\nhello\r\n", ParseError::BadChunkSize},
      {"5 \r\nhello\r\n", ParseError::BadChunkSize},
      {" 5\r\nhello\r\n", ParseError::BadChunkSize},
      {"5\t;a\r\nhello\r\n", ParseError::BadChunkSize},
      {"00000000000000005\r\nhello\r\n", ParseError::BadChunkSize},  // 17 digits
      {"10000000000000000\r\n", ParseError::BadChunkSize},           // 2^64: overflow
      {"4000000000000000\r\n", ParseError::BadChunkSize},            // 2^62
      {"5;\r\nhello\r\n", ParseError::BadChunkExtension},
      {"5; a\r\nhello\r\n", ParseError::BadChunkExtension},
      {"5 ;a\r\nhello\r\n", ParseError::BadChunkSize},
      {"5;a=\r\nhello\r\n", ParseError::BadChunkExtension},
      {"5;a =b\r\nhello\r\n", ParseError::BadChunkExtension},
      {"5;a=\"x\r\nhello\r\n", ParseError::BadChunkExtension},
      {"5;a=b c\r\nhello\r\n", ParseError::BadChunkExtension},
      {"5;a=\"\x01\"\r\nhello\r\n", ParseError::BadChunkExtension},
      {"5;a=b;\r\nhello\r\n", ParseError::BadChunkExtension},
      {"5\r\nhelloX\r\n0\r\n\r\n", ParseError::BadChunkTerminator},
      {"5\r\nhello\n0\r\n\r\n", ParseError::BadChunkTerminator},
      {"5\r\nhello\r0\r\n\r\n", ParseError::BadChunkTerminator},
      {"5\r\nhello world\r\n", ParseError::BadChunkTerminator},  // size smaller than the data
      {"5\nhello\r\n0\r\n\r\n", ParseError::BareLf},
      {"0\r\n\n", ParseError::BareLf},
      {"0\r\nX: 1\n\r\n", ParseError::BareLf},
      {"5\rhello\r\n", ParseError::BareCr},
      {"5;a=\"\r\"\r\nhello\r\n", ParseError::BareCr},
      {"0\r\nX: a\rb\r\n\r\n", ParseError::BareCr},
      {"0\r\nX: 1\r\n folded\r\n\r\n", ParseError::ObsFold},
      {"0\r\nX : 1\r\n\r\n", ParseError::BadHeaderName},
      {"0\r\nNoColon\r\n\r\n", ParseError::BadHeaderName},
      {"0\r\nX: \x01\r\n\r\n", ParseError::BadHeaderValue},
      {"0\r\nX: a\0b\r\n\r\n"s, ParseError::NulByte},
  };
  for (const auto& [input, expected] : cases) {
    INFO(input);
    const Outcome o = decodeWhole(input);
    CHECK(o.status == Status::Error);
    CHECK(o.error == expected);
    // The verdict must not depend on how the bytes were split.
    requireSame(decodeInPieces(input, 1), o);
    for (std::size_t split = 0; split <= input.size(); ++split)
      requireSame(decodeSplitAt(input, split), o);
  }
  CHECK(decodeWhole("ffffffffffffffff\r\n").error == ParseError::BadChunkSize);
  CHECK(decodeWhole("3fffffffffffffff\r\n").status == Status::NeedMore);  // 16 digits, < 2^62
}

TEST_CASE("chunk size line limit at the boundary", "[http1][chunked][limits]") {
  ChunkedDecoder::Limits limits;
  limits.max_chunk_line = 16;
  const std::string at_limit = "5;a=" + std::string(12, 'b');  // 16 bytes
  REQUIRE(at_limit.size() == 16);
  CHECK(decodeWhole(at_limit + "\r\nhello\r\n0\r\n\r\n", limits).status == Status::Done);
  CHECK(decodeInPieces(at_limit + "\r\nhello\r\n0\r\n\r\n", 1, limits).status == Status::Done);
  const Outcome over = decodeWhole(at_limit + "b\r\nhello\r\n0\r\n\r\n", limits);
  CHECK(over.error == ParseError::ChunkExtensionTooLong);
  // Without a line end the limit bites as soon as the 17th byte arrives.
  CHECK(decodeWhole(at_limit, limits).status == Status::NeedMore);
  CHECK(decodeWhole(at_limit + "\r", limits).status == Status::NeedMore);
  CHECK(decodeWhole(at_limit + "b", limits).error == ParseError::ChunkExtensionTooLong);
  CHECK(decodeInPieces(at_limit + "b", 1, limits).error == ParseError::ChunkExtensionTooLong);
  // A bare-LF line one byte too long: the same verdict whether or not the LF came in the same feed.
  CHECK(decodeWhole(at_limit + "b\n", limits).error == ParseError::ChunkExtensionTooLong);
  CHECK(decodeInPieces(at_limit + "b\n", 1, limits).error == ParseError::ChunkExtensionTooLong);
  CHECK(decodeWhole(at_limit + "\n", limits).error == ParseError::BareLf);
  CHECK(decodeInPieces(at_limit + "\n", 1, limits).error == ParseError::BareLf);
  // Default limit: an endless extension is cut off.
  CHECK(decodeWhole("1;a=" + std::string(1 << 20, 'x')).error == ParseError::ChunkExtensionTooLong);
}

TEST_CASE("trailer limit at the boundary", "[http1][chunked][limits]") {
  ChunkedDecoder::Limits limits;
  limits.max_trailer_bytes = 20;
  // Trailer section = "X: " + value + CRLF + CRLF.
  const std::string at_limit = "X: " + std::string(13, 'v') + "\r\n\r\n";
  REQUIRE(at_limit.size() == 20);
  const std::string value_over = "X: " + std::string(14, 'v') + "\r\n\r\n";
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{1000}}) {
    INFO(piece);
    CHECK(decodeInPieces("0\r\n" + at_limit, piece, limits).status == Status::Done);
    CHECK(decodeInPieces("0\r\n" + value_over, piece, limits).error ==
          ParseError::TrailersTooLarge);
  }
  CHECK(decodeWhole("0\r\n" + std::string(1 << 20, 'x')).error == ParseError::TrailersTooLarge);
  ChunkedDecoder::Limits none;
  none.max_trailer_bytes = 2;  // room for the final CRLF only
  CHECK(decodeWhole("0\r\n\r\n", none).status == Status::Done);
  CHECK(decodeWhole("0\r\nX: 1\r\n\r\n", none).error == ParseError::TrailersTooLarge);
}

TEST_CASE("valid bodies decode identically at every split", "[http1][chunked][split]") {
  const std::vector<std::string> bodies = {
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
      "1;a=b\r\nx\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\nU: w\r\n\r\nNEXT",
      "0\r\n\r\n",
      "3;q=\"a;b\\\"c\"\r\nabc\r\n0;z\r\n\r\n",
  };
  for (const std::string& body : bodies) {
    INFO(body);
    const Outcome whole = decodeWhole(body);
    REQUIRE(whole.status == Status::Done);
    requireSame(decodeInPieces(body, 1), whole);
    requireSame(decodeInPieces(body, 2), whole);
    requireSame(decodeInPieces(body, 7), whole);
    for (std::size_t split = 0; split <= body.size(); ++split) {
      INFO("split " << split);
      requireSame(decodeSplitAt(body, split), whole);
    }
  }
}

}  // namespace
}  // namespace rampart::http1
