// The configuration as parsed from YAML: plain data, validated, nothing compiled yet.
// proxy/config/loader.cpp fills it (every key documented in docs/configuration.md);
// proxy/config_snapshot.cpp compiles it into the immutable ConfigSnapshot workers use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rampart {

enum class ListenerProtocol : std::uint8_t { Http1, H2c, H2 };  // yaml: http1 | h2c | h2

struct TlsCertificateConfig {
  std::string cert_file;                  // PEM chain
  std::string key_file;                   // PEM private key
  std::vector<std::string> server_names;  // SNI names: exact or "*.example.com"; empty = default only
};

struct TlsConfig {
  std::vector<TlsCertificateConfig> certificates;  // at least one; the first is the default
  std::string min_version = "1.2";                 // "1.2" | "1.3"
  std::string ciphers;        // TLS1.2 cipher list; empty = built-in Mozilla "intermediate"
  std::string ciphersuites;   // TLS1.3 suites; empty = OpenSSL default
};

struct ListenerConfig {
  std::string name;
  std::string address;  // "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80"
  std::string host;     // split from address
  std::uint16_t port = 0;
  // plain listeners: http1 and/or h2c (prior knowledge); TLS listeners: h2 and/or http1 via ALPN
  std::vector<ListenerProtocol> protocols;
  bool has_tls = false;
  TlsConfig tls;
};

struct AdminConfig {
  std::string address = "127.0.0.1:9901";
  std::string host = "127.0.0.1";
  std::uint16_t port = 9901;
};

struct LimitsConfig {
  std::uint32_t max_request_line_bytes = 8192;
  std::uint32_t max_header_bytes = 32768;      // sum of names+values (h1: whole head)
  std::uint32_t max_header_count = 100;
  std::uint32_t max_connections = 10000;       // per process, all listeners
  std::uint32_t max_concurrent_streams = 100;  // h2 SETTINGS_MAX_CONCURRENT_STREAMS
  std::uint32_t max_requests_per_connection = 10000;
  std::uint32_t header_timeout_ms = 10000;     // whole request head must arrive within this
  std::uint32_t body_idle_timeout_ms = 30000;  // no body byte for this long -> 408
  std::uint32_t keepalive_idle_timeout_ms = 60000;  // idle connection between requests
  std::uint32_t drain_timeout_ms = 10000;      // SIGTERM: in-flight requests get this long
  // HTTP/2 abuse bounds (per connection, per second): beyond them GOAWAY ENHANCE_YOUR_CALM.
  std::uint32_t h2_max_resets_per_second = 100;         // rapid reset (CVE-2023-44487)
  std::uint32_t h2_max_control_frames_per_second = 200;  // SETTINGS, PING, PRIORITY, WINDOW_UPDATE, empty DATA
  std::uint32_t h2_max_continuation_frames = 32;        // per header block (CVE-2024-27316)
};

struct DecisionLogConfig {
  std::string path = "stdout";     // "stdout", "off", or a file path (appended)
  std::uint32_t queue_lines = 65536;  // per worker; beyond it lines are dropped and counted
};

struct ForwardingConfig {
  // The outermost hop distrusts what clients claim: by default X-Forwarded-* and X-Request-Id
  // from the client are replaced. Set true only behind a trusted load balancer.
  bool trust_incoming_forwarded = false;
  bool trust_incoming_request_id = false;
};

enum class ClusterType : std::uint8_t { Static, Echo };  // yaml: static | echo

struct HealthConfig {
  std::uint32_t failure_threshold = 1;  // consecutive failures before the endpoint is skipped
  std::uint32_t eject_ms = 5000;        // how long it is skipped
};

struct ClusterConfig {
  std::string name;
  ClusterType type = ClusterType::Static;
  std::vector<std::string> endpoints;  // "127.0.0.1:9000" (static only)
  std::uint32_t connect_timeout_ms = 2000;
  std::uint32_t response_timeout_ms = 30000;  // request fully sent -> response head; also between body reads
  std::uint32_t idle_timeout_ms = 60000;      // pooled idle connection lifetime
  std::uint32_t max_idle_connections = 1024;  // per endpoint per worker
  HealthConfig health;
};

// Per-route canonical request view and body contract (proxy/stages/canonical_stage.cpp,
// detectors/canonical/; docs/configuration.md "routes[].canonical"). Plain choices here; the
// stage factory turns them into a canonical::CanonicalPolicy once per generation.
enum class OversizeAction : std::uint8_t {
  Reject,         // 413 body_too_large
  InspectPrefix,  // the first inspect_prefix_bytes are inspected raw; the record says "prefix"
};

