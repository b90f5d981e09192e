// The one JSON line written per request. Stages fill it; the log stage serialises it once.
// Schema: docs/decision-record.md. Later issues add fields here and there.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/api/headers.h"

namespace rampart {

// One rule that matched (libmodsecurity's rule-message callback). Strings are truncated copies.
struct WafRuleMatch {
  std::int64_t id = 0;
  std::string msg;
  std::string data;           // logdata: usually "Matched Data: ... found within ARGS:x: ..."
  std::string matched_var;    // the variable and value that matched (highlighted match text)
  int severity = -1;          // 0 EMERGENCY .. 7 DEBUG; -1 when the rule has none
  int paranoia_level = 0;     // from the tag paranoia-level/N; 0 when untagged
  int phase = 0;              // 1..5
};

// A libmodsecurity intervention (deny, redirect, drop), as reported by msc_intervention.
struct WafIntervention {
  int status = 0;
  std::string url;            // redirect target, empty otherwise
  std::string log;            // libmodsecurity's log line for it (truncated)
  bool disruptive = false;
};

// One signature that matched (detectors/signatures/, docs/signatures.md). Strings are bounded
// copies made by the scanner.
struct SignatureMatchEntry {
  std::string id;
  std::string_view where;  // the field source ("query_value", "json_value", ...)
  std::string name;        // the field's name (at most 128 bytes)
  std::uint32_t score = 0;
  std::string_view action;  // score | block | log
  std::string excerpt;      // at most 64 bytes of the transformed value around the match
};

// One rate-limit rule that applied to the request (state/rate_limit_stage.cpp).
struct RateLimitEntry {
  std::string rule;
  std::string key;                 // parts joined by '|'; header/cookie/query values as sha256:<hex>
  std::uint64_t count = 0;         // as the limiter counted it (state/limit.h LimitDecision)
  std::uint64_t limit = 0;
  std::uint64_t remaining = 0;
  std::int64_t retry_after_ms = 0;  // limited outcomes only
  std::string_view outcome;        // allowed | limited | limited_cached | fail_open_allowed |
                                   // fail_open_limited | fail_closed
  std::string_view action;         // reject | log (log: a limited outcome was not enforced)
  std::string_view store;          // local | redis | local_fallback (redis unavailable)
  std::string_view store_status = "ok";  // ok | breaker_open | timeout | error | overloaded |
                                         // over_limit_cache | lease
  bool degraded = false;           // the decision was taken without the configured store
};

// One component of the bot score (bot/bot_score.h): what was seen and how much it moved the score.
struct BotScoreComponent {
  std::string_view name;   // static: "ua_automation_tool", "tls_mismatch", "behaviour_rate", ...
  int weight = 0;          // points subtracted from 99 (negative: added back)
  std::string detail;      // bounded human-readable evidence ("claims chrome, ja4 t13d3112h2")
};

struct DecisionRecord {
  std::int64_t start_unix_us = 0;  // wall clock at request start
  std::string request_id;
  std::string client_ip;
  std::uint16_t client_port = 0;
  std::string listener;
  std::string tls_version;         // empty on plain listeners
  std::string alpn;
  std::string sni;
  std::string ja4;                 // TLS fingerprints (docs/bots.md); empty on plain listeners
  std::string ja4_r;
  std::string ja3;
  std::string protocol;            // "HTTP/1.1", "HTTP/2"
  std::string method;
  std::string authority;
  std::string path;                // as received
  std::string route;               // empty when no route matched
  std::string upstream_cluster;
  std::string upstream_endpoint;   // "127.0.0.1:9000", "echo" for the built-in upstream
  int status = 0;                  // status sent downstream; 0 when none was sent
  std::string_view action = "allow";  // "allow" | "block" (local reply by a stage) | "error" | "reset"
  std::string_view reason;         // static reason string; "ok" when proxied normally
  std::string_view phase;          // phase in which a local reply / error was decided, else empty
  std::uint64_t bytes_in = 0;      // request body bytes received from downstream
  std::uint64_t bytes_out = 0;     // response body bytes sent downstream
  std::int64_t duration_us = 0;    // first byte of request head to end of response (or abort)
  std::int64_t upstream_duration_us = -1;  // request sent to upstream response end; -1 = none
  bool late_reset = false;         // response was cut after headers left (late block / upstream error)
  // A local reply with this set carries `Location` (a WAF redirect intervention).
  std::string redirect_location;
  // WAF (libmodsecurity + CRS); docs/decision-record.md.
  std::string_view waf_mode = "off";     // "off" | "detect" | "block"
  int inbound_anomaly_score = -1;        // -1: not evaluated
  int outbound_anomaly_score = -1;       // -1: not evaluated (no response phases ran)
  std::vector<WafRuleMatch> waf_rules;   // JSON key "rules"
  bool has_waf_intervention = false;
  WafIntervention waf_intervention;      // JSON key "intervention"; null unless has_waf_intervention
  std::string waf_error;                 // engine error / overload detail in detect mode, else ""
  // Rate limits; docs/decision-record.md.
  std::vector<RateLimitEntry> rate_limits;
  // The canonical request view (detectors/canonical/canonical_stage.cpp).
  std::string canonical_target;      // what was forwarded upstream; "" when the view did not run
  std::string_view body_parser;      // form | multipart | json | xml | raw | "" (no body / no view)
  std::string_view body_inspection;  // full | prefix (inspect_prefix oversize) | "" (no body)
  std::vector<std::string> canonical_anomalies;  // "double_encoding:query_value:q", at most 32
  // Views the detectors inspected instead of body syntax they misread as an attack: "graphql"
  // (CRS), "code_fence" and "html" (CRS and signatures; detectors/text/free_text_view.h). Empty
  // when the body was inspected as it came. Each name once: addBodyView().
  std::vector<std::string_view> body_views;
  // Signatures (detectors/signatures/signature_stage.cpp).
  std::string_view signature_mode = "off";  // off | detect | block
  int signature_score = -1;                 // -1: not scanned
  std::vector<SignatureMatchEntry> signatures;
  // Client intelligence (bot/client_intel_stage.cpp, docs/bots.md): GeoIP/ASN and IP lists.
  std::string country = "unknown";  // ISO 3166-1 alpha-2, or "unknown" (no database / no entry)
  std::uint32_t asn = 0;            // 0 = unknown
  std::string as_org = "unknown";
  std::vector<std::string> ip_lists;  // names of the configured CIDR lists holding client_ip
  // The route's client_policy decision: "" (no policy on the route) | pass | allow_listed |
  // deny | challenge | detect_deny | detect_challenge (detect mode: what block mode would do).
  std::string_view client_policy;
  std::string_view client_policy_reason;  // deny/challenge reason ("country_denied", "ip_list:tor")
  // Bot score (bot/bot_stage.cpp, docs/bots.md).
  int bot_score = -1;                 // 1 (automated) .. 99 (human); -1 = not scored
  std::string_view bot_category;      // likely_human | likely_automated | automated |
                                      // verified_bot | fake_crawler | allowlisted | "" (not scored)
  std::string_view bot_action;        // allow | log | challenge | block | "" (no policy ran)
  std::vector<BotScoreComponent> bot_components;
  std::string verified_bot;           // crawler name when category is verified_bot/fake_crawler
  std::string ua_family;              // chrome | firefox | safari | edge | curl | ... | unknown
  std::string ua_version;             // major version, "" when unknown
  std::string h2_fingerprint;         // SETTINGS|WINDOW_UPDATE|PRIORITY|pseudo-header order; h2 only
  std::string header_order;           // 12-hex hash of the header-name order ("" no headers)
  // Challenge hand-off: a stage that wants the client challenged rather than blocked (IP list,
  // country, bot score, later rate limits) sets this to its reason ("bot_score", "ip_list:tor")
  // and continues; the challenge stage, after them, serves the proof-of-work page unless the
  // client holds a valid clearance cookie. "" = nobody asked.
  std::string challenge_requested_by;
  std::string_view challenge;   // "" | issued (page served) | passed (valid clearance) |
                                // solved (proof accepted, cookie set) | rejected (bad proof)
  std::string_view clearance;   // clearance cookie: absent | valid | expired | bad_signature |
                                // wrong_client | malformed | unknown_key
  // Extra headers a stage asks its local reply to carry (Retry-After, RateLimit-Policy,
  // RateLimit on a 429; Set-Cookie, Content-Security-Policy from the challenge). Not logged.
  std::vector<HeaderField> local_reply_headers;
  // A stage whose local reply is a document rather than the JSON {status, reason, request_id}
  // (the challenge page) sets both; empty content type = the JSON body. Not logged.
  std::string local_reply_content_type;
  std::string local_reply_body;
};

// Adds a static view name to record.body_views unless it is there already.
inline void addBodyView(DecisionRecord& record, std::string_view view) {
  for (const auto name : record.body_views) {
    if (name == view) return;
  }
  record.body_views.push_back(view);
}

}  // namespace rampart
