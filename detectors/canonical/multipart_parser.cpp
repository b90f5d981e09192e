#include "detectors/canonical/multipart_parser.h"

#include "detectors/canonical/media_type.h"
#include "detectors/canonical/utf8_validation.h"
#include "proxy/http1/request_parser.h"

namespace rampart::canonical {
namespace {

constexpr std::size_t kNpos = std::string_view::npos;

bool isTchar(char c) { return http1::detail::isTchar(static_cast<unsigned char>(c)); }
bool isOws(char c) { return c == ' ' || c == '\t'; }

std::string lowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool isCharsetAllowed(std::string_view charset, std::span<const std::string> allowed) {
  for (const auto& a : allowed)
    if (equalsAsciiCaseInsensitive(charset, a)) return true;
  return false;
}

struct Disposition {
  std::string name;
  std::string filename;
  bool has_name = false;
  bool has_filename = false;
};

// `form-data *( OWS ";" OWS param )`, param = token "=" ( token / quoted-string ). Quoted
// strings may not contain '\': browsers never escape (they percent-encode '"' as %22) while
// server parsers differ on whether "\"" ends the string, so an escape is ambiguity by
// construction.
CanonicalError parseDisposition(std::string_view text, Disposition& out) {
  std::size_t pos = 0;
  while (pos < text.size() && isTchar(text[pos])) ++pos;
  if (!equalsAsciiCaseInsensitive(text.substr(0, pos), "form-data"))
    return CanonicalError::MultipartBadContentDisposition;
  while (true) {
    while (pos < text.size() && isOws(text[pos])) ++pos;
    if (pos == text.size()) break;
    if (text[pos] != ';') return CanonicalError::MultipartBadContentDisposition;
    ++pos;
    while (pos < text.size() && isOws(text[pos])) ++pos;
    const std::size_t name_start = pos;
    while (pos < text.size() && isTchar(text[pos])) ++pos;
    const std::string name = lowerCopy(text.substr(name_start, pos - name_start));
    if (name.empty() || pos == text.size() || text[pos] != '=') return CanonicalError::MultipartBadContentDisposition;
    ++pos;
    std::string value;
    if (pos < text.size() && text[pos] == '"') {
      const std::size_t close = text.find('"', pos + 1);
      if (close == kNpos) return CanonicalError::MultipartBadContentDisposition;
      value = std::string(text.substr(pos + 1, close - pos - 1));
      if (value.find('\\') != std::string::npos) return CanonicalError::MultipartBadContentDisposition;
      pos = close + 1;
    } else {
      const std::size_t value_start = pos;
      while (pos < text.size() && isTchar(text[pos])) ++pos;
      if (pos == value_start) return CanonicalError::MultipartBadContentDisposition;
      value = std::string(text.substr(value_start, pos - value_start));
    }
    if (name == "filename*") return CanonicalError::MultipartFilenameStar;
    if (validateUtf8(value) != Utf8Status::Valid) return CanonicalError::MultipartInvalidUtf8;
    if (name == "name" && !out.has_name) {
      out.name = std::move(value);
      out.has_name = true;
    } else if (name == "filename" && !out.has_filename) {
      out.filename = std::move(value);
      out.has_filename = true;
    } else {
      return CanonicalError::MultipartBadContentDisposition;  // duplicate or unknown parameter
    }
  }
  return out.has_name ? CanonicalError::None : CanonicalError::MultipartBadContentDisposition;
}

struct PartHeaders {
  std::string_view disposition;
  std::string_view content_type;
  bool has_disposition = false;
  bool has_content_type = false;
  bool has_transfer_encoding = false;
  bool has_content_length = false;
  std::size_t content_length = 0;
};

// 1*DIGIT, at most 18 digits.
bool parseDecimal(std::string_view text, std::size_t& out) {
  if (text.empty() || text.size() > 18) return false;
  out = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

CanonicalError parseHeaderLine(std::string_view line, PartHeaders& headers) {
  if (isOws(line[0])) return CanonicalError::MultipartBadPartHeader;  // obs-fold
  const std::size_t colon = line.find(':');
  if (colon == kNpos || colon == 0) return CanonicalError::MultipartBadPartHeader;
  for (std::size_t i = 0; i < colon; ++i)
    if (!isTchar(line[i])) return CanonicalError::MultipartBadPartHeader;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && isOws(value.front())) value.remove_prefix(1);
  while (!value.empty() && isOws(value.back())) value.remove_suffix(1);
  for (const char c : value)
    if (c != '\t' && (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)) return CanonicalError::MultipartBadPartHeader;
  const std::string name = lowerCopy(line.substr(0, colon));
  if (name == "content-disposition") {
    if (headers.has_disposition) return CanonicalError::MultipartDuplicatePartHeader;
    headers.has_disposition = true;
    headers.disposition = value;
  } else if (name == "content-type") {
    if (headers.has_content_type) return CanonicalError::MultipartDuplicatePartHeader;
    headers.has_content_type = true;
    headers.content_type = value;
  } else if (name == "content-transfer-encoding") {
    // Deprecated by RFC 7578 §4.7; some clients still send an identity coding. A real coding
    // (base64, quoted-printable) would hide the content from the detectors.
    if (headers.has_transfer_encoding) return CanonicalError::MultipartDuplicatePartHeader;
    headers.has_transfer_encoding = true;
    if (!equalsAsciiCaseInsensitive(value, "binary") && !equalsAsciiCaseInsensitive(value, "8bit") &&
        !equalsAsciiCaseInsensitive(value, "7bit"))
      return CanonicalError::MultipartUnknownPartHeader;
  } else if (name == "content-length") {
    // OkHttp and some Java clients announce each part's length. Accepted only when it is
    // exactly the length the delimiters give (checked once the content is found): a parser
    // that trusts the header must not see a different part than we do.
    if (headers.has_content_length) return CanonicalError::MultipartDuplicatePartHeader;
    headers.has_content_length = true;
    if (!parseDecimal(value, headers.content_length)) return CanonicalError::MultipartBadPartHeader;
  } else {
    return CanonicalError::MultipartUnknownPartHeader;
  }
  return CanonicalError::None;
}

// Reads the header lines at `pos` up to and including the empty line.
CanonicalError readPartHeaders(std::string_view body, std::size_t& pos, const MultipartPolicy& policy,
                               PartHeaders& headers) {
  const std::size_t start = pos;
  while (true) {
    const std::size_t lf = body.find('\n', pos);
    if (lf == kNpos) {
      return body.size() - start > policy.max_part_header_bytes ? CanonicalError::MultipartPartHeadersTooLarge
                                                                : CanonicalError::MultipartMissingClose;
    }
    if (lf + 1 - start > policy.max_part_header_bytes) return CanonicalError::MultipartPartHeadersTooLarge;
    if (lf == pos || body[lf - 1] != '\r') return CanonicalError::MultipartBareLf;
    const std::string_view line = body.substr(pos, lf - 1 - pos);
    if (line.find('\r') != kNpos) return CanonicalError::MultipartBareLf;  // a bare CR
    pos = lf + 1;
    if (line.empty()) return CanonicalError::None;
    if (const CanonicalError e = parseHeaderLine(line, headers); e != CanonicalError::None) return e;
  }
}

CanonicalError buildPart(const PartHeaders& headers, std::span<const std::string> allowed_charsets,
                         MultipartPart& part) {
  if (!headers.has_disposition) return CanonicalError::MultipartMissingContentDisposition;
  Disposition disposition;
  if (const CanonicalError e = parseDisposition(headers.disposition, disposition); e != CanonicalError::None)
    return e;
  if (findControlCharacters(disposition.name, ControlCharacters::NoneAllowed) != ControlStatus::Clean ||
      findControlCharacters(disposition.filename, ControlCharacters::NoneAllowed) != ControlStatus::Clean)
    return CanonicalError::MultipartBadContentDisposition;
  part.name = std::move(disposition.name);
  part.kind = disposition.has_filename ? PartKind::File : PartKind::Value;
  part.filename = std::move(disposition.filename);
  if (headers.has_content_type) {
    MediaType media_type;
    if (parseMediaType(headers.content_type, media_type) != CanonicalError::None)
      return CanonicalError::MultipartBadPartContentType;
    if (media_type.type == "multipart") return CanonicalError::MultipartNested;
    if (const std::string* charset = media_type.parameter("charset");
        charset != nullptr && !isCharsetAllowed(*charset, allowed_charsets))
      return CanonicalError::ContentTypeCharsetNotAllowed;
    part.content_type = media_type.essence();
  }
  return CanonicalError::None;
}

CanonicalError checkContent(const MultipartPart& part, std::span<const std::string> allowed_charsets) {
  if (part.kind != PartKind::Value) return CanonicalError::None;
  if (!part.content_type.empty() && part.content_type != "text/plain") return CanonicalError::None;
  if (validateUtf8(part.content) != Utf8Status::Valid) return CanonicalError::MultipartInvalidUtf8;
  // HTML's `_charset_` field tells some frameworks how to decode every other field.
  if (part.name == "_charset_" && !isCharsetAllowed(part.content, allowed_charsets))
    return CanonicalError::ContentTypeCharsetNotAllowed;
  return CanonicalError::None;
}

// Where the delimiter occurs in `region` without the CRLF that would make it one: a bare LF
// before it is an LF-only body, anything else is the boundary smuggled into content.
CanonicalError strayDelimiter(std::string_view region, std::string_view delimiter) {
  const std::size_t at = region.find(delimiter);
  if (at == kNpos) return CanonicalError::None;
  return (at > 0 && region[at - 1] == '\n') ? CanonicalError::MultipartBareLf
                                           : CanonicalError::MultipartBoundaryInContent;
}

}  // namespace

CanonicalError checkBoundary(std::string_view boundary) {
  if (boundary.empty() || boundary.size() > 70 || boundary.back() == ' ')
    return CanonicalError::MultipartBadBoundary;
  for (const char c : boundary) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("'()+_,-./:=? ").find(c) != kNpos;
    if (!ok) return CanonicalError::MultipartBadBoundary;
  }
  return CanonicalError::None;
}

