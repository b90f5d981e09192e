#include "proxy/http1/chunked_decoder.h"

#include <algorithm>

#include "proxy/http1/request_parser.h"

namespace rampart::http1 {
namespace {

constexpr std::size_t kNpos = std::string_view::npos;
constexpr std::size_t kMaxChunkSizeDigits = 16;
// Same ceiling as Content-Length: anything near 2^64 is an attack on someone's arithmetic.
constexpr std::uint64_t kMaxChunkSize = std::uint64_t{1} << 62;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isTchar(char c) { return detail::isTchar(static_cast<unsigned char>(c)); }

// Removes a leading 1*tchar from `text`; false when there is none.
bool consumeToken(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && isTchar(text[n])) ++n;
  text.remove_prefix(n);
  return n > 0;
}

// RFC 9110 quoted-string: DQUOTE *( qdtext / quoted-pair ) DQUOTE.
bool consumeQuotedString(std::string_view& text) {
  if (text.empty() || text[0] != '"') return false;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '"') {
      text.remove_prefix(i + 1);
      return true;
    }
    if (byte == '\\') {
      if (++i == text.size()) return false;
      const auto escaped = static_cast<unsigned char>(text[i]);
      if ((escaped < 0x20 && escaped != '\t') || escaped == 0x7f) return false;
      continue;
    }
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return false;
  }
  return false;
}

// chunk-ext = *( ";" chunk-ext-name [ "=" chunk-ext-val ] ), with no BWS: whitespace there is
// legal but nobody sends it, and parsers disagree about it (a known smuggling vector).
bool isValidChunkExtensions(std::string_view text) {
  while (!text.empty()) {
    if (text[0] != ';') return false;
    text.remove_prefix(1);
    if (!consumeToken(text)) return false;
    if (!text.empty() && text[0] == '=') {
      text.remove_prefix(1);
      const bool ok =
          (!text.empty() && text[0] == '"') ? consumeQuotedString(text) : consumeToken(text);
      if (!ok) return false;
    }
  }
  return true;
}

}  // namespace

ChunkedDecoder::ChunkedDecoder() = default;

ChunkedDecoder::ChunkedDecoder(const Limits& limits) : limits_(limits) {}

ChunkedDecoder::Step ChunkedDecoder::fail(ParseError error, std::size_t consumed) {
  state_ = State::Failed;
  error_ = error;
  partial_line_.clear();
  return {Status::Error, error, consumed};
}

ChunkedDecoder::LineStatus ChunkedDecoder::readLine(std::string_view in, std::size_t& pos,
                                                    std::size_t max_raw, ParseError too_long,
                                                    std::string_view& line, ParseError& error) {
  // Never look past what could still fit: bounds the copy and the search.
  const std::size_t room = max_raw > partial_line_.size() ? max_raw - partial_line_.size() : 0;
  const std::string_view window = in.substr(pos, room);
  const std::size_t lf = window.find('\n');
  if (lf == kNpos) {
    partial_line_.append(window);
    pos += window.size();
    const std::size_t cr = partial_line_.find('\r');
    if (cr != kNpos && cr + 1 != partial_line_.size()) {
      error = ParseError::BareCr;
      return LineStatus::Error;
    }
    // The line still needs its LF (and its CR unless that already came).
    const std::size_t still_needed = cr == kNpos ? 2 : 1;
    if (partial_line_.size() + still_needed > max_raw) {
      error = too_long;
      return LineStatus::Error;
    }
    return LineStatus::NeedMore;
  }
  std::string_view raw;
  if (partial_line_.empty()) {
    raw = window.substr(0, lf + 1);  // the common case: the whole line is in this feed, no copy
  } else {
    partial_line_.append(window.substr(0, lf + 1));
    raw = partial_line_;
  }
  pos += lf + 1;
  // Same order as the partial-line check above, so the verdict does not depend on where the
  // input was split: a CR anywhere but right before the LF is bare, then a missing CR.
  const std::size_t cr = raw.find('\r');
  if (cr != kNpos && cr + 2 != raw.size()) {
    error = ParseError::BareCr;
    return LineStatus::Error;
  }
  if (cr == kNpos) {
    // Had the LF arrived in a later feed, the line would already have been too long to fit a CR.
    error = raw.size() + 1 > max_raw ? too_long : ParseError::BareLf;
    return LineStatus::Error;
  }
  line = raw.substr(0, cr);
  return LineStatus::Complete;
}

