#include "detectors/text/html_fragment.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>

namespace rampart::text {

namespace {

enum class AttributeKind : std::uint8_t { Text, Url, Token, Number, DateTime };

struct AllowedAttribute {
  std::string_view name;
  AttributeKind kind;
};

struct AllowedElement {
  std::string_view name;
  AllowedAttribute attributes[5]{};  // unused slots have an empty name
};

// On every allowlisted element.
constexpr std::array<AllowedAttribute, 4> kGlobalAttributes{{
    {"title", AttributeKind::Text},
    {"class", AttributeKind::Token},
    {"lang", AttributeKind::Token},
    {"dir", AttributeKind::Token},
}};

// Text-level and structural elements a rich-text editor emits. Nothing here can run script,
// load a document, submit a form or change how the rest of the page parses (no raw-text or
// foreign-content elements: script, style, textarea, title, svg, math, template, iframe, ...).
constexpr AllowedElement kAllowedElements[] = {
    {"a", {{"href", AttributeKind::Url}, {"rel", AttributeKind::Token},
           {"target", AttributeKind::Token}, {"name", AttributeKind::Token}}},
    {"img", {{"src", AttributeKind::Url}, {"alt", AttributeKind::Text},
             {"width", AttributeKind::Number}, {"height", AttributeKind::Number},
             {"loading", AttributeKind::Token}}},
    {"blockquote", {{"cite", AttributeKind::Url}}},
    {"q", {{"cite", AttributeKind::Url}}},
    {"del", {{"cite", AttributeKind::Url}, {"datetime", AttributeKind::DateTime}}},
    {"ins", {{"cite", AttributeKind::Url}, {"datetime", AttributeKind::DateTime}}},
    {"time", {{"datetime", AttributeKind::DateTime}}},
    {"td", {{"colspan", AttributeKind::Number}, {"rowspan", AttributeKind::Number}}},
    {"th", {{"colspan", AttributeKind::Number}, {"rowspan", AttributeKind::Number},
            {"scope", AttributeKind::Token}}},
    {"ol", {{"start", AttributeKind::Number}}},
    {"li", {{"value", AttributeKind::Number}}},
    {"p", {}}, {"br", {}}, {"hr", {}}, {"h1", {}}, {"h2", {}}, {"h3", {}}, {"h4", {}},
    {"h5", {}}, {"h6", {}}, {"strong", {}}, {"b", {}}, {"em", {}}, {"i", {}}, {"u", {}},
    {"s", {}}, {"strike", {}}, {"sub", {}}, {"sup", {}}, {"small", {}}, {"mark", {}},
    {"code", {}}, {"pre", {}}, {"kbd", {}}, {"samp", {}}, {"var", {}}, {"ul", {}},
    {"dl", {}}, {"dt", {}}, {"dd", {}}, {"figure", {}}, {"figcaption", {}}, {"table", {}},
    {"thead", {}}, {"tbody", {}}, {"tfoot", {}}, {"tr", {}}, {"caption", {}}, {"span", {}},
    {"div", {}}, {"abbr", {}}, {"cite", {}}, {"section", {}}, {"article", {}},
    {"header", {}}, {"footer", {}}, {"aside", {}}, {"wbr", {}}, {"address", {}},
};

// More than any element allows (5 of its own + 4 global) and a repeat is refused, so this only
// sizes the seen-list; it is never what refuses a tag.
constexpr std::size_t kMaxAttributesPerTag = 32;
constexpr std::size_t kMaxNameLength = 32;

bool isAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether `text`, ASCII-lower-cased, is `lower_case` (compared in place: no copy per URL).
bool isLowerCaseOf(std::string_view text, std::string_view lower_case) {
  return text.size() == lower_case.size() &&
         std::equal(text.begin(), text.end(), lower_case.begin(),
                    [](char a, char b) { return lower(a) == b; });
}

// HTML's ASCII whitespace.
bool isHtmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

// A C0 control other than HTML whitespace, or DEL: browsers replace or drop these, so the bytes
// a browser parses would not be the bytes read here.
bool isControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && !isHtmlSpace(c)) || u == 0x7F;
}

const AllowedElement* findElement(std::string_view name) {
  for (const auto& element : kAllowedElements) {
    if (element.name == name) return &element;
  }
  return nullptr;
}

