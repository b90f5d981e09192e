#include "proxy/http1/response_parser.h"

#include <algorithm>
#include <string>
#include <utility>

namespace rampart::http1 {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::string toLowerAscii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

class ResponseBuilder final : public detail::HeadVisitor {
 public:
  ResponseBuilder(std::string_view request_method, ResponseHead& out)
      : request_method_(request_method), out_(out) {}

  // HTTP-version SP 3DIGIT SP reason-phrase. The SP before an empty reason is tolerated when
  // missing ("HTTP/1.1 200"): common in the wild and unambiguous.
  ParseError startLine(std::string_view line, bool build) override {
    if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || !isDigit(line[5]) || line[6] != '.' ||
        !isDigit(line[7]) || line[8] != ' ') {
      return ParseError::BadStatusLine;
    }
    if (line[5] != '1' || (line[7] != '0' && line[7] != '1')) {
      return ParseError::UnsupportedHttpVersion;
    }
    const std::string_view code = line.substr(9, 3);
    if (!isDigit(code[0]) || !isDigit(code[1]) || !isDigit(code[2])) {
      return ParseError::BadStatusLine;
    }
    const int status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    if (status < 100 || status > 599) return ParseError::BadStatusLine;
    std::string_view reason;
    if (line.size() > 12) {
      if (line[12] != ' ') return ParseError::BadStatusLine;
      reason = line.substr(13);
    }
    for (const char c : reason) {
      const auto byte = static_cast<unsigned char>(c);
      if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return ParseError::BadStatusLine;
    }
    if (status == 101) return ParseError::UpgradeNotSupported;
    if (!build) return ParseError::None;
    out_ = ResponseHead{};
    out_.status = status;
    out_.reason.assign(reason);
    http10_ = line[7] == '0';
    return ParseError::None;
  }

  ParseError startLinePrefix(std::string_view partial) override {
    constexpr std::string_view kPrefix = "HTTP/";
    const std::size_t n = std::min(partial.size(), kPrefix.size());
    return partial.substr(0, n) == kPrefix.substr(0, n) ? ParseError::None
                                                        : ParseError::BadStatusLine;
  }

  ParseError field(std::string_view name, std::string_view value) override {
    std::string lower = toLowerAscii(name);
    if (lower == "content-length") {
      if (++content_length_count_ > 1) return ParseError::DuplicateContentLength;
      content_length_ = detail::parseContentLength(value);
      if (content_length_ < 0) return ParseError::BadContentLength;
    } else if (lower == "transfer-encoding") {
      if (++transfer_encoding_count_ > 1 || !detail::isChunkedOnly(value)) {
        return ParseError::UnsupportedTransferEncoding;
      }
    }
    out_.headers.add(std::move(lower), std::string(value));
    return ParseError::None;
  }

  ParseError finish() {
    // Checked even when the status says "no body": a response that is ambiguous about its own
    // framing is not one we want to reason about further.
    if (transfer_encoding_count_ > 0 && content_length_count_ > 0) {
      return ParseError::ContentLengthAndTransferEncoding;
    }
    if (transfer_encoding_count_ > 0 && http10_) return ParseError::TransferEncodingInHttp10;
    const int status = out_.status;
    const bool no_body =
        isInterim(status) || status == 204 || status == 304 || request_method_ == "HEAD";
    out_.chunked = false;
    if (no_body) {
      out_.content_length = 0;
      out_.has_body = false;
    } else if (transfer_encoding_count_ > 0) {
      out_.chunked = true;
      out_.content_length = -1;
      out_.has_body = true;
    } else if (content_length_count_ > 0) {
      out_.content_length = content_length_;
      out_.has_body = content_length_ > 0;
    } else {
      out_.content_length = -1;  // delimited by the upstream closing the connection
      out_.has_body = true;
    }
    return ParseError::None;
  }

 private:
  std::string_view request_method_;
  ResponseHead& out_;
  bool http10_ = false;
  std::size_t content_length_count_ = 0;
  std::size_t transfer_encoding_count_ = 0;
  std::int64_t content_length_ = -1;
};

}  // namespace

bool isInterim(int status) { return status >= 100 && status <= 199; }

ParseResult parseResponseHead(std::string_view input, const ParseLimits& limits,
                              std::string_view request_method, ResponseHead& out,
                              HeadCursor& cursor) {
  ResponseBuilder builder(request_method, out);
  const ParseResult scanned =
      detail::scanHead(input, limits, ParseError::StatusLineTooLong, cursor, builder);
  if (scanned.status != ParseStatus::Complete) return scanned;
  if (const ParseError error = builder.finish(); error != ParseError::None) {
    return {ParseStatus::Error, error, 0};
  }
  return scanned;
}

ParseResult parseResponseHead(std::string_view input, const ParseLimits& limits,
                              std::string_view request_method, ResponseHead& out) {
  HeadCursor cursor;
  return parseResponseHead(input, limits, request_method, out, cursor);
}

}  // namespace rampart::http1
