#include "detectors/canonical/multipart_parser.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/detectors/canonical/canonical_error_printer.h"

namespace rampart::canonical {
namespace {

const std::vector<std::string> kCharsets = {"utf-8", "us-ascii"};

std::vector<MultipartPart> parse(std::string_view body, std::string_view boundary = "XyZ",
                                 const MultipartPolicy& policy = {}) {
  std::vector<MultipartPart> out;
  INFO(body);
  REQUIRE(parseMultipart(body, boundary, policy, kCharsets, out) == CanonicalError::None);
  return out;
}

CanonicalError errorOf(std::string_view body, std::string_view boundary = "XyZ", const MultipartPolicy& policy = {}) {
  std::vector<MultipartPart> out;
  return parseMultipart(body, boundary, policy, kCharsets, out);
}

// One well-formed part with the given header lines.
std::string part(std::string_view headers, std::string_view content, std::string_view boundary = "XyZ") {
  return "--" + std::string(boundary) + "\r\n" + std::string(headers) + "\r\n\r\n" + std::string(content) + "\r\n";
}
std::string close(std::string_view boundary = "XyZ") { return "--" + std::string(boundary) + "--\r\n"; }
std::string field(std::string_view name, std::string_view value) {
  return part("Content-Disposition: form-data; name=\"" + std::string(name) + "\"", value);
}

TEST_CASE("multipart: a browser form with a file", "[canonical]") {
  const std::string body = field("user", "alice") +
                           part("Content-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n"
                                "Content-Type: text/plain",
                                "line1\r\nline2") +
                           field("empty", "") + close();
  const auto parts = parse(body);
  REQUIRE(parts.size() == 3);
  REQUIRE(parts[0].name == "user");
  REQUIRE(parts[0].kind == PartKind::Value);
  REQUIRE(parts[0].content == "alice");
  REQUIRE(parts[1].kind == PartKind::File);
  REQUIRE(parts[1].filename == "a.txt");
  REQUIRE(parts[1].content_type == "text/plain");
  REQUIRE(parts[1].content == "line1\r\nline2");
  REQUIRE(parts[2].content.empty());
  FieldList fields;
  appendMultipartFields(parts, {}, fields);
  REQUIRE(fields.size() == 7);
  REQUIRE(fields[3].source == FieldSource::MultipartFilename);
  REQUIRE(fields[3].value == "a.txt");
  REQUIRE(fields[4].source == FieldSource::MultipartValue);
  REQUIRE(fields[4].name == "doc");
}

TEST_CASE("multipart: header names are case-insensitive, identity transfer encodings pass", "[canonical]") {
  const std::string body = part("content-disposition: FORM-DATA; NAME=a\r\ncontent-transfer-encoding: binary", "1") + close();
  REQUIRE(parse(body)[0].name == "a");
  REQUIRE(parse(field("a", "1") + "--XyZ--")[0].content == "1");  // no CRLF after the close is fine
}

TEST_CASE("multipart: boundary syntax (RFC 2046)", "[canonical]") {
  REQUIRE(checkBoundary("----WebKitFormBoundary7MA4YWxkTrZu0gW") == CanonicalError::None);
  REQUIRE(checkBoundary("a'()+_,-./:=? b") == CanonicalError::None);
  REQUIRE(checkBoundary(std::string(70, 'a')) == CanonicalError::None);
  REQUIRE(checkBoundary(std::string(71, 'a')) == CanonicalError::MultipartBadBoundary);
  REQUIRE(checkBoundary("") == CanonicalError::MultipartBadBoundary);
  REQUIRE(checkBoundary("ends-in-space ") == CanonicalError::MultipartBadBoundary);
  REQUIRE(checkBoundary("semi;colon") == CanonicalError::MultipartBadBoundary);
  REQUIRE(checkBoundary("quote\"d") == CanonicalError::MultipartBadBoundary);
  REQUIRE(checkBoundary("caf\xC3\xA9") == CanonicalError::MultipartBadBoundary);
  REQUIRE(errorOf(field("a", "1") + close(), "bad;boundary") == CanonicalError::MultipartBadBoundary);
}

TEST_CASE("multipart: preamble and epilogue tricks", "[canonical]") {
  SECTION("no preamble, even one that only holds a fake boundary") {
    REQUIRE(errorOf("preamble\r\n" + field("a", "1") + close()) == CanonicalError::MultipartPreamble);
    REQUIRE(errorOf("\r\n" + field("a", "1") + close()) == CanonicalError::MultipartPreamble);
    REQUIRE(errorOf("--XyZfake\r\n" + field("a", "1") + close()) == CanonicalError::MultipartBadDelimiter);
  }
  SECTION("the closing delimiter is required") {
    REQUIRE(errorOf(field("a", "1")) == CanonicalError::MultipartMissingClose);
    REQUIRE(errorOf("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nno end") ==
            CanonicalError::MultipartMissingClose);
    REQUIRE(errorOf("--XyZ\r\nContent-Disposition: form-data; name=a") == CanonicalError::MultipartMissingClose);
    REQUIRE(errorOf("") == CanonicalError::MultipartMissingClose);
    REQUIRE(errorOf("--XyZ") == CanonicalError::MultipartMissingClose);
  }
  SECTION("starting with the closing delimiter") {
    REQUIRE(errorOf(close() + field("a", "1") + close()) == CanonicalError::MultipartBadDelimiter);
  }
  SECTION("nothing after the close that could be another part") {
    REQUIRE(errorOf(field("a", "1") + close() + field("b", "' OR 1=1") + close()) ==
            CanonicalError::MultipartDataAfterClose);
    REQUIRE(errorOf(field("a", "1") + "--XyZ--epilogue") == CanonicalError::MultipartDataAfterClose);
    REQUIRE(errorOf(field("a", "1") + "--XyZ--\r\n\r\n") == CanonicalError::MultipartDataAfterClose);
  }
  SECTION("no transport padding or junk after a delimiter") {
    REQUIRE(errorOf("--XyZ \r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n" + close()) ==
            CanonicalError::MultipartBadDelimiter);
    REQUIRE(errorOf(field("a", "1") + "--XyZ-- \r\n") == CanonicalError::MultipartDataAfterClose);
  }
}

TEST_CASE("multipart: CRLF line endings only", "[canonical]") {
  REQUIRE(errorOf("--XyZ\nContent-Disposition: form-data; name=a\n\n1\n--XyZ--\n") == CanonicalError::MultipartBareLf);
  REQUIRE(errorOf("--XyZ\r\nContent-Disposition: form-data; name=a\n\r\n1\r\n" + close()) ==
          CanonicalError::MultipartBareLf);
  REQUIRE(errorOf("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\n--XyZ--\r\n") ==
          CanonicalError::MultipartBareLf);
  REQUIRE(errorOf("--XyZ\r\nContent-Disposition: form-data;\r name=a\r\n\r\n1\r\n" + close()) ==
          CanonicalError::MultipartBareLf);
  // LF inside content is data
  REQUIRE(parse(field("a", "x\ny") + close())[0].content == "x\ny");
}

TEST_CASE("multipart: the boundary may not appear inside content", "[canonical]") {
  REQUIRE(errorOf(field("a", "x--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\n2") + close()) ==
          CanonicalError::MultipartBoundaryInContent);
  REQUIRE(errorOf(field("a", "--XyZ-- ") + close()) == CanonicalError::MultipartBoundaryInContent);
  REQUIRE(errorOf(part("Content-Disposition: form-data; name=\"--XyZ\"", "1") + close()) ==
          CanonicalError::MultipartBoundaryInContent);
  // a prefix of the boundary is fine
  REQUIRE(parse(field("a", "--XyAnd more") + close())[0].content == "--XyAnd more");
}

TEST_CASE("multipart: part headers are checked", "[canonical]") {
  SECTION("Content-Disposition exactly once") {
    REQUIRE(errorOf(part("Content-Type: text/plain", "1") + close()) ==
            CanonicalError::MultipartMissingContentDisposition);
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b", "1") +
                    close()) == CanonicalError::MultipartDuplicatePartHeader);
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\r\nContent-Type: text/plain\r\n"
                         "Content-Type: application/json",
                         "1") +
                    close()) == CanonicalError::MultipartDuplicatePartHeader);
  }
  SECTION("unknown or dangerous headers") {
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\r\nX-Smuggled: 1", "1") + close()) ==
            CanonicalError::MultipartUnknownPartHeader);
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\r\nContent-Transfer-Encoding: base64", "MQ==") +
                    close()) == CanonicalError::MultipartUnknownPartHeader);
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\r\nContent-Transfer-Encoding: binary\r\n"
                         "Content-Transfer-Encoding: binary",
                         "1") +
                    close()) == CanonicalError::MultipartDuplicatePartHeader);
  }
  SECTION("a part Content-Length must be the real length") {
    REQUIRE(parse(part("Content-Disposition: form-data; name=a\r\nContent-Length: 5", "hello") + close()).size() == 1);
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\r\nContent-Length: 3", "hello") + close()) ==
            CanonicalError::MultipartBadPartHeader);
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\r\nContent-Length: -1", "hello") + close()) ==
            CanonicalError::MultipartBadPartHeader);
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\r\nContent-Length: 5\r\nContent-Length: 5", "hello") +
                    close()) == CanonicalError::MultipartDuplicatePartHeader);
  }
  SECTION("malformed lines") {
    REQUIRE(errorOf(part("Content-Disposition: form-data;\r\n name=a", "1") + close()) ==
            CanonicalError::MultipartBadPartHeader);  // obs-fold
    REQUIRE(errorOf(part("Content-Disposition : form-data; name=a", "1") + close()) ==
            CanonicalError::MultipartBadPartHeader);
    REQUIRE(errorOf(part("no colon here", "1") + close()) == CanonicalError::MultipartBadPartHeader);
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\x01", "1") + close()) ==
            CanonicalError::MultipartBadPartHeader);
  }
  SECTION("Content-Disposition grammar") {
    auto cd = [](std::string_view value) {
      return errorOf(part("Content-Disposition: " + std::string(value), "1") + close());
    };
    REQUIRE(cd("attachment; name=a") == CanonicalError::MultipartBadContentDisposition);
    REQUIRE(cd("form-data") == CanonicalError::MultipartBadContentDisposition);  // no name
    REQUIRE(cd("form-data; name=a; name=b") == CanonicalError::MultipartBadContentDisposition);
    REQUIRE(cd("form-data; name=a; filename=x; filename=y") == CanonicalError::MultipartBadContentDisposition);
    REQUIRE(cd("form-data; name=a; size=3") == CanonicalError::MultipartBadContentDisposition);
    REQUIRE(cd("form-data; name=\"a\\\"; filename=x.php\"") == CanonicalError::MultipartBadContentDisposition);
    REQUIRE(cd("form-data; name=\"unterminated") == CanonicalError::MultipartBadContentDisposition);
    REQUIRE(cd("form-data; name=a; filename*=UTF-8''evil.php") == CanonicalError::MultipartFilenameStar);
    REQUIRE(cd("form-data; name=a; filename=\"ok.txt\"; filename*=UTF-8''evil.php") ==
            CanonicalError::MultipartFilenameStar);
    REQUIRE(cd("form-data; name=\"\xC0\xAF\"") == CanonicalError::MultipartInvalidUtf8);
    REQUIRE(cd("form-data; name=\"caf\xC3\xA9\"; filename=\"r\xC3\xA9sum\xC3\xA9.pdf\"") == CanonicalError::None);
  }
  SECTION("no nested multipart, part content types parsed") {
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\r\nContent-Type: multipart/mixed; boundary=q",
                         "--q\r\n\r\nx\r\n--q--") +
                    close()) == CanonicalError::MultipartNested);
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\r\nContent-Type: garbage", "1") + close()) ==
            CanonicalError::MultipartBadPartContentType);
    REQUIRE(errorOf(part("Content-Disposition: form-data; name=a\r\nContent-Type: text/plain; charset=utf-7",
                         "+ADw-script+AD4-") +
                    close()) == CanonicalError::ContentTypeCharsetNotAllowed);
  }
}