const AllowedAttribute* findAttribute(const AllowedElement& element, std::string_view name) {
  for (const auto& attribute : element.attributes) {
    if (!attribute.name.empty() && attribute.name == name) return &attribute;
  }
  for (const auto& attribute : kGlobalAttributes) {
    if (attribute.name == name) return &attribute;
  }
  return nullptr;
}

// http(s), mailto, or a relative reference. A browser decodes character references before it
// reads the scheme (`javascript&colon;x`, `&#106;avascript:x`), so none may come before the
// first '/', '?' or '#', where the scheme is decided; after it (`?a=1&lang=en`) they are data.
// No whitespace, quote, backslash or angle bracket either: a browser strips or folds those
// before it reads the scheme.
bool isAllowedUrl(std::string_view url) {
  for (const char c : url) {
    const bool plain = isAsciiAlpha(c) || isDigit(c) ||
                       std::string_view("-._~:/?#[]@!$&()*+,;=%").find(c) != std::string_view::npos;
    if (!plain && static_cast<unsigned char>(c) < 0x80) return false;
  }
  const std::size_t first_delimiter = url.find_first_of("/?#");
  const std::string_view scheme_region = url.substr(0, first_delimiter);
  if (scheme_region.find('&') != std::string_view::npos) return false;
  const std::size_t colon = scheme_region.find(':');
  if (colon == std::string_view::npos) return true;  // relative: no scheme
  const std::string_view scheme = url.substr(0, colon);
  return isLowerCaseOf(scheme, "http") || isLowerCaseOf(scheme, "https") ||
         isLowerCaseOf(scheme, "mailto");
}

bool isAllowedValue(AttributeKind kind, std::string_view value) {
  switch (kind) {
    case AttributeKind::Text:
      return true;  // data: it goes into the view, where every rule reads it
    case AttributeKind::Url:
      return isAllowedUrl(value);
    case AttributeKind::Token:
      return std::all_of(value.begin(), value.end(), [](char c) {
        return isAsciiAlpha(c) || isDigit(c) || c == ' ' || c == '_' || c == '-';
      });
    case AttributeKind::Number:
      return !value.empty() && value.size() <= 6 &&
             std::all_of(value.begin(), value.end() - (value.back() == '%' ? 1 : 0), isDigit);
    case AttributeKind::DateTime:
      return value.size() <= 40 && std::all_of(value.begin(), value.end(), [](char c) {
               return isAsciiAlpha(c) || isDigit(c) || c == ':' || c == '-' || c == '+' ||
                      c == '.' || c == ' ';
             });
  }
  return false;
}

class FragmentReader {
 public:
  FragmentReader(std::string_view html, std::string& data) : html_(html), data_(data) {}

  HtmlFragmentStatus read() {
    data_.clear();
    data_.reserve(html_.size());
    bool saw_tag = false;
    while (pos_ < html_.size()) {
      const char c = html_[pos_];
      if (isControl(c)) return HtmlFragmentStatus::NotAllowed;
      if (c != '<') {
        data_ += c;
        ++pos_;
        continue;
      }
      const char next = pos_ + 1 < html_.size() ? html_[pos_ + 1] : '\0';
      if (isAsciiAlpha(next)) {
        if (!startTag()) return HtmlFragmentStatus::NotAllowed;
        saw_tag = true;
      } else if (next == '/' || next == '!' || next == '?') {
        // An end tag; or a comment, doctype, CDATA section or processing instruction (and
        // `</` not followed by a letter is a bogus comment to a browser): not allowed.
        if (next != '/' || !endTag()) return HtmlFragmentStatus::NotAllowed;
        saw_tag = true;
      } else {
        data_ += c;  // `a < b`: a browser reads a lone '<' as text
        ++pos_;
      }
    }
    return saw_tag ? HtmlFragmentStatus::Allowlisted : HtmlFragmentStatus::NoMarkup;
  }

 private:
  // [A-Za-z][A-Za-z0-9]*, lower-cased, followed by whitespace, '/' or '>'.
  bool tagName(std::string& name) {
    name.clear();
    while (pos_ < html_.size() && (isAsciiAlpha(html_[pos_]) || isDigit(html_[pos_]))) {
      if (name.size() == kMaxNameLength) return false;
      name += lower(html_[pos_++]);
    }
    return pos_ < html_.size() &&
           (isHtmlSpace(html_[pos_]) || html_[pos_] == '/' || html_[pos_] == '>');
  }

