#include "detectors/canonical/cookie_parser.h"

#include "detectors/canonical/percent_encoding.h"
#include "detectors/canonical/utf8_validation.h"

namespace rampart::canonical {
namespace {

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

CanonicalError checkText(std::string_view text) {
  if (findControlCharacters(text, ControlCharacters::NoneAllowed) != ControlStatus::Clean)
    return CanonicalError::CookieControlCharacter;
  if (validateUtf8(text) != Utf8Status::Valid) return CanonicalError::CookieInvalidUtf8;
  return CanonicalError::None;
}

CanonicalError unquote(std::string_view& value) {
  if (value.empty() || value.front() != '"') {
    return value.find('"') == std::string_view::npos ? CanonicalError::None : CanonicalError::CookieInvalid;
  }
  if (value.size() < 2 || value.back() != '"') return CanonicalError::CookieInvalid;
  value = value.substr(1, value.size() - 2);
  return value.find('"') == std::string_view::npos ? CanonicalError::None : CanonicalError::CookieInvalid;
}

}  // namespace

CanonicalError parseCookieHeader(std::string_view header_value, const CookiePolicy& policy,
                                 std::vector<Cookie>& out, AnomalyList& anomalies) {
  std::size_t start = 0;
  while (start <= header_value.size()) {
    std::size_t end = header_value.find(';', start);
    if (end == std::string_view::npos) end = header_value.size();
    const std::string_view pair = trimOws(header_value.substr(start, end - start));
    start = end + 1;
    if (pair.empty()) continue;
    if (out.size() == policy.max_cookies) return CanonicalError::CookieTooMany;

    const std::size_t equals = pair.find('=');
    std::string_view name = equals == std::string_view::npos ? std::string_view() : trimOws(pair.substr(0, equals));
    std::string_view value = equals == std::string_view::npos ? pair : trimOws(pair.substr(equals + 1));
    if (const CanonicalError e = unquote(value); e != CanonicalError::None) return e;
    if (name.size() > policy.max_name_bytes || value.size() > policy.max_value_bytes)
      return CanonicalError::CookieTooLong;

    Cookie cookie;
    if (policy.decoding == CookieDecoding::Percent) {
      if (percentDecode(name, PlusSign::Literal, cookie.name) != PercentDecodeStatus::Decoded ||
          percentDecode(value, PlusSign::Literal, cookie.value) != PercentDecodeStatus::Decoded)
        return CanonicalError::CookieBadPercentEncoding;
      if (encodingDepthOf(cookie.name) == EncodingDepth::Double ||
          encodingDepthOf(cookie.value) == EncodingDepth::Double) {
        if (policy.double_encoding == DoubleEncodingPolicy::Reject) return CanonicalError::CookieDoubleEncoding;
        if (policy.double_encoding == DoubleEncodingPolicy::Flag)
          anomalies.add(AnomalyKind::DoubleEncoding, FieldSource::CookieValue, cookie.name);
      }
    } else {
      cookie.name = std::string(name);
      cookie.value = std::string(value);
    }
    if (const CanonicalError e = checkText(cookie.name); e != CanonicalError::None) return e;
    if (const CanonicalError e = checkText(cookie.value); e != CanonicalError::None) return e;
    out.push_back(std::move(cookie));
  }
  return CanonicalError::None;
}

void appendCookieFields(const std::vector<Cookie>& cookies, FieldList& out) {
  for (const auto& c : cookies) {
    out.push_back({FieldSource::CookieName, c.name, c.name});
    out.push_back({FieldSource::CookieValue, c.name, c.value});
  }
}

}  // namespace rampart::canonical
