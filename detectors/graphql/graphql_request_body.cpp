#include "detectors/graphql/graphql_request_body.h"

#include <cstdint>
#include <vector>

#include "detectors/graphql/graphql_document.h"
#include "detectors/canonical/utf8_validation.h"

namespace rampart::graphql {

namespace {

constexpr std::size_t kMaxJsonDepth = 64;

struct Replacement {
  std::size_t begin = 0, end = 0;  // the `query` value's span, quotes included
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
    } else if (c == '\n') {
      out += "\\n";
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

// A strict walk over one JSON text (RFC 8259); it only needs to find `query` members, but it
// checks everything so that a body it accepts is one ModSecurity's parser reads the same way.
class JsonWalker {
 public:
  explicit JsonWalker(std::string_view text) : text_(text) {}

  bool walk(std::vector<Replacement>& out) {
    skipWs();
    if (pos_ < text_.size() && text_[pos_] == '[') {  // a batch of operations
      ++pos_;
      skipWs();
      if (peek(']')) {
        ++pos_;
      } else {
        for (;;) {
          skipWs();
          if (!peek('{') || !operation(out)) return false;
          skipWs();
          if (peek(',')) {
            ++pos_;
            continue;
          }
          if (!peek(']')) return false;
          ++pos_;
          break;
        }
      }
    } else if (!peek('{') || !operation(out)) {
      return false;
    }
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

  // One operation object: its members, with `query` looked at.
  bool operation(std::vector<Replacement>& out) {
    ++pos_;  // '{'
    skipWs();
    if (peek('}')) {
      ++pos_;
      return true;
    }
    bool seen_query = false;
    for (;;) {
      skipWs();
      std::string key;
      if (!string(&key)) return false;
      skipWs();
      if (!peek(':')) return false;
      ++pos_;
      skipWs();
      if (key == "query") {
        if (seen_query) return false;  // duplicate: which one would the server use?
        seen_query = true;
        const std::size_t begin = pos_;
        if (peek('"')) {
          std::string query;
          if (!string(&query)) return false;
          DocumentLiterals literals;
          if (readExecutableDocument(query, literals) == DocumentStatus::Ok) {
            std::string joined;
            for (const auto& s : literals.strings) {
              if (!joined.empty()) joined += '\n';
              joined += s;
            }
            Replacement r;
            r.begin = begin;
            r.end = pos_;
            appendJsonString(r.text, joined);
            out.push_back(std::move(r));
          }
        } else if (!value(1)) {
          return false;
        }
      } else if (!value(1)) {
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

  bool value(std::size_t depth) {
    if (depth > kMaxJsonDepth || pos_ >= text_.size()) return false;
    const char c = text_[pos_];
    if (c == '"') return string(nullptr);
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++pos_;
      skipWs();
      if (peek(close)) {
        ++pos_;
        return true;
      }
      for (;;) {
        skipWs();
        if (c == '{') {
          if (!string(nullptr)) return false;
          skipWs();
          if (!peek(':')) return false;
          ++pos_;
          skipWs();
        }
        if (!value(depth + 1)) return false;
        skipWs();
        if (peek(',')) {
          ++pos_;
          continue;
        }
        if (!peek(close)) return false;
        ++pos_;
        return true;
      }
    }
    for (std::string_view literal : {"true", "false", "null"}) {
      if (text_.substr(pos_, literal.size()) == literal) {
        pos_ += literal.size();
        return true;
      }
    }
    return number();
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
      const char h = text_[pos_ + i];
      int d = -1;
      if (h >= '0' && h <= '9') d = h - '0';
      if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
      if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
      if (d < 0) return false;
      v = v * 16 + static_cast<std::uint32_t>(d);
    }
    pos_ += 4;
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::string> inspectionBody(std::string_view json_body) {
  std::vector<Replacement> replacements;
  JsonWalker walker(json_body);
  if (!walker.walk(replacements) || replacements.empty()) return std::nullopt;
  std::string out;
  out.reserve(json_body.size());
  std::size_t copied = 0;
  for (const auto& r : replacements) {
    out.append(json_body.substr(copied, r.begin - copied));
    out += r.text;
    copied = r.end;
  }
  out.append(json_body.substr(copied));
  return out;
}

}  // namespace rampart::graphql
