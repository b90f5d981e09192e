#include "proxy/log/decision_record_json.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace rampart {
namespace {

// A strict RFC 8259 validator, just enough for the records: objects, strings, numbers and
// literals. Raw bytes inside strings must be well-formed UTF-8 and never control characters.
// Records the top-level keys so the tests can check the schema.
class JsonValidator {
 public:
  explicit JsonValidator(std::string_view text) : s_(text) {}

  bool validate(std::vector<std::string>* top_level_keys) {
    keys_ = top_level_keys;
    skipSpace();
    if (!value(0)) return false;
    skipSpace();
    return pos_ == s_.size();
  }

 private:
  bool value(int depth) {
    if (depth > 32 || pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return string(nullptr);
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (std::string_view lit : {"true", "false", "null"}) {
      if (s_.substr(pos_, lit.size()) == lit) {
        pos_ += lit.size();
        return true;
      }
    }
    return false;
  }

  bool array(int depth) {
    ++pos_;
    skipSpace();
    if (peek(']')) return ++pos_, true;
    for (;;) {
      skipSpace();
      if (!value(depth + 1)) return false;
      skipSpace();
      if (peek(']')) return ++pos_, true;
      if (!peek(',')) return false;
      ++pos_;
    }
  }

  bool object(int depth) {
    ++pos_;
    skipSpace();
    if (peek('}')) return ++pos_, true;
    for (;;) {
      std::string key;
      skipSpace();
      if (!peek('"') || !string(&key)) return false;
      if (depth == 0 && keys_ != nullptr) keys_->push_back(key);
      skipSpace();
      if (!peek(':')) return false;
      ++pos_;
      skipSpace();
      if (!value(depth + 1)) return false;
      skipSpace();
      if (peek('}')) return ++pos_, true;
      if (!peek(',')) return false;
      ++pos_;
    }
  }

  bool string(std::string* out) {
    ++pos_;
    while (pos_ < s_.size()) {
      const auto b = static_cast<unsigned char>(s_[pos_]);
      if (b == '"') return ++pos_, true;
      if (b < 0x20) return false;
      if (b == '\\') {
        if (++pos_ >= s_.size()) return false;
        const char e = s_[pos_++];
        if (e == 'u') {
          if (pos_ + 4 > s_.size()) return false;
          for (int i = 0; i < 4; ++i) {
            if (!std::isxdigit(static_cast<unsigned char>(s_[pos_ + i]))) return false;
          }
          pos_ += 4;
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
        continue;
      }
      const std::size_t len = utf8Length();
      if (len == 0) return false;
      if (out != nullptr) out->append(s_.substr(pos_, len));
      pos_ += len;
    }
    return false;
  }

  // Independent of the code under test on purpose: decode and check the code point range.
  std::size_t utf8Length() const {
    const auto b0 = static_cast<unsigned char>(s_[pos_]);
    if (b0 < 0x80) return 1;
    std::size_t len;
    std::uint32_t cp;
    if ((b0 & 0xE0) == 0xC0) {
      len = 2, cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, cp = b0 & 0x07;
    } else {
      return 0;
    }
    if (pos_ + len > s_.size()) return 0;
    for (std::size_t i = 1; i < len; ++i) {
      const auto b = static_cast<unsigned char>(s_[pos_ + i]);
      if ((b & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
  }

  bool number() {
    const std::size_t start = pos_;
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
    return pos_ > start;
  }

  bool digits() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  void skipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::vector<std::string>* keys_ = nullptr;
};

bool isValidJson(std::string_view text, std::vector<std::string>* keys = nullptr) {
  return JsonValidator(text).validate(keys);
}

std::string quoted(std::string_view s) {
  std::string out;
  appendJsonString(out, s);
  return out;
}

DecisionRecord fullRecord() {
  DecisionRecord r;
  r.start_unix_us = 1'795'428'000'123'456;  // 2026-11-23T10:00:00.123456Z
  r.request_id = "01JDQ7Z3K8M2";
  r.client_ip = "203.0.113.7";
  r.client_port = 51234;
  r.listener = "public_https";
  r.tls_version = "TLSv1.3";
  r.alpn = "h2";
  r.sni = "shop.example";
  r.ja4 = "t13d1516h2_8daaf6152771_e5627efa2ab1";
  r.ja4_r = "t13d1516h2_002f,0035_0005,000a_0403";
  r.ja3 = "98487aa16281980e7d1120d399efb6a4";
  r.protocol = "HTTP/2";
  r.method = "GET";
  r.authority = "shop.example";
  r.path = "/search?q=%27+or+1%3D1";
  r.route = "shop";
  r.upstream_cluster = "shop_backend";
  r.upstream_endpoint = "127.0.0.1:9000";
  r.status = 403;
  r.action = "block";
  r.reason = "crs_anomaly";
  r.phase = "request_headers";
  r.bytes_in = 0;
  r.bytes_out = 162;
  r.duration_us = 845;
  r.upstream_duration_us = -1;
  r.late_reset = false;
  return r;
}

const std::vector<std::string> kSchemaKeys = {"time",
                                              "request_id",
                                              "client_ip",
                                              "client_port",
                                              "listener",
                                              "tls_version",
                                              "alpn",
                                              "sni",
                                              "ja4",
                                              "ja4_r",
                                              "ja3",
                                              "protocol",
                                              "method",
                                              "authority",
                                              "path",
                                              "route",
                                              "upstream_cluster",
                                              "upstream_endpoint",
                                              "status",
                                              "action",
                                              "reason",
                                              "phase",
                                              "bytes_in",
                                              "bytes_out",
                                              "duration_us",
                                              "upstream_duration_us",
                                              "late_reset",
                                              "waf_mode",
                                              "inbound_anomaly_score",
                                              "outbound_anomaly_score",
                                              "rules",
                                              "intervention",
                                              "waf_error",
                                              "rate_limits",
                                              "canonical_target",
                                              "body_parser",
                                              "body_inspection",
                                              "canonical_anomalies",
                                              "body_views",
                                              "signature_mode",
                                              "signature_score",
                                              "signatures",
                                              "country",
                                              "asn",
                                              "as_org",
                                              "ip_lists",
                                              "client_policy",
                                              "client_policy_reason",
                                              "bot_score",
                                              "bot_category",
                                              "bot_action",
                                              "bot_components",
                                              "verified_bot",
                                              "ua_family",
                                              "ua_version",
                                              "h2_fingerprint",
                                              "header_order",
                                              "challenge_requested_by",
                                              "challenge",
                                              "clearance"};

constexpr std::string_view kWafOffTail =
    ",\"waf_mode\":\"off\",\"inbound_anomaly_score\":-1,\"outbound_anomaly_score\":-1,"
    "\"rules\":[],\"intervention\":null,\"waf_error\":\"\",\"rate_limits\":[],"
    "\"canonical_target\":\"\",\"body_parser\":\"\",\"body_inspection\":\"\","
    "\"canonical_anomalies\":[],\"body_views\":[],\"signature_mode\":\"off\","
    "\"signature_score\":-1,"
    "\"signatures\":[],\"country\":\"unknown\",\"asn\":0,\"as_org\":\"unknown\","
    "\"ip_lists\":[],\"client_policy\":\"\",\"client_policy_reason\":\"\","
    "\"bot_score\":-1,\"bot_category\":\"\",\"bot_action\":\"\","
    "\"bot_components\":[],\"verified_bot\":\"\",\"ua_family\":\"\",\"ua_version\":\"\","
    "\"h2_fingerprint\":\"\",\"header_order\":\"\",\"challenge_requested_by\":\"\","
    "\"challenge\":\"\",\"clearance\":\"\"}\n";

TEST_CASE("A full record has every key in schema order and one trailing newline", "[log]") {
  std::string line;
  appendDecisionRecordJson(line, fullRecord());
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  std::vector<std::string> keys;
  REQUIRE(isValidJson(std::string_view(line).substr(0, line.size() - 1), &keys));
  CHECK(keys == kSchemaKeys);
  CHECK(line ==
        "{\"time\":\"2026-11-23T10:00:00.123456Z\",\"request_id\":\"01JDQ7Z3K8M2\","
        "\"client_ip\":\"203.0.113.7\",\"client_port\":51234,\"listener\":\"public_https\","
        "\"tls_version\":\"TLSv1.3\",\"alpn\":\"h2\",\"sni\":\"shop.example\","
        "\"ja4\":\"t13d1516h2_8daaf6152771_e5627efa2ab1\","
        "\"ja4_r\":\"t13d1516h2_002f,0035_0005,000a_0403\","
        "\"ja3\":\"98487aa16281980e7d1120d399efb6a4\","
        "\"protocol\":\"HTTP/2\",\"method\":\"GET\",\"authority\":\"shop.example\","
        "\"path\":\"/search?q=%27+or+1%3D1\",\"route\":\"shop\","
        "\"upstream_cluster\":\"shop_backend\",\"upstream_endpoint\":\"127.0.0.1:9000\","
        "\"status\":403,\"action\":\"block\",\"reason\":\"crs_anomaly\","
        "\"phase\":\"request_headers\",\"bytes_in\":0,\"bytes_out\":162,\"duration_us\":845,"
        "\"upstream_duration_us\":-1,\"late_reset\":false" +
            std::string(kWafOffTail));
}

TEST_CASE("An empty record keeps the fixed schema", "[log]") {
  std::string line;
  appendDecisionRecordJson(line, DecisionRecord{});
  std::vector<std::string> keys;
  REQUIRE(isValidJson(std::string_view(line).substr(0, line.size() - 1), &keys));
  CHECK(keys == kSchemaKeys);
  CHECK(line.starts_with("{\"time\":\"1970-01-01T00:00:00.000000Z\",\"request_id\":\"\","));
  CHECK(line.find("\"action\":\"allow\",\"reason\":\"\",\"phase\":\"\"") != std::string::npos);
  CHECK(line.ends_with("\"late_reset\":false" + std::string(kWafOffTail)));
}

TEST_CASE("appendDecisionRecordJson appends and does not clear", "[log]") {
  std::string out = "prefix";
  DecisionRecord r;
  r.late_reset = true;
  appendDecisionRecordJson(out, r);
  CHECK(out.starts_with("prefix{\"time\""));
  CHECK(out.ends_with("\"late_reset\":true" + std::string(kWafOffTail)));
}

TEST_CASE("WAF fields: rules and intervention stay valid JSON for any bytes", "[log]") {
  DecisionRecord r;
  r.waf_mode = "block";
  r.inbound_anomaly_score = 10;
  r.outbound_anomaly_score = 0;
  WafRuleMatch m;
  m.id = 942100;
  m.msg = "SQL Injection Attack Detected via libinjection";
  m.data = std::string("Matched Data: \"\x01\xc0\xaf\n' or 1=1", 27);
  m.matched_var = "ARGS:q";
  m.severity = 2;
  m.paranoia_level = 1;
  m.phase = 2;
  r.waf_rules.push_back(m);
  r.has_waf_intervention = true;
  r.waf_intervention.status = 302;
  r.waf_intervention.url = "https://example.com/\r\nX: y";
  r.waf_intervention.log = "ModSecurity: Access denied \"x\"";
  r.waf_intervention.disruptive = true;
  std::string line;
  appendDecisionRecordJson(line, r);
  std::vector<std::string> keys;
  REQUIRE(isValidJson(std::string_view(line).substr(0, line.size() - 1), &keys));
  CHECK(keys == kSchemaKeys);
  CHECK(line.find("\"rules\":[{\"id\":942100,\"msg\":\"SQL Injection") != std::string::npos);
  CHECK(line.find("\\u0001\\u00c0\\u00af\\u000a") != std::string::npos);
  CHECK(line.find("\"intervention\":{\"status\":302,") != std::string::npos);
  CHECK(line.find("\"disruptive\":true}") != std::string::npos);
}

TEST_CASE("RFC 3339 time with microseconds", "[log]") {
  auto format = [](std::int64_t us) {
    std::string out;
    appendRfc3339Utc(out, us);
    return out;
  };
  CHECK(format(0) == "1970-01-01T00:00:00.000000Z");
  CHECK(format(1'795'428'000'123'456) == "2026-11-23T10:00:00.123456Z");
  CHECK(format(951'782'400'000'001) == "2000-02-29T00:00:00.000001Z");  // leap day
  CHECK(format(1'709'251'199'999'999) == "2024-02-29T23:59:59.999999Z");
  CHECK(format(-1) == "1969-12-31T23:59:59.999999Z");         // floor, not trunc
  CHECK(format(INT64_MIN) == "0000-01-01T00:00:00.000000Z");  // clamped
  CHECK(format(INT64_MAX) == "9999-12-31T23:59:59.999999Z");
}

TEST_CASE("JSON string escaping of quotes, backslashes and control characters", "[log]") {
  CHECK(quoted("") == "\"\"");
  CHECK(quoted("plain /path?a=b") == "\"plain /path?a=b\"");
  CHECK(quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(quoted("line\nbreak\r\t") == "\"line\\u000abreak\\u000d\\u0009\"");
  CHECK(quoted(std::string_view("nul\0byte", 8)) == "\"nul\\u0000byte\"");
  CHECK(quoted("\x1b[31mred\x7f") == "\"\\u001b[31mred\\u007f\"");
  CHECK(quoted("</script>/") == "\"</script>/\"");
}

TEST_CASE("Valid UTF-8 passes through unchanged", "[log]") {
  CHECK(quoted("caf\xC3\xA9") == "\"caf\xC3\xA9\"");                  // é
  CHECK(quoted("\xE2\x82\xAC") == "\"\xE2\x82\xAC\"");                // € (3 bytes)
  CHECK(quoted("\xF0\x9F\x98\x80 ok") == "\"\xF0\x9F\x98\x80 ok\"");  // 😀 (4 bytes)
  CHECK(quoted("\xED\x9F\xBF") == "\"\xED\x9F\xBF\"");                // U+D7FF, below surrogates
  CHECK(quoted("\xEE\x80\x80") == "\"\xEE\x80\x80\"");                // U+E000, above them
  CHECK(quoted("\xF4\x8F\xBF\xBF") == "\"\xF4\x8F\xBF\xBF\"");        // U+10FFFF, the last
}

TEST_CASE("Invalid UTF-8 is escaped byte by byte", "[log]") {
  CHECK(quoted("/\xC0\xAF..") == "\"/\\u00c0\\u00af..\"");                  // overlong '/'
  CHECK(quoted("\xE0\x80\xAF") == "\"\\u00e0\\u0080\\u00af\"");             // overlong 3-byte
  CHECK(quoted("\xF0\x80\x80\xAF") == "\"\\u00f0\\u0080\\u0080\\u00af\"");  // overlong 4-byte
  CHECK(quoted("\xED\xA0\x80") == "\"\\u00ed\\u00a0\\u0080\"");             // surrogate D800
  CHECK(quoted("\xF4\x90\x80\x80") == "\"\\u00f4\\u0090\\u0080\\u0080\"");  // > U+10FFFF
  CHECK(quoted("\xFF\xFE") == "\"\\u00ff\\u00fe\"");
  CHECK(quoted("\x80") == "\"\\u0080\"");  // stray continuation
  // A truncated sequence escapes only its own bytes; the valid é after it survives.
  CHECK(quoted("\xE2\x82\xC3\xA9") == "\"\\u00e2\\u0082\xC3\xA9\"");
  CHECK(quoted("end\xF0\x9F\x98") == "\"end\\u00f0\\u009f\\u0098\"");  // cut at the end
}

TEST_CASE("Every byte string becomes valid JSON", "[log]") {
  // All single bytes, all two-byte pairs, and pseudo-random longer strings.
  for (int b = 0; b < 256; ++b) {
    const std::string s(1, static_cast<char>(b));
    INFO(b);
    CHECK(isValidJson(quoted(s)));
  }
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const char pair[2] = {static_cast<char>(a), static_cast<char>(b)};
      if (!isValidJson(quoted(std::string_view(pair, 2)))) FAIL("pair " << a << "," << b);
    }
  }
  std::uint32_t state = 12345;
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    const int len = static_cast<int>(state % 17);
    for (int j = 0; j < len; ++j) {
      state = state * 1664525u + 1013904223u;  // LCG: deterministic, no <random> seeding
      s += static_cast<char>(state >> 24);
    }
    if (!isValidJson(quoted(s))) FAIL("random string " << i);
  }
}

TEST_CASE("Python's json module accepts hostile records", "[log][python]") {
  if (std::system("python3 -c 'import json' >/dev/null 2>&1") != 0) {
    WARN("python3 not available; skipping the cross-check");
    return;
  }
  const std::vector<std::string> hostile = {"GET",
                                            "G\"ET\\",
                                            "\r\n\r\nX-Injected: 1",
                                            std::string("\0\x01\x1f", 3),
                                            "\xC0\xAF",
                                            "\xED\xA0\x80",
                                            "caf\xC3\xA9 \xF0\x9F\x98\x80",
                                            "\xFF\xFE\xFD",
                                            "\xE2\x82",
                                            "\x7F\x80\xBF",
                                            "\\u0000",
                                            "\xF4\x90\x80\x80"};
  std::string lines;
  for (const std::string& s : hostile) {
    DecisionRecord r = fullRecord();
    r.method = s;
    r.path = "/" + s;
    r.authority = s + ".example";
    r.sni = s;
    appendDecisionRecordJson(lines, r);
  }
  char path[] = "/tmp/rampart_json_test_XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream file(path, std::ios::binary);
    file << lines;
  }
  // Strict decoding: invalid UTF-8 or a raw control character makes python exit non-zero.
  const std::string command = std::string(
                                  "python3 -c 'import json,sys\n"
                                  "data = open(sys.argv[1], \"rb\").read().decode(\"utf-8\")\n"
                                  "recs = [json.loads(l) for l in data.split(\"\\n\") if l]\n"
                                  "assert all(len(r) == 60 for r in recs)\n"
                                  "print(len(recs))' ") +
                              path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096] = {};
  const std::size_t n = std::fread(buf, 1, sizeof(buf) - 1, pipe);
  const int status = pclose(pipe);
  std::remove(path);
  INFO(std::string(buf, n));
  CHECK(status == 0);
  CHECK(std::string(buf, n) == std::to_string(hostile.size()) + "\n");
}

TEST_CASE("Rate-limit entries are serialised in order with every field", "[log]") {
  DecisionRecord r;
  RateLimitEntry e;
  e.rule = "per-ip";
  e.key = "client_ip=192.0.2.1";
  e.count = 3;
  e.limit = 3;
  e.remaining = 0;
  e.retry_after_ms = 1500;
  e.outcome = "limited";
  e.action = "reject";
  e.store = "redis";
  e.store_status = "ok";
  r.rate_limits.push_back(e);
  e.rule = "b";
  e.outcome = "fail_open_allowed";
  e.store = "local_fallback";
  e.store_status = "breaker_open";
  e.degraded = true;
  r.rate_limits.push_back(e);
  r.local_reply_headers.push_back({"retry-after", "2"});  // never logged
  std::string line;
  appendDecisionRecordJson(line, r);
  CHECK(line.npos !=
        line.find(
            ",\"rate_limits\":[{\"rule\":\"per-ip\",\"key\":\"client_ip=192.0.2.1\",\"count\":3,"
            "\"limit\":3,\"remaining\":0,\"retry_after_ms\":1500,\"outcome\":\"limited\","
            "\"action\":\"reject\",\"store\":\"redis\",\"store_status\":\"ok\",\"degraded\":false},"
            "{\"rule\":\"b\",\"key\":\"client_ip=192.0.2.1\",\"count\":3,\"limit\":3,"
            "\"remaining\":0,\"retry_after_ms\":1500,\"outcome\":\"fail_open_allowed\","
            "\"action\":\"reject\",\"store\":\"local_fallback\",\"store_status\":\"breaker_open\","
            "\"degraded\":true}],\"canonical_target\""));
  CHECK(line.find("retry-after") == std::string::npos);
}

TEST_CASE("Canonical view and signature matches are written in schema order", "[log]") {
  DecisionRecord r;
  r.canonical_target = "/a/b?q=1";
  r.body_parser = "json";
  r.body_inspection = "full";
  r.canonical_anomalies.push_back("double_encoding:query_value:u");
  r.signature_mode = "block";
  r.signature_score = 5;
  SignatureMatchEntry m;
  m.id = "nosql.operator-in-name";
  m.where = "query_name";
  m.name = "user[$ne]";
  m.score = 5;
  m.action = "score";
  m.excerpt = "user[$ne]\\x0a";
  r.signatures.push_back(m);
  std::string line;
  appendDecisionRecordJson(line, r);
  CHECK(line.find(
      ",\"canonical_target\":\"/a/b?q=1\",\"body_parser\":\"json\",\"body_inspection\":\"full\","
      "\"canonical_anomalies\":[\"double_encoding:query_value:u\"],\"body_views\":[],\"signature_mode\":\"block\","
      "\"signature_score\":5,\"signatures\":[{\"id\":\"nosql.operator-in-name\","
      "\"where\":\"query_name\",\"name\":\"user[$ne]\",\"score\":5,\"action\":\"score\","
      "\"excerpt\":\"user[$ne]\\\\x0a\"}],\"country\"") != std::string::npos);
}

}  // namespace
}  // namespace rampart
