#include "detectors/canonical/json_parser.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/unit/detectors/canonical/canonical_error_printer.h"

namespace rampart::canonical {
namespace {

using namespace std::string_literals;

FieldList parse(std::string_view text, const JsonPolicy& policy = {}) {
  FieldList out;
  INFO(text);
  REQUIRE(parseJson(text, policy, out) == CanonicalError::None);
  return out;
}

CanonicalError errorOf(std::string_view text, const JsonPolicy& policy = {}) {
  FieldList out;
  return parseJson(text, policy, out);
}

// "source name=value" lines, for compact comparisons.
std::string describe(const FieldList& fields) {
  std::string out;
  for (const auto& f : fields) {
    out += fieldSourceName(f.source);
    out += ' ';
    out += f.name;
    out += '=';
    out += f.value;
    out += '\n';
  }
  return out;
}

TEST_CASE("json: keys and scalars as fields named by dotted paths", "[canonical]") {
  REQUIRE(describe(parse(R"({"a":{"b":[1,2,{"c":"x"}]},"d":true,"e":null,"f":-1.5e+3})")) ==
          "json_name a=a\n"
          "json_name a.b=b\n"
          "json_value a.b[0]=1\n"
          "json_value a.b[1]=2\n"
          "json_name a.b[2].c=c\n"
          "json_value a.b[2].c=x\n"
          "json_name d=d\n"
          "json_value d=true\n"
          "json_name e=e\n"
          "json_value e=null\n"
          "json_name f=f\n"
          "json_value f=-1.5e+3\n");
  REQUIRE(describe(parse("[[1],[],{}, [\"x\"]]")) == "json_value [0][0]=1\njson_value [3][0]=x\n");
}

TEST_CASE("json: a top-level scalar is a field too", "[canonical]") {
  REQUIRE(describe(parse("\"' OR 1=1--\"")) == "json_value =' OR 1=1--\n");
  REQUIRE(describe(parse(" 42 ")) == "json_value =42\n");
  REQUIRE(describe(parse("null")) == "json_value =null\n");
}

TEST_CASE("json: escapes are decoded before detectors see them", "[canonical]") {
  REQUIRE(parse(R"("\u0027 OR \u00271\u0027=\u00271")")[0].value == "' OR '1'='1");
  REQUIRE(parse(R"("\u003cscript\u003e")")[0].value == "<script>");
  REQUIRE(parse(R"("\"\\\/\b\f\n\r\t")")[0].value == "\"\\/\b\f\n\r\t");
  REQUIRE(parse(R"("caf\u00e9 \u20AC")")[0].value == "caf\xC3\xA9 \xE2\x82\xAC");
  REQUIRE(parse(R"("\ud83d\ude00")")[0].value == "\xF0\x9F\x98\x80");  // surrogate pair
  REQUIRE(parse(R"({"\u0061dmin":1})")[0].value == "admin");          // keys too
  REQUIRE(parse("\"caf\xC3\xA9\"")[0].value == "caf\xC3\xA9");
}

TEST_CASE("json: lone surrogates, bad escapes, NUL", "[canonical]") {
  REQUIRE(errorOf(R"("\ud83d")") == CanonicalError::JsonLoneSurrogate);
  REQUIRE(errorOf(R"("\ud83dx")") == CanonicalError::JsonLoneSurrogate);
  REQUIRE(errorOf(R"("\ude00")") == CanonicalError::JsonLoneSurrogate);
  REQUIRE(errorOf(R"("\ud83d\u0041")") == CanonicalError::JsonLoneSurrogate);
  REQUIRE(errorOf(R"("\ud83d\ud83d")") == CanonicalError::JsonLoneSurrogate);
  REQUIRE(errorOf(R"("\x27")") == CanonicalError::JsonInvalidEscape);
  REQUIRE(errorOf(R"("\u12")") == CanonicalError::JsonInvalidEscape);
  REQUIRE(errorOf(R"("\u12g4")") == CanonicalError::JsonInvalidEscape);
  REQUIRE(errorOf(R"("\')") == CanonicalError::JsonInvalidEscape);
  REQUIRE(errorOf(R"("a\u0000b")") == CanonicalError::JsonNulCharacter);
  JsonPolicy allow_nul;
  allow_nul.nul_character = NulCharacterPolicy::Allow;
  REQUIRE(parse(R"("a\u0000b")", allow_nul)[0].value == "a\0b"s);
  REQUIRE(errorOf("\"a\tb\"") == CanonicalError::JsonControlCharacter);
  REQUIRE(errorOf("\"a\nb\"") == CanonicalError::JsonControlCharacter);
  REQUIRE(errorOf("\"a\0b\""s) == CanonicalError::JsonControlCharacter);
}

TEST_CASE("json: invalid and overlong UTF-8 anywhere", "[canonical]") {
  REQUIRE(errorOf("\"\xC0\xA7\"") == CanonicalError::JsonInvalidUtf8);
  REQUIRE(errorOf("{\"\xE0\x80\xAF\":1}") == CanonicalError::JsonInvalidUtf8);
  REQUIRE(errorOf("\"\xED\xA0\x80\"") == CanonicalError::JsonInvalidUtf8);
  REQUIRE(errorOf("\xFF\xFE{}") == CanonicalError::JsonInvalidUtf8);  // UTF-16 BOM
  REQUIRE(errorOf("\xEF\xBB\xBF{}") == CanonicalError::JsonSyntaxError);  // UTF-8 BOM
}

TEST_CASE("json: numbers follow the grammar exactly", "[canonical]") {
  for (const char* ok : {"0", "-0", "1", "-12", "0.5", "1e5", "1E-5", "1.25e+10", "[1,2]"}) {
    INFO(ok);
    REQUIRE(errorOf(ok) == CanonicalError::None);
  }
  for (const char* bad : {"01", "-", "1.", "1e", "1e+", "-01", "0x10", "[1.]", "[1:2]", "1.5.2", "-a"}) {
    INFO(bad);
    REQUIRE(errorOf(bad) == CanonicalError::JsonInvalidNumber);
  }
  REQUIRE(errorOf(".5") == CanonicalError::JsonSyntaxError);
  REQUIRE(errorOf("+1") == CanonicalError::JsonSyntaxError);
  REQUIRE(errorOf("NaN") == CanonicalError::JsonSyntaxError);
  REQUIRE(errorOf("Infinity") == CanonicalError::JsonSyntaxError);
}

TEST_CASE("json: syntax", "[canonical]") {
  REQUIRE(errorOf("") == CanonicalError::JsonEmpty);
  REQUIRE(errorOf("  \n ") == CanonicalError::JsonEmpty);
  for (const char* bad : {"{", "[", "{\"a\"}", "{\"a\":}", "{a:1}", "{'a':1}", "[1,]", "{\"a\":1,}", "[,1]",
                          "\"unterminated", "tru", "nul", "{\"a\" 1}", "[1 2]", "{\"a\":1 \"b\":2}", "}"}) {
    INFO(bad);
    const CanonicalError e = errorOf(bad);
    REQUIRE(e != CanonicalError::None);
  }
  REQUIRE(errorOf("{} {}") == CanonicalError::JsonTrailingData);
  REQUIRE(errorOf("{}x") == CanonicalError::JsonTrailingData);
  REQUIRE(errorOf("[1]]") == CanonicalError::JsonTrailingData);
  REQUIRE(errorOf("{\"a\":1}//comment") == CanonicalError::JsonTrailingData);
  REQUIRE(errorOf("[1]\n") == CanonicalError::None);
}

TEST_CASE("json: duplicate keys per policy", "[canonical]") {
  REQUIRE(errorOf(R"({"role":"user","role":"admin"})") == CanonicalError::JsonDuplicateKey);
  REQUIRE(errorOf(R"({"role":"user","r\u006fle":"admin"})") == CanonicalError::JsonDuplicateKey);  // decoded
  REQUIRE(errorOf(R"({"a":{"x":1},"b":{"x":1}})") == CanonicalError::None);  // per object
  REQUIRE(errorOf(R"([{"x":1},{"x":2}])") == CanonicalError::None);
  // A key of a nested object or array element with a member's name is not a duplicate, nor is
  // a member whose name contains the dots of a nested path.
  REQUIRE(errorOf(R"({"a":{"b":1},"b":2})") == CanonicalError::None);
  REQUIRE(errorOf(R"({"a":[{"b":1}],"b":2,"a.b":3})") == CanonicalError::None);
  REQUIRE(errorOf(R"({"o":{"a":{"b":1},"b":2}})") == CanonicalError::None);
  REQUIRE(errorOf(R"({"o":{"a":{"b":1},"b":2,"b":3}})") == CanonicalError::JsonDuplicateKey);

  // Small objects are checked against the names already listed, larger ones with a set: the
  // duplicate is found whichever member it repeats, before and after that switch.
  for (int members = 1; members <= 20; ++members) {
    for (int repeated = 0; repeated < members; ++repeated) {
      std::string object = "{";
      for (int m = 0; m < members; ++m) {
        object += "\"k" + std::to_string(m) + "\":{\"k" + std::to_string(m + 1) + "\":[1]},";
      }
      const std::string unique = object.substr(0, object.size() - 1) + "}";
      const std::string doubled = object + "\"k" + std::to_string(repeated) + "\":0}";
      INFO(doubled);
      REQUIRE(errorOf(unique) == CanonicalError::None);
      REQUIRE(errorOf(doubled) == CanonicalError::JsonDuplicateKey);
    }
  }

  JsonPolicy allow;
  allow.duplicate_keys = DuplicateKeyPolicy::Allow;
  const FieldList fields = parse(R"({"role":"user","role":"admin"})", allow);
  REQUIRE(fields.size() == 4);
  REQUIRE(fields[3].value == "admin");
}

TEST_CASE("json: depth, element and key limits", "[canonical]") {
  JsonPolicy small;
  small.max_depth = 3;
  small.max_elements = 6;
  small.max_key_bytes = 4;
  REQUIRE(errorOf("[[[1]]]", small) == CanonicalError::None);
  REQUIRE(errorOf("[[[[1]]]]", small) == CanonicalError::JsonNestingTooDeep);
  JsonPolicy shallow;
  shallow.max_depth = 3;
  REQUIRE(errorOf(R"({"a":{"b":{"c":1}}})", shallow) == CanonicalError::None);
  REQUIRE(errorOf(R"({"a":{"b":{"c":{}}}})", shallow) == CanonicalError::JsonNestingTooDeep);
  REQUIRE(errorOf("[1,2,3,4,5]", small) == CanonicalError::None);
  REQUIRE(errorOf("[1,2,3,4,5,6]", small) == CanonicalError::JsonTooManyElements);
  REQUIRE(errorOf(R"({"abcde":1})", small) == CanonicalError::JsonKeyTooLong);
  // The default depth holds deep documents without recursion.
  const std::string deep = std::string(64, '[') + std::string(64, ']');
  REQUIRE(errorOf(deep) == CanonicalError::None);
  const std::string too_deep = std::string(100000, '[') + std::string(100000, ']');
  REQUIRE(errorOf(too_deep) == CanonicalError::JsonNestingTooDeep);
}

}  // namespace
}  // namespace rampart::canonical
