#include "detectors/graphql/graphql_document.h"

#include <optional>

#include "detectors/canonical/percent_encoding.h"
#include "detectors/canonical/utf8_validation.h"

namespace rampart::graphql {

std::string_view documentStatusName(DocumentStatus status) {
  switch (status) {
    case DocumentStatus::Ok: return "ok";
    case DocumentStatus::NotADocument: return "graphql_not_a_document";
    case DocumentStatus::BadString: return "graphql_bad_string";
    case DocumentStatus::TooDeep: return "graphql_too_deep";
    case DocumentStatus::TooManyTokens: return "graphql_too_many_tokens";
  }
  return "unknown";
}

namespace {

enum class TokenKind : std::uint8_t { End, Punctuator, Name, Int, Float, String };

struct Token {
  TokenKind kind = TokenKind::End;
  std::string_view text;  // punctuator or name or number as written
};

bool isNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isNameContinue(char c) { return isNameStart(c) || isDigit(c); }

using canonical::hexValue;

// Lexer and recursive-descent parser in one: the grammar needs one token of lookahead.
class DocumentReader {
 public:
  DocumentReader(std::string_view text, DocumentLiterals& out, const DocumentLimits& limits)
      : text_(text), out_(out), limits_(limits) {}

  DocumentStatus read() {
    if (!advance()) return status_;
    if (current_.kind == TokenKind::End) return DocumentStatus::NotADocument;  // empty
    while (current_.kind != TokenKind::End) {
      if (!definition()) return failure();
    }
    return DocumentStatus::Ok;
  }

 private:
  // ---- lexer ----

