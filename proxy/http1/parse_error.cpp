#include "proxy/http1/parse_error.h"

namespace rampart::http1 {

// No `default:` in either switch, so -Wswitch flags a new enumerator that lacks a reason/status.

std::string_view reasonOf(ParseError error) {
  switch (error) {
    case ParseError::None:
      return "none";
    case ParseError::RequestLineTooLong:
      return "request_line_too_long";
    case ParseError::StatusLineTooLong:
      return "status_line_too_long";
    case ParseError::HeadersTooLarge:
      return "headers_too_large";
    case ParseError::TooManyHeaders:
      return "too_many_headers";
    case ParseError::BadRequestLine:
      return "bad_request_line";
    case ParseError::BadMethod:
      return "bad_method";
    case ParseError::BadRequestTarget:
      return "bad_request_target";
    case ParseError::UnsupportedHttpVersion:
      return "unsupported_http_version";
    case ParseError::ObsoleteHttpVersion:
      return "obsolete_http_version";
    case ParseError::Http09Request:
      return "http09_request";
    case ParseError::ConnectNotSupported:
      return "connect_not_supported";
    case ParseError::BadStatusLine:
      return "bad_status_line";
    case ParseError::UpgradeNotSupported:
      return "upgrade_not_supported";
    case ParseError::BadHeaderName:
      return "bad_header_name";
    case ParseError::BadHeaderValue:
      return "bad_header_value";
    case ParseError::ObsFold:
      return "obs_fold";
    case ParseError::BareCr:
      return "bare_cr";
    case ParseError::BareLf:
      return "bare_lf";
    case ParseError::NulByte:
      return "nul_byte";
    case ParseError::ContentLengthAndTransferEncoding:
      return "content_length_and_transfer_encoding";
    case ParseError::DuplicateContentLength:
      return "duplicate_content_length";
    case ParseError::BadContentLength:
      return "bad_content_length";
    case ParseError::UnsupportedTransferEncoding:
      return "unsupported_transfer_encoding";
    case ParseError::TransferEncodingInHttp10:
      return "transfer_encoding_in_http10";
    case ParseError::MissingHost:
      return "missing_host";
    case ParseError::DuplicateHost:
      return "duplicate_host";
    case ParseError::BadHost:
      return "bad_host";
    case ParseError::HostMismatch:
      return "host_mismatch";
    case ParseError::ExpectationFailed:
      return "expectation_failed";
    case ParseError::BadChunkSize:
      return "bad_chunk_size";
    case ParseError::BadChunkExtension:
      return "bad_chunk_extension";
    case ParseError::ChunkExtensionTooLong:
      return "chunk_extension_too_long";
    case ParseError::BadChunkTerminator:
      return "bad_chunk_terminator";
    case ParseError::TrailersTooLarge:
      return "trailers_too_large";
  }
  return "unknown_parse_error";  // only reachable with a value cast from a bad integer
}

std::uint16_t statusOf(ParseError error) {
  switch (error) {
    case ParseError::None:
      return 200;
    case ParseError::RequestLineTooLong:
      return 414;
    case ParseError::HeadersTooLarge:
    case ParseError::TooManyHeaders:
      return 431;
    case ParseError::UnsupportedHttpVersion:
      return 505;
    case ParseError::ConnectNotSupported:
      return 405;
    case ParseError::ObsoleteHttpVersion:
    case ParseError::Http09Request:  // the codec closes without sending it
      return 400;
    case ParseError::UnsupportedTransferEncoding:
      return 501;
    case ParseError::ExpectationFailed:
      return 417;
    // Only an upstream response can produce these.
    case ParseError::StatusLineTooLong:
    case ParseError::BadStatusLine:
    case ParseError::UpgradeNotSupported:
      return 502;
    case ParseError::BadRequestLine:
    case ParseError::BadMethod:
    case ParseError::BadRequestTarget:
    case ParseError::BadHeaderName:
    case ParseError::BadHeaderValue:
    case ParseError::ObsFold:
    case ParseError::BareCr:
    case ParseError::BareLf:
    case ParseError::NulByte:
    case ParseError::ContentLengthAndTransferEncoding:
    case ParseError::DuplicateContentLength:
    case ParseError::BadContentLength:
    case ParseError::TransferEncodingInHttp10:
    case ParseError::MissingHost:
    case ParseError::DuplicateHost:
    case ParseError::BadHost:
    case ParseError::HostMismatch:
    case ParseError::BadChunkSize:
    case ParseError::BadChunkExtension:
    case ParseError::ChunkExtensionTooLong:
    case ParseError::BadChunkTerminator:
    case ParseError::TrailersTooLarge:
      return 400;
  }
  return 400;
}

}  // namespace rampart::http1
