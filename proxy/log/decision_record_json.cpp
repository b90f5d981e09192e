#include "proxy/log/decision_record_json.h"

#include <charconv>
#include <string>
#include <vector>

namespace rampart {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void appendEscapedByte(std::string& out, unsigned char b) {
  const char escaped[6] = {'\\', 'u', '0', '0', kHexDigits[b >> 4], kHexDigits[b & 0xF]};
  out.append(escaped, sizeof(escaped));
}

bool inRange(unsigned char b, unsigned char lo, unsigned char hi) { return b >= lo && b <= hi; }

// Length of the well-formed UTF-8 sequence starting at p[0] (RFC 3629 table 3-7, the same
// table Unicode calls "well-formed UTF-8 byte sequences"), or 0 if p[0] does not start one.
// The tight second-byte ranges are what reject overlongs (E0 80..9F, F0 80..8F), surrogates
// (ED A0..BF) and code points above U+10FFFF (F4 90..).
std::size_t wellFormedUtf8Length(const unsigned char* p, std::size_t n) {
  const unsigned char b0 = p[0];
  auto continuation = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return k < n && inRange(p[k], lo, hi);
  };
  if (b0 < 0x80) return 1;
  if (inRange(b0, 0xC2, 0xDF)) return continuation(1) ? 2 : 0;
  if (b0 == 0xE0) return continuation(1, 0xA0, 0xBF) && continuation(2) ? 3 : 0;
  if (inRange(b0, 0xE1, 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    return continuation(1) && continuation(2) ? 3 : 0;
  }
  if (b0 == 0xED) return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0;
  if (b0 == 0xF0) {
    return continuation(1, 0x90, 0xBF) && continuation(2) && continuation(3) ? 4 : 0;
  }
  if (inRange(b0, 0xF1, 0xF3)) {
    return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  }
  if (b0 == 0xF4) {
    return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;  // 80..BF stray continuation, C0/C1 (always overlong), F5..FF
}

// True for bytes that can be copied as they are: printable ASCII except '"' and '\'.
bool isPlainAscii(unsigned char b) { return b >= 0x20 && b < 0x7F && b != '"' && b != '\\'; }

template <typename Int>
void appendNumber(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

void appendFixedWidth(std::string& out, std::int64_t v, int width) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days): no
// gmtime_r, no TZ or locale lookups on the log path.
void civilFromDays(std::int64_t z, std::int64_t& year, int& month, int& day) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = yoe + era * 400 + (month <= 2 ? 1 : 0);
}

void appendKey(std::string& out, std::string_view key) {
  // Keys are our own ASCII literals: no escaping needed.
  out += '"';
  out += key;
  out += "\":";
}

void appendStringField(std::string& out, std::string_view key, std::string_view value) {
  appendKey(out, key);
  appendJsonString(out, value);
  out += ',';
}

template <typename Int>
void appendNumberField(std::string& out, std::string_view key, Int value) {
  appendKey(out, key);
  appendNumber(out, value);
  out += ',';
}

// "key":["a","b"], : an array of JSON strings (std::string or std::string_view).
template <typename String>
void appendStringArrayField(std::string& out, std::string_view key,
                            const std::vector<String>& values) {
  appendKey(out, key);
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out += ',';
    appendJsonString(out, values[i]);
  }
  out += "],";
}

}  // namespace

void appendJsonString(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  out += '"';
  std::size_t i = 0;
  while (i < n) {
    // Copy the longest run of plain ASCII at once: the common case for paths and hosts.
    std::size_t run = i;
    while (run < n && isPlainAscii(p[run])) ++run;
    if (run > i) {
      out.append(s.data() + i, run - i);
      i = run;
      continue;
    }
    const unsigned char b = p[i];
    if (b == '"' || b == '\\') {
      out += '\\';
      out += static_cast<char>(b);
      ++i;
    } else if (const std::size_t len = b >= 0x80 ? wellFormedUtf8Length(p + i, n - i) : 0;
               len > 0) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      // A control character, DEL, or a byte outside well-formed UTF-8. Only this byte is
      // escaped; the bytes after it are judged on their own, so a valid character right after a
      // truncated sequence still passes through.
      appendEscapedByte(out, b);
      ++i;
    }
  }
  out += '"';
}