// One allowed content type and the parser that reads it. `media_type` is a lower-case essence
// ("application/json") or a "+suffix" ("+json"); `parser` is form | multipart | json | xml |
// raw | reject.
struct ContentTypeRule {
  std::string media_type;
  std::string parser;
};

struct RouteCanonicalConfig {
  bool enabled = false;  // the `canonical` key is present (signatures switch the view on too)
  std::vector<std::string> methods;             // upper-case; empty: any method
  std::vector<ContentTypeRule> content_types;   // empty: the built-in defaults
  std::string unlisted = "reject";              // parser for a media type no entry names
  std::string missing_content_type = "reject";  // reject | raw
  bool structured_text_plain = false;           // JSON/XML sent as text/plain is parsed (else 400)
  std::vector<std::string> charsets = {"utf-8", "us-ascii"};
  std::uint64_t max_body_bytes = 1 << 20;  // bodies the view parses
  OversizeAction oversize = OversizeAction::Reject;
  std::uint64_t inspect_prefix_bytes = 65536;  // InspectPrefix only
  std::string encoded_slash = "reject";        // reject | decode | keep
  std::string backslash = "reject";            // reject | slash
  std::string path_parameters = "strip";       // strip | keep | reject
  std::string duplicate_parameters = "allow";  // allow | reject | first | last (query and form)
  std::string json_duplicate_keys = "reject";  // reject | allow
};

// Per-route signatures (detectors/signatures/; docs/signatures.md, docs/rules.md).
enum class SignatureMode : std::uint8_t { Off, Detect, Block };  // yaml: off | detect | block

struct RouteSignaturesConfig {
  SignatureMode mode = SignatureMode::Off;
  std::uint32_t paranoia_level = 1;  // signatures above it do not count
};

// Per-route WAF (libmodsecurity + OWASP CRS). docs/configuration.md "waf", docs/rules.md.
enum class WafMode : std::uint8_t { Off, Detect, Block };  // yaml: off | detect | block

struct RouteWafConfig {
  WafMode mode = WafMode::Off;                  // off: no transaction is ever created
  std::uint32_t paranoia_level = 1;             // CRS tx.paranoia_level, 1..4
  std::uint32_t inbound_anomaly_threshold = 5;  // CRS tx.inbound_anomaly_score_threshold
  std::uint32_t outbound_anomaly_threshold = 4;  // CRS tx.outbound_anomaly_score_threshold
  std::vector<std::string> rule_files;          // extra site SecLang files, after CRS
  std::uint32_t block_status = 403;             // status of a deny without its own status
  bool inspect_response_body = false;           // phase 4 for waf.response_body_mime_types
};

// Client intelligence (issue 7; docs/bots.md). Each pair is one concept: process-wide settings
// (top-level key) and the per-route policy (route key).

// Top-level `client_intel:` (GeoIP/ASN databases, CIDR lists) and route `client_policy:`.
// bot/client_intel_stage.cpp compiles them; files are re-read on reload, and a change of any of
// them triggers one (Server's file watch, every reload_check_ms).
struct GeoIpConfig {
  std::string country_db;  // .mmdb with country.iso_code (GeoLite2-Country/City); "" = none
  std::string asn_db;      // .mmdb with autonomous_system_number/_organization; "" = none
                           // (both may name the same file)
};

struct IpListConfig {
  std::string name;  // [A-Za-z0-9_.-]{1,64}; what routes and the record's ip_lists use
  std::string file;  // one address or CIDR per line (bot/ip_list.h)
};

struct ClientIntelConfig {
  bool configured = false;  // the `client_intel` key is present: the stage runs on every route
  GeoIpConfig geoip;
  std::vector<IpListConfig> ip_lists;  // config order; at most 64
  std::uint32_t reload_check_ms = 1000;  // how often list/database files are checked; 0 = never
};

enum class ClientPolicyMode : std::uint8_t {
  Block,   // deny -> 403, challenge -> record.challenge_requested_by
  Detect,  // decide, count and record (client_policy "detect_deny"...), never act
};

// What a client whose country is unknown (no database, no entry) gets when allow_countries is
// set. Allow by default, so a missing database never locks everyone out.
enum class UnknownCountryAction : std::uint8_t { Allow, Deny, Challenge };

