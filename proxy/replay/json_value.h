// A small JSON reader (RFC 8259) for the decision records `rampart replay` reads back: objects,
// arrays, strings, numbers, literals. Numbers keep their text. Never throws.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::replay {

struct JsonMember;

struct JsonValue {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  std::string text;  // String: decoded (\u00XX gives the byte XX when < 0x100); Number: as written
  std::vector<JsonValue> items;                // Array
  // Object, in order. Not vector<pair<string, JsonValue>>: a pair of an incomplete type does not
  // compile with clang and libstdc++ (the fuzz preset).
  std::vector<JsonMember> members;

  const JsonValue* get(std::string_view key) const;  // Object member or nullptr
  // A string member's text, or a number member's text; "" otherwise.
  std::string scalar(std::string_view key) const;
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

// nullopt when `text` is not one complete JSON value (surrounding whitespace allowed).
std::optional<JsonValue> parseJson(std::string_view text);

}  // namespace rampart::replay
