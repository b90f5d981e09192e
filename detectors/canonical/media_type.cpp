#include "detectors/canonical/media_type.h"

#include "proxy/http1/request_parser.h"

namespace rampart::canonical {
namespace {

bool isTchar(char c) { return http1::detail::isTchar(static_cast<unsigned char>(c)); }
bool isOws(char c) { return c == ' ' || c == '\t'; }

char toLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = toLower(c);
  return out;
}

// Reads a token at `pos`; empty when there is none.
std::string_view readToken(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  while (pos < text.size() && isTchar(text[pos])) ++pos;
  return text.substr(start, pos - start);
}

void skipOws(std::string_view text, std::size_t& pos) {
  while (pos < text.size() && isOws(text[pos])) ++pos;
}

// quoted-string at `pos` (which holds the opening DQUOTE); appends the unescaped content.
bool readQuotedString(std::string_view text, std::size_t& pos, std::string& out) {
  ++pos;
  while (pos < text.size()) {
    const auto c = static_cast<unsigned char>(text[pos]);
    if (c == '"') {
      ++pos;
      return true;
    }
    if (c == '\\') {
      if (pos + 1 >= text.size()) return false;
      const auto escaped = static_cast<unsigned char>(text[pos + 1]);
      if (escaped != '\t' && (escaped < 0x20 || escaped == 0x7F)) return false;
      out.push_back(static_cast<char>(escaped));
      pos += 2;
      continue;
    }
    if (c != '\t' && (c < 0x20 || c == 0x7F)) return false;
    out.push_back(static_cast<char>(c));
    ++pos;
  }
  return false;  // no closing DQUOTE
}

}  // namespace

const std::string* MediaType::parameter(std::string_view name) const {
  for (const auto& p : parameters)
    if (p.name == name) return &p.value;
  return nullptr;
}

bool equalsAsciiCaseInsensitive(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (toLower(a[i]) != toLower(b[i])) return false;
  return true;
}

CanonicalError parseMediaType(std::string_view text, MediaType& out) {
  out = MediaType{};
  std::size_t pos = 0;
  skipOws(text, pos);
  const std::string_view type = readToken(text, pos);
  if (type.empty() || pos >= text.size() || text[pos] != '/') return CanonicalError::ContentTypeInvalid;
  ++pos;
  const std::string_view subtype = readToken(text, pos);
  if (subtype.empty()) return CanonicalError::ContentTypeInvalid;
  out.type = lowerCopy(type);
  out.subtype = lowerCopy(subtype);
  while (true) {
    skipOws(text, pos);
    if (pos == text.size()) return CanonicalError::None;
    if (text[pos] != ';') return CanonicalError::ContentTypeInvalid;
    ++pos;
    skipOws(text, pos);
    if (pos == text.size() || text[pos] == ';') continue;  // empty parameter: allowed by 9110
    const std::string_view name = readToken(text, pos);
    if (name.empty() || pos >= text.size() || text[pos] != '=') return CanonicalError::ContentTypeInvalid;
    ++pos;
    MediaTypeParameter parameter;
    parameter.name = lowerCopy(name);
    if (pos < text.size() && text[pos] == '"') {
      if (!readQuotedString(text, pos, parameter.value)) return CanonicalError::ContentTypeInvalid;
    } else {
      const std::string_view value = readToken(text, pos);
      if (value.empty()) return CanonicalError::ContentTypeInvalid;
      parameter.value = std::string(value);
    }
    if (out.parameter(parameter.name) != nullptr) return CanonicalError::ContentTypeDuplicateParameter;
    if (out.parameters.size() == kMaxMediaTypeParameters) return CanonicalError::ContentTypeInvalid;
    out.parameters.push_back(std::move(parameter));
  }
}

}  // namespace rampart::canonical