struct RouteClientPolicyConfig {
  bool configured = false;  // the route has a `client_policy` key
  ClientPolicyMode mode = ClientPolicyMode::Block;
  std::vector<std::string> allow_lists;      // client in one: skip every check below
  std::vector<std::string> deny_lists;       // -> 403 ip_list_denied
  std::vector<std::string> challenge_lists;  // -> challenge "ip_list:NAME"
  std::vector<std::string> allow_countries;  // not empty: any other known country -> 403 country_denied
  std::vector<std::string> deny_countries;   // ISO codes, upper-case -> 403 country_denied
  std::vector<std::string> challenge_countries;  // -> challenge "country"
  UnknownCountryAction unknown_country = UnknownCountryAction::Allow;  // with allow_countries
  std::vector<std::uint32_t> deny_asns;       // -> 403 asn_denied
  std::vector<std::uint32_t> challenge_asns;  // -> challenge "asn"
};

// Top-level `bot:` (behaviour tracking, verified-bot files) and route `bot:` (the policy by
// score and category). docs/bots.md, docs/configuration.md "bot".
enum class BehaviourKey : std::uint8_t { ClientIp, ClientIpJa4 };  // ip | ip_ja4
enum class BehaviourStore : std::uint8_t { Local, Redis };  // local | redis (rate_limits.redis)
struct BotConfig {
  BehaviourKey behaviour_key = BehaviourKey::ClientIp;
  // redis: the request, error and login counts are also kept in Redis (through the rate-limit
  // Redis settings), so every instance scores a client on what all instances saw.
  BehaviourStore behaviour_store = BehaviourStore::Local;
  std::uint32_t behaviour_window_s = 60;
  std::uint32_t behaviour_max_clients = 100000;
  std::uint32_t behaviour_max_requests_per_window = 300;  // above: behaviour_rate
  std::uint32_t behaviour_max_auth_attempts = 10;         // above: behaviour_auth_attempts
  // Verified crawlers: UA patterns and published address ranges; "" = the shipped
  // rules/bots/verified-bots.yaml (RAMPART_RULES_DIR).
  std::string verified_bots_file;
};
enum class BotMode : std::uint8_t { Off, Detect, Block };  // off | detect | block
enum class BotAction : std::uint8_t { Allow, Log, Challenge, Block };
struct RouteBotConfig {
  BotMode mode = BotMode::Off;
  std::uint32_t block_below = 0;       // score < this: block (0 = never by score)
  std::uint32_t challenge_below = 30;  // score < this: challenge
  std::uint32_t log_below = 60;        // score < this: log
  // Categories that are blocked whatever the score (fake_crawler: a crawler UA from outside
  // its published ranges).
  std::vector<std::string> block_categories = {"fake_crawler"};
  // IP lists (client_intel.ip_lists) whose clients bypass the bot policy (category allowlisted).
  std::vector<std::string> allow_lists;
};

// Top-level `challenge:` (keys, difficulty, cookie) and route `challenge:` (bot/challenge_stage.h,
// docs/bots.md "Challenge").

// One HMAC key. The loader reads `secret_file` into `secret`, so the snapshot never touches disk.
struct ChallengeKeyConfig {
  std::string id;      // [A-Za-z0-9_-]{1,32}; written into every cookie and token it signs
  std::string secret;  // at least 32 bytes
};

struct ChallengeConfig {
  bool configured = false;  // the top-level key is present (the stage is then built for every
                            // route whose mode is not off)
  // The first key signs, every listed key verifies (rotation: prepend the new key, drop the old
  // one after cookie_ttl_s). Empty: a random per-process key, logged loudly at start; cookies
  // then verify only on this process and until it restarts.
  std::vector<ChallengeKeyConfig> keys;
  std::uint32_t difficulty_bits = 16;  // leading zero bits of SHA-256(token ":" counter)
  std::string cookie_name = "rampart_clearance";
  std::uint32_t cookie_ttl_s = 3600;  // clearance lifetime (Max-Age and the signed expiry)
  std::uint32_t token_ttl_s = 300;    // how long a served page's token can be solved
  std::uint32_t ipv4_prefix = 24;     // the client address bits a cookie is bound to
  std::uint32_t ipv6_prefix = 64;
  std::string path = "/.well-known/rampart/challenge";  // where the page POSTs its solution
};

enum class ChallengeMode : std::uint8_t {
  Off,        // never challenge on this route (the clearance cookie is still stripped)
  OnRequest,  // challenge when another stage set record.challenge_requested_by
  Always,     // challenge every request without a valid clearance ("under attack")
};

struct RouteChallengeConfig {
  ChallengeMode mode = ChallengeMode::OnRequest;  // yaml: off | on_request | always
};

