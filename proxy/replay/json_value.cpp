#include "proxy/replay/json_value.h"

#include <cstdint>

#include "detectors/canonical/utf8_validation.h"

namespace rampart::replay {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  bool parse(JsonValue& out) {
    space();
    if (!value(out, 0)) return false;
    space();
    return pos_ == s_.size();
  }

 private:
  void space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool literal(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }

  bool value(JsonValue& out, int depth) {
    if (depth > 64 || pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.type = JsonValue::Type::String;
      return string(out.text);
    }
    if (c == 't' || c == 'f') {
      out.type = JsonValue::Type::Bool;
      out.boolean = c == 't';
      return literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') return literal("null");
    return number(out);
  }

  bool number(JsonValue& out) {
    const std::size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    bool digits = false;
    while (pos_ < s_.size() && ((s_[pos_] >= '0' && s_[pos_] <= '9') || s_[pos_] == '.' ||
                                s_[pos_] == 'e' || s_[pos_] == 'E' || s_[pos_] == '+' ||
                                s_[pos_] == '-')) {
      digits = true;
      ++pos_;
    }
    if (!digits) return false;
    out.type = JsonValue::Type::Number;
    out.text = std::string(s_.substr(start, pos_ - start));
    return true;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool string(std::string& out) {
    ++pos_;  // opening quote
    out.clear();
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return false;
      const char e = s_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return false;
          std::uint32_t cp = 0;
          for (int i = 0; i < 4; ++i) {
            const int h = hex(s_[pos_++]);
            if (h < 0) return false;
            cp = cp * 16 + static_cast<std::uint32_t>(h);
          }
          // rampart writes each invalid byte as \u00XX: give the byte back
          if (cp < 0x100) {
            out.push_back(static_cast<char>(cp));
          } else {
            canonical::appendUtf8(out, cp);
          }
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  bool array(JsonValue& out, int depth) {
    out.type = JsonValue::Type::Array;
    ++pos_;
    space();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      JsonValue item;
      space();
      if (!value(item, depth + 1)) return false;
      out.items.push_back(std::move(item));
      space();
      if (pos_ >= s_.size()) return false;
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return false;
    }
  }

  bool object(JsonValue& out, int depth) {
    out.type = JsonValue::Type::Object;
    ++pos_;
    space();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      space();
      if (pos_ >= s_.size() || s_[pos_] != '"') return false;
      std::string key;
      if (!string(key)) return false;
      space();
      if (pos_ >= s_.size() || s_[pos_] != ':') return false;
      ++pos_;
      space();
      JsonValue v;
      if (!value(v, depth + 1)) return false;
      out.members.push_back(JsonMember{std::move(key), std::move(v)});
      space();
      if (pos_ >= s_.size()) return false;
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return false;
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

const JsonValue* JsonValue::get(std::string_view key) const {
  if (type != Type::Object) return nullptr;
  for (const auto& [k, v] : members) {  // JsonMember: key, value
    if (k == key) return &v;
  }
  return nullptr;
}

std::string JsonValue::scalar(std::string_view key) const {
  const JsonValue* v = get(key);
  if (v == nullptr) return "";
  if (v->type == Type::String || v->type == Type::Number) return v->text;
  return "";
}

std::optional<JsonValue> parseJson(std::string_view text) {
  JsonValue out;
  Parser parser(text);
  if (!parser.parse(out)) return std::nullopt;
  return out;
}

}  // namespace rampart::replay