TEST_CASE("multipart: text parts must be UTF-8, files may be binary; _charset_ is checked", "[canonical]") {
  REQUIRE(errorOf(field("a", "\xC0\xAF") + close()) == CanonicalError::MultipartInvalidUtf8);
  const std::string binary = part("Content-Disposition: form-data; name=f; filename=x.bin\r\n"
                                  "Content-Type: application/octet-stream",
                                  std::string("\x00\xFF\xC0\xAF", 4));
  REQUIRE(parse(binary + close())[0].content.size() == 4);
  REQUIRE(errorOf(field("_charset_", "utf-7") + close()) == CanonicalError::ContentTypeCharsetNotAllowed);
  REQUIRE(parse(field("_charset_", "UTF-8") + close()).size() == 1);
}

TEST_CASE("multipart: limits", "[canonical]") {
  MultipartPolicy small;
  small.max_parts = 2;
  small.max_part_header_bytes = 64;
  small.max_inspected_file_bytes = 4;
  REQUIRE(errorOf(field("a", "1") + field("b", "2") + field("c", "3") + close(), "XyZ", small) ==
          CanonicalError::MultipartTooManyParts);
  REQUIRE(errorOf(part("Content-Disposition: form-data; name=\"" + std::string(80, 'n') + "\"", "1") + close(), "XyZ",
                  small) == CanonicalError::MultipartPartHeadersTooLarge);
  // The parts' content views point into the body, so the body must outlive them.
  const std::string body = part("Content-Disposition: form-data; name=f; filename=a", "0123456789") + close();
  const auto parts = parse(body, "XyZ", small);
  FieldList fields;
  appendMultipartFields(parts, small, fields);
  REQUIRE(fields.back().value == "0123");
}

TEST_CASE("multipart: quoted and unquoted boundaries are the same boundary", "[canonical]") {
  const std::string body = part("Content-Disposition: form-data; name=a", "1", "a b:c") + close("a b:c");
  REQUIRE(parse(body, "a b:c").size() == 1);
  REQUIRE(errorOf(body, "a") == CanonicalError::MultipartBadDelimiter);
}

}  // namespace
}  // namespace rampart::canonical