void appendRfc3339Utc(std::string& out, std::int64_t unix_us) {
  constexpr std::int64_t kUsPerDay = 86'400'000'000;
  constexpr std::int64_t kMinUs = -719'528 * kUsPerDay;       // 0000-01-01T00:00:00Z
  constexpr std::int64_t kMaxUs = 2'932'897 * kUsPerDay - 1;  // 9999-12-31T23:59:59.999999Z
  if (unix_us < kMinUs) unix_us = kMinUs;
  if (unix_us > kMaxUs) unix_us = kMaxUs;

  std::int64_t days = unix_us / kUsPerDay;
  std::int64_t us_of_day = unix_us % kUsPerDay;
  if (us_of_day < 0) {  // floor division for instants before 1970
    us_of_day += kUsPerDay;
    --days;
  }
  std::int64_t year = 0;
  int month = 0;
  int day = 0;
  civilFromDays(days, year, month, day);

  const std::int64_t seconds_of_day = us_of_day / 1'000'000;
  appendFixedWidth(out, year, 4);
  out += '-';
  appendFixedWidth(out, month, 2);
  out += '-';
  appendFixedWidth(out, day, 2);
  out += 'T';
  appendFixedWidth(out, seconds_of_day / 3600, 2);
  out += ':';
  appendFixedWidth(out, seconds_of_day / 60 % 60, 2);
  out += ':';
  appendFixedWidth(out, seconds_of_day % 60, 2);
  out += '.';
  appendFixedWidth(out, us_of_day % 1'000'000, 6);
  out += 'Z';
}