  void skipSpace() {
    while (pos_ < html_.size() && isHtmlSpace(html_[pos_])) ++pos_;
  }

  bool endTag() {
    pos_ += 2;  // "</"
    if (pos_ >= html_.size() || !isAsciiAlpha(html_[pos_])) return false;
    std::string name;
    if (!tagName(name) || findElement(name) == nullptr) return false;
    skipSpace();
    if (pos_ >= html_.size() || html_[pos_] != '>') return false;  // no attributes on end tags
    ++pos_;
    data_ += ' ';
    return true;
  }

  bool startTag() {
    ++pos_;  // '<'
    std::string name;
    if (!tagName(name)) return false;
    const AllowedElement* element = findElement(name);
    if (element == nullptr) return false;
    data_ += ' ';
    std::array<std::string, kMaxAttributesPerTag> seen;
    std::size_t seen_count = 0;
    for (;;) {
      const std::size_t before_space = pos_;
      skipSpace();
      if (pos_ >= html_.size()) return false;  // unterminated tag
      if (html_[pos_] == '>') {
        ++pos_;
        return true;
      }
      if (html_[pos_] == '/') {
        // Only as `/>`: elsewhere a browser reads '/' as a separator (`<img/src=x/onerror=`).
        if (pos_ + 1 >= html_.size() || html_[pos_ + 1] != '>') return false;
        pos_ += 2;
        return true;
      }
      if (pos_ == before_space) return false;  // attributes must be separated by whitespace
      std::string attribute;
      while (pos_ < html_.size() && (isAsciiAlpha(html_[pos_]) || isDigit(html_[pos_]) ||
                                     html_[pos_] == '-')) {
        if (attribute.size() == kMaxNameLength) return false;
        attribute += lower(html_[pos_++]);
      }
      if (attribute.empty() || pos_ >= html_.size()) return false;
      const char after = html_[pos_];
      if (!isHtmlSpace(after) && after != '=' && after != '>' && after != '/') return false;
      const AllowedAttribute* allowed = findAttribute(*element, attribute);
      if (allowed == nullptr || seen_count == seen.size()) return false;
      for (std::size_t i = 0; i < seen_count; ++i) {
        if (seen[i] == attribute) return false;  // which of the two would a browser keep?
      }
      seen[seen_count++] = attribute;
      const std::size_t after_name = pos_;
      skipSpace();
      if (pos_ >= html_.size() || html_[pos_] != '=') {
        pos_ = after_name;  // an attribute with no value
        if (!isAllowedValue(allowed->kind, "")) return false;
        continue;
      }
      ++pos_;
      skipSpace();
      std::string_view value;
      if (!attributeValue(value) || !isAllowedValue(allowed->kind, value)) return false;
      data_ += value;
      data_ += ' ';
    }
  }

  bool attributeValue(std::string_view& value) {
    if (pos_ >= html_.size()) return false;
    const char quote = html_[pos_];
    if (quote == '"' || quote == '\'') {
      const std::size_t close = html_.find(quote, pos_ + 1);
      if (close == std::string_view::npos) return false;
      value = html_.substr(pos_ + 1, close - pos_ - 1);
      pos_ = close + 1;
      if (std::any_of(value.begin(), value.end(), isControl)) return false;
      // A browser needs no space before the next attribute (`title="a"onclick=`); we do.
      return pos_ >= html_.size() || isHtmlSpace(html_[pos_]) || html_[pos_] == '>' ||
             html_[pos_] == '/';
    }
    const std::size_t start = pos_;
    while (pos_ < html_.size() && !isHtmlSpace(html_[pos_]) && html_[pos_] != '>') {
      const char c = html_[pos_];
      // Characters a browser accepts in an unquoted value only as a parse error.
      if (c == '"' || c == '\'' || c == '<' || c == '=' || c == '`' || isControl(c)) return false;
      ++pos_;
    }
    value = html_.substr(start, pos_ - start);
    return !value.empty();
  }

  std::string_view html_;
  std::string& data_;
  std::size_t pos_ = 0;
};

}  // namespace

HtmlFragmentStatus readAllowlistedHtml(std::string_view html, std::string& data) {
  return FragmentReader(html, data).read();
}

}  // namespace rampart::text