struct RouteConfig {
  std::string name;
  std::vector<std::string> hosts = {"*"};  // exact ("api.example.com"), wildcard ("*.example.com"), "*"
  std::string path_prefix = "/";
  std::string cluster;
  std::uint64_t max_body_bytes = 10 * 1024 * 1024;
  RouteWafConfig waf;
  RouteCanonicalConfig canonical;
  RouteSignaturesConfig signatures;
  RouteClientPolicyConfig client_policy;
  RouteBotConfig bot;
  RouteChallengeConfig challenge;
};

// Where rampart's own rule files (rules/ in the repository) are found when the config does not
// name them: an absolute path compiled in by CMake (RAMPART_RULES_DIR), so the defaults work from
// any working directory.
#ifndef RAMPART_RULES_DIR
#define RAMPART_RULES_DIR "rules"
#endif

// Process-wide WAF settings (top-level `waf:`). Relative paths given in the config are relative
// to the working directory, like certificate paths.
struct WafConfig {
  std::string crs_path = "/usr/share/modsecurity-crs";  // holds rules/*.conf
  // libmodsecurity v3 -> v2 behaviour fixes for CRS 3.3; empty = not loaded.
  std::string engine_compat = RAMPART_RULES_DIR "/libmodsecurity-compat.conf";
  std::string crs_setup = RAMPART_RULES_DIR "/crs-setup.conf";
  std::string exclusions_before = RAMPART_RULES_DIR "/exclusions-before-crs.conf";
  std::string exclusions_after = RAMPART_RULES_DIR "/exclusions-after-crs.conf";
  std::vector<std::string> response_body_mime_types = {"application/json", "text/html",
                                                       "text/plain"};
  std::uint32_t inspection_threads = 0;    // heavy lane; 0 = number of cores; fixed at start
  std::uint32_t inspection_light_threads = 0;  // light lane; 0 = number of cores; fixed at start
  // A request whose target, headers and body add up to at most this many bytes is light.
  std::uint32_t inspection_light_max_bytes = 4096;
  std::uint32_t inspection_queue = 1024;   // queued inspections beyond the running ones; full -> 503
  std::uint32_t arguments_limit = 1000;    // SecArgumentsLimit: arguments CRS parses per request
  // Fenced programming-language code in JSON string members goes to CRS as a member of its own
  // that the rules reading a line's structure skip (detectors/modsecurity/json_inspection_view.h).
  bool language_code_view = true;
};

// Rate limits (state/; docs/rate-limits.md, docs/configuration.md "rate_limits").
enum class RateLimitAlgorithm : std::uint8_t { SlidingWindow, Gcra };  // sliding_window | gcra
enum class RateLimitAction : std::uint8_t {
  Reject,  // 429 with Retry-After, RateLimit-Policy and RateLimit
  Log,     // shadow: decide, count and record, never refuse
  Challenge,  // over the limit: hand the client to the challenge stage (record
              // challenge_requested_by "rate_limit:RULE"); a client with a valid clearance passes
};
enum class RateLimitStore : std::uint8_t { Local, Redis };  // yaml: local | redis
enum class StoreFailurePolicy : std::uint8_t {
  FailOpen,    // Redis unavailable: a local quota of limit / expected_instances applies
  FailClosed,  // Redis unavailable: 503 rate_limit_unavailable
};

// One part of a rule's key.
enum class RateLimitKeyPartKind : std::uint8_t {
  ClientIp,  // the downstream peer address
  IpPrefix,  // the peer address masked to ipv4_prefix / ipv6_prefix bits
  Header,    // a request header's value (hashed in the record)
  Cookie,    // a cookie's value (hashed in the record)
  Query,     // a query parameter's value, percent-decoded (hashed in the record)
  Route,     // the matched route's name
  Country,   // record.country from client_intel ("unknown" without a database or entry)
  Asn,       // record.asn from client_intel ("0" when unknown)
  Ja4,       // the TLS fingerprint; absent on plain listeners, where the rule does not apply
};

struct RateLimitKeyPart {
  RateLimitKeyPartKind kind = RateLimitKeyPartKind::ClientIp;
  std::string name;                 // header (lower-case), cookie or query parameter name
  std::uint32_t ipv4_prefix = 24;   // IpPrefix only
  std::uint32_t ipv6_prefix = 64;
};

// A header or query parameter that must be present, or equal a value.
struct RateLimitCondition {
  std::string name;  // header names lower-case
  bool has_equals = false;
  std::string equals;
};