void appendDecisionRecordJson(std::string& out, const DecisionRecord& r) {
  out += '{';
  appendKey(out, "time");
  out += '"';
  appendRfc3339Utc(out, r.start_unix_us);
  out += "\",";
  appendStringField(out, "request_id", r.request_id);
  appendStringField(out, "client_ip", r.client_ip);
  appendNumberField(out, "client_port", r.client_port);
  appendStringField(out, "listener", r.listener);
  appendStringField(out, "tls_version", r.tls_version);
  appendStringField(out, "alpn", r.alpn);
  appendStringField(out, "sni", r.sni);
  appendStringField(out, "ja4", r.ja4);
  appendStringField(out, "ja4_r", r.ja4_r);
  appendStringField(out, "ja3", r.ja3);
  appendStringField(out, "protocol", r.protocol);
  appendStringField(out, "method", r.method);
  appendStringField(out, "authority", r.authority);
  appendStringField(out, "path", r.path);
  appendStringField(out, "route", r.route);
  appendStringField(out, "upstream_cluster", r.upstream_cluster);
  appendStringField(out, "upstream_endpoint", r.upstream_endpoint);
  appendNumberField(out, "status", r.status);
  appendStringField(out, "action", r.action);
  appendStringField(out, "reason", r.reason);
  appendStringField(out, "phase", r.phase);
  appendNumberField(out, "bytes_in", r.bytes_in);
  appendNumberField(out, "bytes_out", r.bytes_out);
  appendNumberField(out, "duration_us", r.duration_us);
  appendNumberField(out, "upstream_duration_us", r.upstream_duration_us);
  appendKey(out, "late_reset");
  out += r.late_reset ? "true," : "false,";
  appendStringField(out, "waf_mode", r.waf_mode);
  appendNumberField(out, "inbound_anomaly_score", r.inbound_anomaly_score);
  appendNumberField(out, "outbound_anomaly_score", r.outbound_anomaly_score);
  appendKey(out, "rules");
  out += '[';
  for (std::size_t i = 0; i < r.waf_rules.size(); ++i) {
    const WafRuleMatch& m = r.waf_rules[i];
    if (i != 0) out += ',';
    out += '{';
    appendNumberField(out, "id", m.id);
    appendStringField(out, "msg", m.msg);
    appendStringField(out, "data", m.data);
    appendStringField(out, "matched_var", m.matched_var);
    appendNumberField(out, "severity", m.severity);
    appendNumberField(out, "paranoia_level", m.paranoia_level);
    appendKey(out, "phase");
    appendNumber(out, m.phase);
    out += '}';
  }
  out += "],";
  appendKey(out, "intervention");
  if (r.has_waf_intervention) {
    out += '{';
    appendNumberField(out, "status", r.waf_intervention.status);
    appendStringField(out, "url", r.waf_intervention.url);
    appendStringField(out, "log", r.waf_intervention.log);
    appendKey(out, "disruptive");
    out += r.waf_intervention.disruptive ? "true" : "false";
    out += "},";
  } else {
    out += "null,";
  }
  appendStringField(out, "waf_error", r.waf_error);
  appendKey(out, "rate_limits");
  out += '[';
  for (std::size_t i = 0; i < r.rate_limits.size(); ++i) {
    const RateLimitEntry& e = r.rate_limits[i];
    if (i != 0) out += ',';
    out += '{';
    appendStringField(out, "rule", e.rule);
    appendStringField(out, "key", e.key);
    appendNumberField(out, "count", e.count);
    appendNumberField(out, "limit", e.limit);
    appendNumberField(out, "remaining", e.remaining);
    appendNumberField(out, "retry_after_ms", e.retry_after_ms);
    appendStringField(out, "outcome", e.outcome);
    appendStringField(out, "action", e.action);
    appendStringField(out, "store", e.store);
    appendStringField(out, "store_status", e.store_status);
    appendKey(out, "degraded");
    out += e.degraded ? "true" : "false";
    out += '}';
  }
  out += "],";
  appendStringField(out, "canonical_target", r.canonical_target);
  appendStringField(out, "body_parser", r.body_parser);
  appendStringField(out, "body_inspection", r.body_inspection);
  appendStringArrayField(out, "canonical_anomalies", r.canonical_anomalies);
  appendStringArrayField(out, "body_views", r.body_views);
  appendStringField(out, "signature_mode", r.signature_mode);
  appendNumberField(out, "signature_score", r.signature_score);
  appendKey(out, "signatures");
  out += '[';
  for (std::size_t i = 0; i < r.signatures.size(); ++i) {
    const SignatureMatchEntry& m = r.signatures[i];
    if (i != 0) out += ',';
    out += '{';
    appendStringField(out, "id", m.id);
    appendStringField(out, "where", m.where);
    appendStringField(out, "name", m.name);
    appendNumberField(out, "score", m.score);
    appendStringField(out, "action", m.action);
    appendKey(out, "excerpt");
    appendJsonString(out, m.excerpt);
    out += '}';
  }
  out += "],";
  appendStringField(out, "country", r.country);
  appendNumberField(out, "asn", r.asn);
  appendStringField(out, "as_org", r.as_org);
  appendStringArrayField(out, "ip_lists", r.ip_lists);
  appendStringField(out, "client_policy", r.client_policy);
  appendStringField(out, "client_policy_reason", r.client_policy_reason);
  appendNumberField(out, "bot_score", r.bot_score);
  appendStringField(out, "bot_category", r.bot_category);
  appendStringField(out, "bot_action", r.bot_action);
  appendKey(out, "bot_components");
  out += '[';
  for (std::size_t i = 0; i < r.bot_components.size(); ++i) {
    const BotScoreComponent& c = r.bot_components[i];
    if (i != 0) out += ',';
    out += '{';
    appendStringField(out, "name", c.name);
    appendNumberField(out, "weight", c.weight);
    appendKey(out, "detail");
    appendJsonString(out, c.detail);
    out += '}';
  }
  out += "],";
  appendStringField(out, "verified_bot", r.verified_bot);
  appendStringField(out, "ua_family", r.ua_family);
  appendStringField(out, "ua_version", r.ua_version);
  appendStringField(out, "h2_fingerprint", r.h2_fingerprint);
  appendStringField(out, "header_order", r.header_order);
  appendStringField(out, "challenge_requested_by", r.challenge_requested_by);
  appendStringField(out, "challenge", r.challenge);
  appendKey(out, "clearance");
  appendJsonString(out, r.clearance);
  out += "}\n";
}

}  // namespace rampart
