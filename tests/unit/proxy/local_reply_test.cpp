#include "proxy/local_reply.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rampart {
namespace {

// A strict parser for the one shape a local reply has: a flat JSON object whose values are
// strings or non-negative integers. Returns nullopt on anything else, so a malformed body fails.
using JsonValue = std::variant<std::string, std::uint64_t>;

class FlatJson {
 public:
  static std::optional<std::map<std::string, JsonValue>> parse(std::string_view text) {
    FlatJson p(text);
    std::map<std::string, JsonValue> out;
    p.ws();
    if (!p.eat('{')) return std::nullopt;
    p.ws();
    if (p.eat('}')) return p.end() ? std::optional(out) : std::nullopt;
    for (;;) {
      p.ws();
      auto key = p.string();
      if (!key || out.count(*key) != 0) return std::nullopt;
      p.ws();
      if (!p.eat(':')) return std::nullopt;
      p.ws();
      if (p.peek() == '"') {
        auto v = p.string();
        if (!v) return std::nullopt;
        out[*key] = *v;
      } else {
        auto v = p.number();
        if (!v) return std::nullopt;
        out[*key] = *v;
      }
      p.ws();
      if (p.eat('}')) break;
      if (!p.eat(',')) return std::nullopt;
    }
    return p.end() ? std::optional(out) : std::nullopt;
  }

 private:
  explicit FlatJson(std::string_view t) : t_(t) {}
  char peek() const { return i_ < t_.size() ? t_[i_] : '\0'; }
  bool eat(char c) {
    if (peek() != c || i_ >= t_.size()) return false;
    ++i_;
    return true;
  }
  void ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t'))
      ++i_;
  }
  bool end() {
    ws();
    return i_ == t_.size();
  }
  std::optional<std::uint64_t> number() {
    std::size_t start = i_;
    std::uint64_t v = 0;
    while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') v = v * 10 + (t_[i_++] - '0');
    if (i_ == start || (t_[start] == '0' && i_ - start > 1)) return std::nullopt;
    return v;
  }
  static void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  std::optional<std::string> string() {
    if (!eat('"')) return std::nullopt;
    std::string out;
    while (i_ < t_.size()) {
      const auto c = static_cast<unsigned char>(t_[i_++]);
      if (c == '"') return out;
      if (c < 0x20) return std::nullopt;  // raw control characters are not allowed in JSON
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (i_ >= t_.size()) return std::nullopt;
      switch (t_[i_++]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (i_ + 4 > t_.size()) return std::nullopt;
          std::uint32_t cp = 0;
          for (int k = 0; k < 4; ++k) {
            const char h = t_[i_++];
            cp <<= 4;
            if (h >= '0' && h <= '9')
              cp |= static_cast<std::uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f')
              cp |= static_cast<std::uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
              cp |= static_cast<std::uint32_t>(h - 'A' + 10);
            else
              return std::nullopt;
          }
          appendUtf8(out, cp);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::string_view t_;
  std::size_t i_ = 0;
};

std::string str(const std::map<std::string, JsonValue>& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end() || !std::holds_alternative<std::string>(it->second)) return "<missing>";
  return std::get<std::string>(it->second);
}

TEST_CASE("makeLocalReply renders a JSON body", "[local_reply]") {
  const LocalReply r = makeLocalReply(403, "modsec:942100", "0123456789abcdef0123456789abcdef");
  CHECK(r.body ==
        "{\"status\":403,\"reason\":\"modsec:942100\","
        "\"request_id\":\"0123456789abcdef0123456789abcdef\"}\n");
  auto json = FlatJson::parse(r.body);
  REQUIRE(json);
  CHECK(json->size() == 3);
  REQUIRE(std::holds_alternative<std::uint64_t>(json->at("status")));
  CHECK(std::get<std::uint64_t>(json->at("status")) == 403);
  CHECK(str(*json, "reason") == "modsec:942100");
  CHECK(str(*json, "request_id") == "0123456789abcdef0123456789abcdef");
}

TEST_CASE("makeLocalReply sets the head", "[local_reply]") {
  const LocalReply r = makeLocalReply(431, "headers_too_large", "rid-1");
  CHECK(r.head.status == 431);
  CHECK(r.head.has_body);
  CHECK_FALSE(r.head.chunked);
  CHECK(r.head.content_length == static_cast<std::int64_t>(r.body.size()));
  std::vector<std::string> names;
  for (const auto& f : r.head.headers) names.push_back(f.name);
  CHECK(names == std::vector<std::string>{"content-type", "content-length", "cache-control",
                                          "x-request-id"});
  CHECK(*r.head.headers.find("content-type") == "application/json");
  CHECK(*r.head.headers.find("content-length") == std::to_string(r.body.size()));
  CHECK(*r.head.headers.find("cache-control") == "no-store");
  CHECK(*r.head.headers.find("x-request-id") == "rid-1");
}

TEST_CASE("makeLocalReply escapes the reason and request id", "[local_reply]") {
  SECTION("quotes and backslashes") {
    const LocalReply r = makeLocalReply(400, "bad \"quoted\" \\ reason", "id\"1");
    CHECK(r.body.find("\"reason\":\"bad \\\"quoted\\\" \\\\ reason\"") != std::string::npos);
    auto json = FlatJson::parse(r.body);
    REQUIRE(json);
    CHECK(str(*json, "reason") == "bad \"quoted\" \\ reason");
    CHECK(str(*json, "request_id") == "id\"1");
    CHECK(*r.head.headers.find("content-length") == std::to_string(r.body.size()));
  }
  SECTION("control characters cannot break the body or inject lines") {
    const LocalReply r = makeLocalReply(400, "a\r\n\"x\":1\x01", "id");
    auto json = FlatJson::parse(r.body);
    REQUIRE(json);
    CHECK(json->size() == 3);
    CHECK(str(*json, "reason") == "a\r\n\"x\":1\x01");
    CHECK(r.body.find('\r') == std::string::npos);
    CHECK(r.body.find('\n') == r.body.size() - 1);
  }
  SECTION("empty strings") {
    const LocalReply r = makeLocalReply(500, "", "");
    auto json = FlatJson::parse(r.body);
    REQUIRE(json);
    CHECK(str(*json, "reason").empty());
    CHECK(str(*json, "request_id").empty());
    CHECK(*r.head.headers.find("x-request-id") == "");
  }
}

TEST_CASE("makeLocalReply covers the status range", "[local_reply]") {
  for (std::uint16_t status : {100, 200, 302, 404, 413, 429, 502, 504, 599}) {
    const LocalReply r = makeLocalReply(status, "r", "i");
    auto json = FlatJson::parse(r.body);
    REQUIRE(json);
    CHECK(std::get<std::uint64_t>(json->at("status")) == status);
    CHECK(r.head.status == status);
  }
}

}  // namespace
}  // namespace rampart