  void skipIgnored() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
      } else if (text_.substr(pos_, 3) == "\xEF\xBB\xBF") {  // UnicodeBOM
        pos_ += 3;
      } else {
        return;
      }
    }
  }

  bool fail(DocumentStatus status) {
    if (status_ == DocumentStatus::Ok) status_ = status;
    return false;
  }
  DocumentStatus failure() const {
    return status_ == DocumentStatus::Ok ? DocumentStatus::NotADocument : status_;
  }

  bool advance() {
    if (++tokens_ > limits_.max_tokens) return fail(DocumentStatus::TooManyTokens);
    skipIgnored();
    if (pos_ >= text_.size()) {
      current_ = {TokenKind::End, {}};
      return true;
    }
    const std::size_t start = pos_;
    const char c = text_[pos_];
    if (text_.substr(pos_, 3) == "...") {
      pos_ += 3;
      current_ = {TokenKind::Punctuator, text_.substr(start, 3)};
      return true;
    }
    if (std::string_view("!$&()=:@[]{}|").find(c) != std::string_view::npos) {
      ++pos_;
      current_ = {TokenKind::Punctuator, text_.substr(start, 1)};
      return true;
    }
    if (isNameStart(c)) {
      while (pos_ < text_.size() && isNameContinue(text_[pos_])) ++pos_;
      current_ = {TokenKind::Name, text_.substr(start, pos_ - start)};
      return true;
    }
    if (c == '-' || isDigit(c)) return number(start);
    if (c == '"') return string(start);
    return fail(DocumentStatus::NotADocument);
  }

  bool number(std::size_t start) {
    if (text_[pos_] == '-') ++pos_;
    if (pos_ >= text_.size() || !isDigit(text_[pos_])) return fail(DocumentStatus::NotADocument);
    if (text_[pos_] == '0') {
      ++pos_;
      if (pos_ < text_.size() && isDigit(text_[pos_])) return fail(DocumentStatus::NotADocument);
    } else {
      while (pos_ < text_.size() && isDigit(text_[pos_])) ++pos_;
    }
    bool is_float = false;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      is_float = true;
      ++pos_;
      if (pos_ >= text_.size() || !isDigit(text_[pos_])) return fail(DocumentStatus::NotADocument);
      while (pos_ < text_.size() && isDigit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      is_float = true;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (pos_ >= text_.size() || !isDigit(text_[pos_])) return fail(DocumentStatus::NotADocument);
      while (pos_ < text_.size() && isDigit(text_[pos_])) ++pos_;
    }
    // "1x", "1.2.3": a number must not run into a name or another '.'.
    if (pos_ < text_.size() && (isNameStart(text_[pos_]) || text_[pos_] == '.')) {
      return fail(DocumentStatus::NotADocument);
    }
    current_ = {is_float ? TokenKind::Float : TokenKind::Int, text_.substr(start, pos_ - start)};
    return true;
  }

  bool string(std::size_t start) {
    std::string value;
    if (text_.substr(pos_, 3) == "\"\"\"") {
      pos_ += 3;
      for (;;) {
        if (pos_ >= text_.size()) return fail(DocumentStatus::BadString);
        if (text_.substr(pos_, 3) == "\"\"\"") {
          pos_ += 3;
          break;
        }
        if (text_.substr(pos_, 4) == "\\\"\"\"") {
          value += "\"\"\"";
          pos_ += 4;
          continue;
        }
        value += text_[pos_++];
      }
    } else {
      ++pos_;
      for (;;) {
        if (pos_ >= text_.size()) return fail(DocumentStatus::BadString);
        const char c = text_[pos_];
        if (c == '"') {
          ++pos_;
          break;
        }
        if (c == '\n' || c == '\r') return fail(DocumentStatus::BadString);
        if (c != '\\') {
          value += c;
          ++pos_;
          continue;
        }
        if (++pos_ >= text_.size()) return fail(DocumentStatus::BadString);
        const char e = text_[pos_++];
        switch (e) {
          case '"': value += '"'; break;
          case '\\': value += '\\'; break;
          case '/': value += '/'; break;
          case 'b': value += '\b'; break;
          case 'f': value += '\f'; break;
          case 'n': value += '\n'; break;
          case 'r': value += '\r'; break;
          case 't': value += '\t'; break;
          case 'u': {
            std::uint32_t cp = 0;
            if (!unicodeEscape(cp)) return fail(DocumentStatus::BadString);
            canonical::appendUtf8(value, cp);
            break;
          }
          default: return fail(DocumentStatus::BadString);
        }
      }
    }
    if (out_.strings.size() >= limits_.max_tokens) return fail(DocumentStatus::TooManyTokens);
    out_.strings.push_back(std::move(value));
    current_ = {TokenKind::String, text_.substr(start, pos_ - start)};
    return true;
  }

  // After "\u": XXXX (a surrogate pair as two escapes) or {X...} (GraphQL's newer form).
  bool unicodeEscape(std::uint32_t& cp) {
    auto fixed = [&](std::uint32_t& v) {
      if (pos_ + 4 > text_.size()) return false;
      v = 0;
      for (int i = 0; i < 4; ++i) {
        const int h = hexValue(text_[pos_ + i]);
        if (h < 0) return false;
        v = v * 16 + static_cast<std::uint32_t>(h);
      }
      pos_ += 4;
      return true;
    };
    if (pos_ < text_.size() && text_[pos_] == '{') {
      ++pos_;
      cp = 0;
      std::size_t digits = 0;
      while (pos_ < text_.size() && text_[pos_] != '}') {
        const int h = hexValue(text_[pos_++]);
        if (h < 0 || ++digits > 6) return false;
        cp = cp * 16 + static_cast<std::uint32_t>(h);
      }
      if (pos_ >= text_.size() || digits == 0) return false;
      ++pos_;  // '}'
      return cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    }
    if (!fixed(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      std::uint32_t low = 0;
      if (text_.substr(pos_, 2) != "\\u") return false;
      pos_ += 2;
      if (!fixed(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    return true;
  }

  // ---- parser ----

  bool isPunct(std::string_view p) const {
    return current_.kind == TokenKind::Punctuator && current_.text == p;
  }
  bool isName(std::string_view n) const {
    return current_.kind == TokenKind::Name && current_.text == n;
  }
  bool expectPunct(std::string_view p) {
    if (!isPunct(p)) return fail(DocumentStatus::NotADocument);
    return advance();
  }
  bool expectName() {
    if (current_.kind != TokenKind::Name) return fail(DocumentStatus::NotADocument);
    return advance();
  }

  struct DepthGuard {
    explicit DepthGuard(DocumentReader& r) : reader(r) { ++reader.depth_; }
    ~DepthGuard() { --reader.depth_; }
    bool ok() const { return reader.depth_ <= reader.limits_.max_depth; }
    DocumentReader& reader;
  };

  bool definition() {
    if (isPunct("{")) return selectionSet();
    if (isName("query") || isName("mutation") || isName("subscription")) {
      if (!advance()) return false;
      if (current_.kind == TokenKind::Name && !advance()) return false;
      if (isPunct("(") && !variableDefinitions()) return false;
      if (!directives()) return false;
      return selectionSet();
    }
    if (isName("fragment")) {
      if (!advance()) return false;
      if (current_.kind != TokenKind::Name || current_.text == "on") {
        return fail(DocumentStatus::NotADocument);
      }
      if (!advance()) return false;
      if (!isName("on")) return fail(DocumentStatus::NotADocument);
      if (!advance() || !expectName()) return false;
      if (!directives()) return false;
      return selectionSet();
    }
    return fail(DocumentStatus::NotADocument);
  }

  bool selectionSet() {
    DepthGuard guard(*this);
    if (!guard.ok()) return fail(DocumentStatus::TooDeep);
    if (!expectPunct("{")) return false;
    if (isPunct("}")) return fail(DocumentStatus::NotADocument);  // Selection+
    while (!isPunct("}")) {
      if (!selection()) return false;
    }
    return advance();
  }

  bool selection() {
    if (isPunct("...")) {
      if (!advance()) return false;
      if (current_.kind == TokenKind::Name && current_.text != "on") {  // FragmentSpread
        if (!advance()) return false;
        return directives();
      }
      if (isName("on")) {  // InlineFragment with a type condition
        if (!advance() || !expectName()) return false;
      }
      if (!directives()) return false;
      return selectionSet();
    }
    if (current_.kind != TokenKind::Name) return fail(DocumentStatus::NotADocument);
    if (!advance()) return false;
    if (isPunct(":")) {  // alias
      if (!advance() || !expectName()) return false;
    }
    if (isPunct("(") && !arguments(false)) return false;
    if (!directives()) return false;
    if (isPunct("{")) return selectionSet();
    return true;
  }

  bool arguments(bool is_const) {
    if (!expectPunct("(")) return false;
    if (isPunct(")")) return fail(DocumentStatus::NotADocument);  // Argument+
    while (!isPunct(")")) {
      if (!expectName() || !expectPunct(":") || !value(is_const)) return false;
    }
    return advance();
  }

  bool directives() {
    while (isPunct("@")) {
      if (!advance() || !expectName()) return false;
      if (isPunct("(") && !arguments(false)) return false;
    }
    return true;
  }

  bool variableDefinitions() {
    if (!expectPunct("(")) return false;
    if (isPunct(")")) return fail(DocumentStatus::NotADocument);
    while (!isPunct(")")) {
      if (!expectPunct("$") || !expectName() || !expectPunct(":") || !type()) return false;
      if (isPunct("=")) {
        if (!advance() || !value(true)) return false;
      }
      if (!directives()) return false;
    }
    return advance();
  }

  bool type() {
    DepthGuard guard(*this);
    if (!guard.ok()) return fail(DocumentStatus::TooDeep);
    if (isPunct("[")) {
      if (!advance() || !type() || !expectPunct("]")) return false;
    } else if (!expectName()) {
      return false;
    }
    if (isPunct("!")) return advance();
    return true;
  }

  bool value(bool is_const) {
    DepthGuard guard(*this);
    if (!guard.ok()) return fail(DocumentStatus::TooDeep);
    switch (current_.kind) {
      case TokenKind::Int:
      case TokenKind::Float:
      case TokenKind::String:
      case TokenKind::Name:  // true, false, null, enum values
        return advance();
      case TokenKind::Punctuator:
        if (isPunct("$") && !is_const) return advance() && expectName();
        if (isPunct("[")) {
          if (!advance()) return false;
          while (!isPunct("]")) {
            if (current_.kind == TokenKind::End || !value(is_const)) {
              return fail(DocumentStatus::NotADocument);
            }
          }
          return advance();
        }
        if (isPunct("{")) {
          if (!advance()) return false;
          while (!isPunct("}")) {
            if (!expectName() || !expectPunct(":") || !value(is_const)) return false;
          }
          return advance();
        }
        return fail(DocumentStatus::NotADocument);
      case TokenKind::End:
        return fail(DocumentStatus::NotADocument);
    }
    return fail(DocumentStatus::NotADocument);
  }

  std::string_view text_;
  DocumentLiterals& out_;
  const DocumentLimits& limits_;
  std::size_t pos_ = 0;
  std::size_t tokens_ = 0;
  std::size_t depth_ = 0;
  Token current_;
  DocumentStatus status_ = DocumentStatus::Ok;
};

}  // namespace

DocumentStatus readExecutableDocument(std::string_view text, DocumentLiterals& out,
                                      const DocumentLimits& limits) {
  out.strings.clear();
  DocumentReader reader(text, out, limits);
  const DocumentStatus status = reader.read();
  if (status != DocumentStatus::Ok) out.strings.clear();
  return status;
}

}  // namespace rampart::graphql