ParseError ChunkedDecoder::onSizeLine(std::string_view line) {
  std::size_t digits = 0;
  std::uint64_t size = 0;
  for (; digits < line.size(); ++digits) {
    const int value = hexValue(line[digits]);
    if (value < 0) break;
    if (digits == kMaxChunkSizeDigits) return ParseError::BadChunkSize;
    size = size * 16 + static_cast<std::uint64_t>(value);
  }
  if (digits == 0 || size >= kMaxChunkSize) return ParseError::BadChunkSize;
  const std::string_view extensions = line.substr(digits);
  // Anything after the digits that does not start an extension ("5 ", "0x5", "5\t;a") is a
  // malformed size, not a malformed extension.
  if (!extensions.empty() && extensions[0] != ';') return ParseError::BadChunkSize;
  if (!isValidChunkExtensions(extensions)) return ParseError::BadChunkExtension;
  if (size == 0) {
    state_ = State::TrailerLine;
    trailer_bytes_ = 0;
  } else {
    state_ = State::Data;
    chunk_remaining_ = size;
  }
  return ParseError::None;
}

ParseError ChunkedDecoder::onTrailerLine(std::string_view line, bool& last) {
  last = line.empty();
  if (last) return ParseError::None;
  if (line[0] == ' ' || line[0] == '\t') return ParseError::ObsFold;
  std::string_view name;
  std::string_view value;
  // Validated like header fields, then dropped: we never forward trailers, so nobody downstream
  // can be confused by a trailer that re-declares framing.
  return detail::parseFieldLine(line, name, value);
}

ChunkedDecoder::Step ChunkedDecoder::feed(std::string_view in, std::string& out) {
  std::size_t pos = 0;
  while (true) {
    if (state_ == State::Done) return {Status::Done, ParseError::None, pos};
    if (state_ == State::Failed) return {Status::Error, error_, pos};
    if (pos == in.size()) return {Status::NeedMore, ParseError::None, pos};
    switch (state_) {
      case State::SizeLine: {
        std::string_view line;
        ParseError error = ParseError::None;
        const LineStatus status = readLine(in, pos, limits_.max_chunk_line + 2,
                                           ParseError::ChunkExtensionTooLong, line, error);
        if (status == LineStatus::Error) return fail(error, pos);
        if (status == LineStatus::Complete) {
          error = onSizeLine(line);
          partial_line_.clear();
          if (error != ParseError::None) return fail(error, pos);
        }
        break;
      }
      case State::Data: {
        const std::size_t available = in.size() - pos;
        const auto n = static_cast<std::size_t>(
            std::min<std::uint64_t>(chunk_remaining_, static_cast<std::uint64_t>(available)));
        out.append(in.data() + pos, n);
        pos += n;
        chunk_remaining_ -= n;
        payload_bytes_ += n;
        if (chunk_remaining_ == 0) state_ = State::DataCr;
        break;
      }
      case State::DataCr:
        if (in[pos] != '\r') return fail(ParseError::BadChunkTerminator, pos);
        ++pos;
        state_ = State::DataLf;
        break;
      case State::DataLf:
        if (in[pos] != '\n') return fail(ParseError::BadChunkTerminator, pos);
        ++pos;
        state_ = State::SizeLine;
        break;
      case State::TrailerLine: {
        std::string_view line;
        ParseError error = ParseError::None;
        // trailer_bytes_ counts completed lines; readLine accounts for the partial one.
        const std::size_t budget = limits_.max_trailer_bytes > trailer_bytes_
                                       ? limits_.max_trailer_bytes - trailer_bytes_
                                       : 0;
        const LineStatus status =
            readLine(in, pos, budget, ParseError::TrailersTooLarge, line, error);
        if (status == LineStatus::Error) return fail(error, pos);
        if (status == LineStatus::Complete) {
          trailer_bytes_ += line.size() + 2;
          bool last = false;
          error = onTrailerLine(line, last);
          partial_line_.clear();
          if (error != ParseError::None) return fail(error, pos);
          if (last) state_ = State::Done;
        }
        break;
      }
      case State::Done:
      case State::Failed:
        break;  // handled before the switch
    }
  }
}

}  // namespace rampart::http1