CanonicalError parseMultipart(std::string_view body, std::string_view boundary,
                              const MultipartPolicy& policy,
                              std::span<const std::string> allowed_charsets,
                              std::vector<MultipartPart>& out) {
  out.clear();
  if (const CanonicalError e = checkBoundary(boundary); e != CanonicalError::None) return e;
  const std::string delimiter = "--" + std::string(boundary);
  const std::string separator = "\r\n" + delimiter;
  if (!body.starts_with(delimiter)) {
    return body.find(delimiter) == kNpos ? CanonicalError::MultipartMissingClose : CanonicalError::MultipartPreamble;
  }
  std::size_t pos = delimiter.size();
  while (true) {
    const std::string_view after = body.substr(pos);
    if (after.starts_with("--")) {
      if (out.empty()) return CanonicalError::MultipartBadDelimiter;  // opens with the close
      const std::string_view epilogue = after.substr(2);
      if (!epilogue.empty() && epilogue != "\r\n") return CanonicalError::MultipartDataAfterClose;
      return CanonicalError::None;
    }
    if (after.starts_with("\n")) return CanonicalError::MultipartBareLf;
    if (!after.starts_with("\r\n")) {
      return after.empty() ? CanonicalError::MultipartMissingClose : CanonicalError::MultipartBadDelimiter;
    }
    pos += 2;
    if (out.size() == policy.max_parts) return CanonicalError::MultipartTooManyParts;

    PartHeaders headers;
    const std::size_t headers_start = pos;
    if (const CanonicalError e = readPartHeaders(body, pos, policy, headers); e != CanonicalError::None) {
      if (e == CanonicalError::MultipartMissingClose) {
        if (const CanonicalError stray = strayDelimiter(body.substr(headers_start), delimiter);
            stray != CanonicalError::None)
          return stray;
      }
      return e;
    }
    if (const CanonicalError stray = strayDelimiter(body.substr(headers_start, pos - headers_start), delimiter);
        stray != CanonicalError::None)
      return stray;
    MultipartPart part;
    if (const CanonicalError e = buildPart(headers, allowed_charsets, part); e != CanonicalError::None) return e;

    const std::size_t next = body.find(separator, pos);
    const std::string_view content = body.substr(pos, next == kNpos ? kNpos : next - pos);
    if (const CanonicalError stray = strayDelimiter(content, delimiter); stray != CanonicalError::None) return stray;
    if (next == kNpos) return CanonicalError::MultipartMissingClose;
    if (headers.has_content_length && headers.content_length != content.size())
      return CanonicalError::MultipartBadPartHeader;
    part.content = content;
    if (const CanonicalError e = checkContent(part, allowed_charsets); e != CanonicalError::None) return e;
    out.push_back(std::move(part));
    pos = next + separator.size();
  }
}

void appendMultipartFields(const std::vector<MultipartPart>& parts, const MultipartPolicy& policy,
                           FieldList& out) {
  for (const auto& part : parts) {
    out.push_back({FieldSource::MultipartName, part.name, part.name});
    if (part.kind == PartKind::File) {
      out.push_back({FieldSource::MultipartFilename, part.name, part.filename});
      out.push_back({FieldSource::MultipartValue, part.name,
                     std::string(part.content.substr(0, policy.max_inspected_file_bytes))});
    } else {
      out.push_back({FieldSource::MultipartValue, part.name, std::string(part.content)});
    }
  }
}

}  // namespace rampart::canonical