// Every listed criterion must hold; an empty list matches everything.
struct RateLimitMatch {
  std::vector<std::string> routes;   // route names
  std::vector<std::string> methods;  // upper-case
  std::string path_prefix;           // "" = any
  std::vector<RateLimitCondition> headers;
  std::vector<RateLimitCondition> query;
  // The bot stage's score (record.bot_score) must be below this; 0 = any. Requests the bot stage
  // did not score (route without bot.mode) never match a rule that sets it.
  std::uint32_t bot_score_below = 0;
};

struct RateLimitRuleConfig {
  std::string name;  // [A-Za-z0-9_.-]{1,64}: also the RateLimit-Policy name
  RateLimitMatch match;
  std::vector<RateLimitKeyPart> key;
  std::uint64_t limit = 0;
  std::uint32_t window_ms = 0;
  RateLimitAlgorithm algorithm = RateLimitAlgorithm::SlidingWindow;
  std::uint64_t burst = 0;  // gcra only; 0 = limit
  RateLimitAction action = RateLimitAction::Reject;
  RateLimitStore store = RateLimitStore::Local;
  StoreFailurePolicy on_store_failure = StoreFailurePolicy::FailOpen;
  // Redis quota leases (state/quota_leases.h): up to this many admissions reserved per call and
  // handed out by the worker without a round trip; 0 or 1 = one call per decision.
  std::uint64_t lease_max = 0;
  std::uint32_t lease_ttl_ms = 100;  // a lease's admissions expire after this (or the window end)
};

struct RedisCircuitBreakerConfig {
  std::uint32_t failures = 5;   // consecutive failed calls that open the breaker
  std::uint32_t open_ms = 500;  // open this long, then one probe call (half-open)
};

// One Redis server: "host:port" as written, and its parts.
struct RedisEndpoint {
  std::string address;
  std::string host;
  std::uint16_t port = 0;
};

// TLS to Redis (state/redis_tls_tunnel.h): the server is verified against `ca_file` (the
// system store when empty) and `server_name` (the address' host when empty).
struct RedisTlsConfig {
  bool enabled = false;
  std::string ca_file;
  std::string cert_file;  // client certificate (tls-auth-clients yes), with key_file
  std::string key_file;
  std::string server_name;
  bool verify = true;
};

struct RedisConfig {
  bool configured = false;
  std::string address;  // "127.0.0.1:6379" (one server); empty with cluster_nodes
  // Redis Cluster: seed nodes ("host:port"); the slot map is read from them (CLUSTER SLOTS).
  std::vector<std::string> cluster_nodes;
  // With `address`: its replicas. Decisions follow whichever answers ROLE `master` after the
  // primary fails (state/redis_failover_limiter.h).
  std::vector<RedisEndpoint> replicas;
  std::string host;
  std::uint16_t port = 0;
  std::string username;  // ACL user; empty = AUTH with the password alone
  std::string password;  // empty = no AUTH
  std::uint32_t database = 0;
  std::uint32_t timeout_ms = 50;          // per decision; beyond it the failure policy applies
  std::uint32_t connect_timeout_ms = 200;
  std::uint32_t max_pending = 4096;       // calls in flight per worker; beyond it: failure policy
  RedisCircuitBreakerConfig breaker;
  RedisTlsConfig tls;
};

struct RateLimitsConfig {
  std::uint32_t local_max_keys = 100'000;       // in-process store, all workers together
  std::uint32_t expected_instances = 1;         // fail_open quota = limit / expected_instances
  std::uint32_t over_limit_cache_keys = 10'000; // per worker: keys known to be over their limit
  bool response_headers = false;  // RateLimit-Policy + RateLimit also on responses that pass
  RedisConfig redis;
  std::vector<RateLimitRuleConfig> rules;  // all that match apply, in order
};

// Where the signature files are (top-level `signatures:`). Compiled when a snapshot is built,
// only when some route has signatures on.
struct SignaturesConfig {
  std::string directory = RAMPART_RULES_DIR "/signatures";  // every *.yaml in it, in name order
  std::vector<std::string> files;  // when not empty: exactly these files instead of `directory`
};

struct Config {
  std::string source_file;  // path it was loaded from (for messages)
  std::uint32_t workers = 0;  // 0 = number of cores
  std::vector<ListenerConfig> listeners;
  AdminConfig admin;
  LimitsConfig limits;
  DecisionLogConfig decision_log;
  ForwardingConfig forwarding;
  std::vector<ClusterConfig> clusters;
  std::vector<RouteConfig> routes;
  WafConfig waf;
  RateLimitsConfig rate_limits;
  SignaturesConfig signatures;
  ClientIntelConfig client_intel;
  BotConfig bot;
  ChallengeConfig challenge;
};

}  // namespace rampart
