#include "detectors/canonical/json_parser.h"

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "detectors/canonical/percent_encoding.h"
#include "detectors/canonical/swar.h"
#include "detectors/canonical/utf8_validation.h"

namespace rampart::canonical {
namespace {

bool isJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Objects with up to this many members find a duplicate key by looking at the member names
// already in the field list; larger ones keep a hash set. Most objects are small, and a set
// per object cost more than its lookups saved (an allocation per key and per object).
constexpr std::size_t kMembersCheckedInList = 8;

struct Frame {
  enum class Kind : std::uint8_t { Object, Array } kind;
  std::size_t path_length;  // the container's own path; members append to it
  std::size_t index = 0;    // arrays: the next element's index
  std::size_t first_field = 0;  // objects: the field list's size when the object opened
  std::size_t members = 0;      // objects: member names so far
  // Objects past kMembersCheckedInList members, under DuplicateKeyPolicy::Reject.
  std::unique_ptr<std::unordered_set<std::string>> keys;
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
      stack_.push_back(
          {c == '{' ? Frame::Kind::Object : Frame::Kind::Array, path_.size(), 0, out_.size(), 0, {}});
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
    if (policy_.duplicate_keys == DuplicateKeyPolicy::Reject && isDuplicateKey(top, name))
      return CanonicalError::JsonDuplicateKey;
    path_.resize(top.path_length);
    if (!path_.empty()) path_ += '.';
    path_ += name;
    out_.push_back({FieldSource::JsonName, path_, std::move(name)});
    return CanonicalError::None;
  }

  // Whether `field` names a member of `object` (not a key of an object nested in one): its
  // path is the object's path, a '.', and its name, and every nested key's path is longer.
  static bool isMemberName(const Frame& object, const Field& field) {
    const std::size_t separator = object.path_length == 0 ? 0 : 1;
    return field.source == FieldSource::JsonName &&
           field.name.size() == object.path_length + separator + field.value.size();
  }

  // Whether `object` already has a member `name`; remembers it otherwise.
  bool isDuplicateKey(Frame& object, const std::string& name) {
    if (object.keys) return !object.keys->insert(name).second;
    for (std::size_t i = object.first_field; i < out_.size(); ++i) {
      if (out_[i].value == name && isMemberName(object, out_[i])) return true;
    }
    if (++object.members == kMembersCheckedInList) {
      object.keys = std::make_unique<std::unordered_set<std::string>>();
      for (std::size_t i = object.first_field; i < out_.size(); ++i) {
        if (isMemberName(object, out_[i])) object.keys->insert(out_[i].value);
      }
      object.keys->insert(name);
    }
    return false;
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

  // Where the run of bytes from `from` that a string copies as they are (no quote, backslash
  // or control byte) ends: eight bytes at a time, since strings are mostly such runs.
  std::size_t plainRunEnd(std::size_t from) const {
    const char* data = text_.data();
    while (text_.size() - from >= 8) {
      const std::uint64_t word = swar::load64(data + from);
      if ((swar::bytesEqual(word, '"') | swar::bytesEqual(word, '\\') |
           swar::bytesBelow(word, 0x20)) != 0)
        break;
      from += 8;
    }
    while (from < text_.size()) {
      const auto c = static_cast<unsigned char>(data[from]);
      if (c == '"' || c == '\\' || c < 0x20) break;
      ++from;
    }
    return from;
  }

  // At the opening quote; leaves pos_ after the closing one.
  CanonicalError string(std::string& out) {
    ++pos_;
    while (true) {
      const std::size_t run_end = plainRunEnd(pos_);
      out.append(text_.data() + pos_, run_end - pos_);
      pos_ = run_end;
      if (pos_ == text_.size()) return CanonicalError::JsonSyntaxError;
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return CanonicalError::None;
      }
      if (static_cast<unsigned char>(c) < 0x20) return CanonicalError::JsonControlCharacter;
      // A backslash.
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
