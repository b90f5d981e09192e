#include "detectors/modsecurity/json_inspection_view.h"

#include <cstdint>
#include <random>
#include <vector>

#include "detectors/canonical/percent_encoding.h"
#include "detectors/canonical/utf8_validation.h"
#include "detectors/graphql/graphql_document.h"
#include "detectors/text/free_text_view.h"
#include "detectors/text/language_code.h"

namespace rampart::modsec {

namespace {

constexpr std::size_t kMaxJsonDepth = 64;

struct Replacement {
  std::size_t begin = 0, end = 0;  // the value's span, quotes included
  std::string text;                // its replacement, a JSON string
};

void appendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
      // The short escapes, so a replacement is no longer than the value it replaces (a
      // language_code member adds only its name).
      out += '\\';
      out += c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  out += '"';
}

// A strict walk over one JSON text (RFC 8259). It checks everything, not only the values it
// replaces, so that a body it accepts is one ModSecurity's JSON parser reads the same way.
class JsonWalker {
 public:
  JsonWalker(std::string_view text, JsonInspectionView& view, bool language_code_members)
      : text_(text), view_(view), language_code_members_(language_code_members) {}

  // Whether a member name held kLanguageCodeSuffix's control byte.
  bool sawSuffixByte() const { return saw_suffix_byte_; }

  bool walk(std::vector<Replacement>& out) {
    out_ = &out;
    skipWs();
    if (!value(0, /*operation_level=*/true)) return false;
    skipWs();
    return pos_ == text_.size();
  }

 private:
  bool peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  void skipWs() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // `operation_level`: this value is the top-level one, or an element of a top-level array,
  // where a GraphQL request's operation objects live.
  bool value(std::size_t depth, bool operation_level) {
    if (depth > kMaxJsonDepth || pos_ >= text_.size()) return false;
    const char c = text_[pos_];
    if (c == '"') return stringValue();
    if (c == '{') return object(depth, operation_level);
    if (c == '[') return array(depth);
    for (std::string_view literal : {"true", "false", "null"}) {
      if (text_.substr(pos_, literal.size()) == literal) {
        pos_ += literal.size();
        return true;
      }
    }
    return number();
  }

  bool array(std::size_t depth) {
    ++pos_;  // '['
    skipWs();
    if (peek(']')) {
      ++pos_;
      return true;
    }
    for (;;) {
      skipWs();
      if (!value(depth + 1, /*operation_level=*/depth == 0)) return false;
      skipWs();
      if (peek(',')) {
        ++pos_;
        continue;
      }
      if (!peek(']')) return false;
      ++pos_;
      return true;
    }
  }

  bool object(std::size_t depth, bool operation_level) {
    ++pos_;  // '{'
    skipWs();
    if (peek('}')) {
      ++pos_;
      return true;
    }
    bool seen_query = false;
    for (;;) {
      skipWs();
      key_.clear();
      if (!string(&key_)) return false;
      saw_suffix_byte_ = saw_suffix_byte_ || key_.find(languageCodeSuffix()[0]) != std::string::npos;
      skipWs();
      if (!peek(':')) return false;
      ++pos_;
      skipWs();
      if (operation_level && key_ == "query") {
        if (seen_query) return false;  // duplicate: which one would the server use?
        seen_query = true;
        if (peek('"')) {
          if (!graphqlQuery()) return false;
        } else if (!value(depth + 1, false)) {
          return false;
        }
      } else if (peek('"')) {
        if (!stringValue(&key_)) return false;
      } else if (!value(depth + 1, false)) {
        return false;
      }
      skipWs();
      if (peek(',')) {
        ++pos_;
        continue;
      }
      if (!peek('}')) return false;
      ++pos_;
      return true;
    }
  }

  bool graphqlQuery() {
    const std::size_t begin = pos_;
    decoded_.clear();
    if (!string(&decoded_)) return false;
    graphql::DocumentLiterals literals;
    if (graphql::readExecutableDocument(decoded_, literals) != graphql::DocumentStatus::Ok) {
      return textViews(begin);  // not GraphQL: free text like any other value
    }
    std::string joined;
    for (const auto& s : literals.strings) {
      if (!joined.empty()) joined += '\n';
      joined += s;
    }
    replaceValue(begin, joined);
    view_.graphql = true;
    return true;
  }

  // `member`: the name of the object member this string is the value of (null in an array).
  bool stringValue(const std::string* member = nullptr) {
    const std::size_t begin = pos_;
    decoded_.clear();
    if (!string(&decoded_)) return false;
    if (member != nullptr && language_code_members_) {
      if (auto split = text::splitLanguageCode(decoded_)) {
        languageCode(begin, *member, std::move(*split));
        return true;
      }
    }
    return textViews(begin);
  }

