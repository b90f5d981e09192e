#include "detectors/canonical/json_parser.h"

#include <string>
#include <unordered_set>
#include <vector>

#include "detectors/canonical/percent_encoding.h"
#include "detectors/canonical/utf8_validation.h"

namespace rampart::canonical {
namespace {

bool isJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

struct Frame {
  enum class Kind : std::uint8_t { Object, Array } kind;
  std::size_t path_length;  // the container's own path; members append to it
  std::size_t index = 0;    // arrays: the next element's index
  std::unordered_set<std::string> keys;  // objects under DuplicateKeyPolicy::Reject
};

class JsonParser {
 public:
  JsonParser(std::string_view text, const JsonPolicy& policy, FieldList& out)
      : text_(text), policy_(policy), out_(out) {}

  CanonicalError parse() {
    if (validateUtf8(text_) != Utf8Status::Valid) return CanonicalError::JsonInvalidUtf8;
    skipWhitespace();
    if (pos_ == text_.size()) return CanonicalError::JsonEmpty;
    // What the next token must be.
    enum class Expect : std::uint8_t { Value, Key, AfterValue } expect = Expect::Value;
    while (true) {
      if (expect == Expect::Value) {
        if (const CanonicalError e = value(); e != CanonicalError::None) return e;
        // An opened container wants its first key/element (or its close) next.
        if (just_opened_) {
          just_opened_ = false;
          skipWhitespace();
          Frame& top = stack_.back();
          const char close = top.kind == Frame::Kind::Object ? '}' : ']';
          if (pos_ < text_.size() && text_[pos_] == close) {
            ++pos_;
            closeContainer();
            expect = Expect::AfterValue;
          } else if (top.kind == Frame::Kind::Object) {
            expect = Expect::Key;
          } else {
            beginElement();
            expect = Expect::Value;
          }
          continue;
        }
        expect = Expect::AfterValue;
        continue;
      }
      if (expect == Expect::Key) {
        if (const CanonicalError e = key(); e != CanonicalError::None) return e;
        expect = Expect::Value;
        continue;
      }
      // AfterValue
      skipWhitespace();
      if (stack_.empty()) return pos_ == text_.size() ? CanonicalError::None : CanonicalError::JsonTrailingData;
      if (pos_ == text_.size()) return CanonicalError::JsonSyntaxError;
      Frame& top = stack_.back();
      const char c = text_[pos_++];
      if (c == ',') {
        if (top.kind == Frame::Kind::Object) {
          expect = Expect::Key;
        } else {
          beginElement();
          expect = Expect::Value;
        }
      } else if ((c == '}' && top.kind == Frame::Kind::Object) || (c == ']' && top.kind == Frame::Kind::Array)) {
        closeContainer();
      } else {
        return CanonicalError::JsonSyntaxError;
      }
    }
  }

 private:
  void skipWhitespace() {
    while (pos_ < text_.size() && isJsonWhitespace(text_[pos_])) ++pos_;
  }

  CanonicalError countElement() {
    return ++elements_ > policy_.max_elements ? CanonicalError::JsonTooManyElements : CanonicalError::None;
  }

  void beginElement() {
    Frame& top = stack_.back();
    path_.resize(top.path_length);
    path_ += '[';
    path_ += std::to_string(top.index++);
    path_ += ']';
  }

  // Back to the container's own path: the parent's next member or element replaces it.
  void closeContainer() {
    path_.resize(stack_.back().path_length);
    stack_.pop_back();
  }

  CanonicalError value() {
    skipWhitespace();
    if (pos_ == text_.size()) return CanonicalError::JsonSyntaxError;
    if (const CanonicalError e = countElement(); e != CanonicalError::None) return e;
    const char c = text_[pos_];
    if (c == '{' || c == '[') {
      if (stack_.size() == policy_.max_depth) return CanonicalError::JsonNestingTooDeep;
      ++pos_;
      stack_.push_back({c == '{' ? Frame::Kind::Object : Frame::Kind::Array, path_.size(), 0, {}});
      just_opened_ = true;
      return CanonicalError::None;
    }
    std::string scalar;
    if (c == '"') {
      if (const CanonicalError e = string(scalar); e != CanonicalError::None) return e;
    } else if (c == '-' || isDigit(c)) {
      if (const CanonicalError e = number(scalar); e != CanonicalError::None) return e;
    } else if (const CanonicalError e = literal(scalar); e != CanonicalError::None) {
      return e;
    }
    out_.push_back({FieldSource::JsonValue, path_, std::move(scalar)});
    return CanonicalError::None;
  }