  // The member whose value spans [begin, pos_) becomes its prose (through the free-text views)
  // followed by a member of its own for the code.
  void languageCode(std::size_t begin, const std::string& member, text::LanguageCode split) {
    const text::FreeTextViews views = text::freeTextView(split.prose, text_view_, scratch_);
    view_.code_fence = true;
    view_.html = view_.html || views.html;
    view_.language_code = true;
    Replacement r;
    r.begin = begin;
    r.end = pos_;
    appendJsonString(r.text, views.any() ? std::string_view(text_view_) : split.prose);
    r.text += ',';
    std::string name = member;
    name += languageCodeSuffix();
    appendJsonString(r.text, name);
    r.text += ':';
    appendJsonString(r.text, split.code);
    out_->push_back(std::move(r));
  }

  // decoded_ holds the value that spans [begin, pos_).
  bool textViews(std::size_t begin) {
    const text::FreeTextViews views = text::freeTextView(decoded_, text_view_, scratch_);
    if (!views.any()) return true;
    view_.code_fence = view_.code_fence || views.code_fence;
    view_.html = view_.html || views.html;
    replaceValue(begin, text_view_);
    return true;
  }

  // The string value that spans [begin, pos_) is inspected as `text` instead.
  void replaceValue(std::size_t begin, std::string_view text) {
    Replacement r;
    r.begin = begin;
    r.end = pos_;
    appendJsonString(r.text, text);
    out_->push_back(std::move(r));
  }

  bool number() {
    auto digits = [&] {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ > start;
    };
    if (peek('-')) ++pos_;
    if (peek('0')) {
      ++pos_;
    } else if (!digits()) {
      return false;
    }
    if (peek('.')) {
      ++pos_;
      if (!digits()) return false;
    }
    if (peek('e') || peek('E')) {
      ++pos_;
      if (peek('+') || peek('-')) ++pos_;
      if (!digits()) return false;
    }
    return true;
  }

  // A JSON string at pos_; decoded into *out when out is not null.
  bool string(std::string* out) {
    if (!peek('"')) return false;
    ++pos_;
    for (;;) {
      if (pos_ >= text_.size()) return false;
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;
      if (c != '\\') {
        if (out) *out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      if (++pos_ >= text_.size()) return false;
      const char e = text_[pos_++];
      char simple = 0;
      switch (e) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': break;
        default: return false;
      }
      if (simple != 0) {
        if (out) *out += simple;
        continue;
      }
      std::uint32_t cp = 0;
      if (!hex4(cp)) return false;
      if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        std::uint32_t low = 0;
        if (text_.substr(pos_, 2) != "\\u") return false;
        pos_ += 2;
        if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      }
      if (out) canonical::appendUtf8(*out, cp);
    }
  }

  bool hex4(std::uint32_t& v) {
    if (pos_ + 4 > text_.size()) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = canonical::hexValue(text_[pos_ + i]);
      if (d < 0) return false;
      v = v * 16 + static_cast<std::uint32_t>(d);
    }
    pos_ += 4;
    return true;
  }

  std::string_view text_;
  JsonInspectionView& view_;
  bool language_code_members_;
  bool saw_suffix_byte_ = false;
  std::vector<Replacement>* out_ = nullptr;
  std::size_t pos_ = 0;
  std::string key_, decoded_, text_view_, scratch_;  // reused across values
};

}  // namespace

std::string_view languageCodeSuffix() {
  static const std::string suffix = [] {
    std::random_device random;
    std::string out = "\x1f" "code-";
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 4; ++i) {
      const auto word = static_cast<std::uint32_t>(random());
      for (int shift = 0; shift < 32; shift += 8) out += kHex[(word >> shift) & 0xF];
    }
    return out;
  }();
  return suffix;
}

std::optional<JsonInspectionView> jsonInspectionView(std::string_view json_body,
                                                     LanguageCodeMembers language_code) {
  JsonInspectionView view;
  std::vector<Replacement> replacements;
  {
    JsonWalker walker(json_body, view, language_code == LanguageCodeMembers::Allowed);
    if (!walker.walk(replacements)) return std::nullopt;
    if (view.language_code && walker.sawSuffixByte()) {
      // A member name the client chose could be read as a language_code member (or collide
      // with one): walk again without them.
      view = JsonInspectionView{};
      replacements.clear();
      JsonWalker again(json_body, view, false);
      if (!again.walk(replacements)) return std::nullopt;
    }
  }
  if (replacements.empty()) return std::nullopt;
  view.body.reserve(json_body.size());
  std::size_t copied = 0;
  for (const auto& r : replacements) {
    view.body.append(json_body.substr(copied, r.begin - copied));
    view.body += r.text;
    copied = r.end;
  }
  view.body.append(json_body.substr(copied));
  return view;
}

}  // namespace rampart::modsec