  CanonicalError key() {
    skipWhitespace();
    if (pos_ == text_.size() || text_[pos_] != '"') return CanonicalError::JsonSyntaxError;
    if (const CanonicalError e = countElement(); e != CanonicalError::None) return e;
    std::string name;
    if (const CanonicalError e = string(name); e != CanonicalError::None) return e;
    if (name.size() > policy_.max_key_bytes) return CanonicalError::JsonKeyTooLong;
    skipWhitespace();
    if (pos_ == text_.size() || text_[pos_] != ':') return CanonicalError::JsonSyntaxError;
    ++pos_;
    Frame& top = stack_.back();
    if (policy_.duplicate_keys == DuplicateKeyPolicy::Reject && !top.keys.insert(name).second)
      return CanonicalError::JsonDuplicateKey;
    path_.resize(top.path_length);
    if (!path_.empty()) path_ += '.';
    path_ += name;
    out_.push_back({FieldSource::JsonName, path_, std::move(name)});
    return CanonicalError::None;
  }

  CanonicalError hex4(std::uint32_t& unit) {
    if (text_.size() - pos_ < 4) return CanonicalError::JsonInvalidEscape;
    unit = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hexValue(text_[pos_ + i]);
      if (h < 0) return CanonicalError::JsonInvalidEscape;
      unit = unit * 16 + static_cast<std::uint32_t>(h);
    }
    pos_ += 4;
    return CanonicalError::None;
  }

  // At the opening quote; leaves pos_ after the closing one.
  CanonicalError string(std::string& out) {
    ++pos_;
    while (true) {
      if (pos_ == text_.size()) return CanonicalError::JsonSyntaxError;
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return CanonicalError::None;
      }
      if (static_cast<unsigned char>(c) < 0x20) return CanonicalError::JsonControlCharacter;
      if (c != '\\') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      if (++pos_ == text_.size()) return CanonicalError::JsonSyntaxError;
      const char escape = text_[pos_++];
      switch (escape) {
        case '"': out.push_back('"'); continue;
        case '\\': out.push_back('\\'); continue;
        case '/': out.push_back('/'); continue;
        case 'b': out.push_back('\b'); continue;
        case 'f': out.push_back('\f'); continue;
        case 'n': out.push_back('\n'); continue;
        case 'r': out.push_back('\r'); continue;
        case 't': out.push_back('\t'); continue;
        case 'u': break;
        default: return CanonicalError::JsonInvalidEscape;
      }
      std::uint32_t unit = 0;
      if (const CanonicalError e = hex4(unit); e != CanonicalError::None) return e;
      if (unit >= 0xDC00 && unit <= 0xDFFF) return CanonicalError::JsonLoneSurrogate;
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        if (text_.substr(pos_, 2) != "\\u") return CanonicalError::JsonLoneSurrogate;
        pos_ += 2;
        std::uint32_t low = 0;
        if (const CanonicalError e = hex4(low); e != CanonicalError::None) return e;
        if (low < 0xDC00 || low > 0xDFFF) return CanonicalError::JsonLoneSurrogate;
        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
      }
      if (unit == 0 && policy_.nul_character == NulCharacterPolicy::Reject) return CanonicalError::JsonNulCharacter;
      appendUtf8(out, unit);
    }
  }

  // -? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?  kept as written.
  CanonicalError number(std::string& out) {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < text_.size() && isDigit(text_[pos_])) ++pos_;
      return pos_ - from;
    };
    if (text_[pos_] == '-') ++pos_;
    if (pos_ == text_.size()) return CanonicalError::JsonInvalidNumber;
    if (text_[pos_] == '0') {
      ++pos_;
      if (pos_ < text_.size() && isDigit(text_[pos_])) return CanonicalError::JsonInvalidNumber;
    } else if (digits() == 0) {
      return CanonicalError::JsonInvalidNumber;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return CanonicalError::JsonInvalidNumber;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) return CanonicalError::JsonInvalidNumber;
    }
    // "1x", "1.5.2": the number ends where the grammar says; what follows must be structure.
    if (pos_ < text_.size() && !isJsonWhitespace(text_[pos_]) && text_[pos_] != ',' &&
        text_[pos_] != ']' && text_[pos_] != '}')
      return CanonicalError::JsonInvalidNumber;
    out.assign(text_.substr(start, pos_ - start));
    return CanonicalError::None;
  }

  CanonicalError literal(std::string& out) {
    for (const std::string_view word : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        out.assign(word);
        return CanonicalError::None;
      }
    }
    return CanonicalError::JsonSyntaxError;
  }

  std::string_view text_;
  const JsonPolicy& policy_;
  FieldList& out_;
  std::size_t pos_ = 0;
  std::size_t elements_ = 0;
  bool just_opened_ = false;
  std::string path_;
  std::vector<Frame> stack_;
};

}  // namespace

CanonicalError parseJson(std::string_view text, const JsonPolicy& policy, FieldList& out) {
  return JsonParser(text, policy, out).parse();
}

}  // namespace rampart::canonical
