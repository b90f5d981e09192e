#include "bot/challenge_stage.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "bot/challenge_form.h"
#include "bot/challenge_page.h"
#include "bot/challenge_token.h"
#include "bot/clearance_cookie.h"
#include "bot/request_cookies.h"
#include "proxy/api/exchange.h"
#include "proxy/config_snapshot.h"
#include "proxy/worker_context.h"

namespace rampart::bot {
namespace {

// More cookies of our name than this in one request are not a browser's; the rest are dropped.
constexpr std::size_t kMaxClearanceCookies = 4;
constexpr std::size_t kCspNonceBytes = 16;

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::string_view tokenRefusal(TokenStatus status) {
  switch (status) {
    case TokenStatus::Malformed:
      return "challenge_token_malformed";
    case TokenStatus::UnknownKey:
      return "challenge_token_unknown_key";
    case TokenStatus::BadSignature:
      return "challenge_token_bad_signature";
    case TokenStatus::Expired:
      return "challenge_token_expired";
    case TokenStatus::WrongClient:
      return "challenge_token_wrong_client";
    case TokenStatus::Valid:
      break;
  }
  return "challenge_token_malformed";
}

class ChallengeStage final : public Stage {
 public:
  explicit ChallengeStage(std::shared_ptr<const ChallengePolicy> policy)
      : policy_(std::move(policy)) {}

  // Only the solution POST needs its body, and it is small; everything else streams.
  BodyMode requestBodyMode(const Exchange& ex) const noexcept override {
    return isSolution(ex) ? BodyMode::Buffer : BodyMode::Stream;
  }

  Verdict onRequestHeaders(Exchange& ex) noexcept override {
    try {
      if (isSolution(ex)) {
        solving_ = true;
        if (ex.request().content_length > static_cast<std::int64_t>(kMaxSolutionBodyBytes))
          return reject(ex, 413, "challenge_body_too_large");
        // Without a Content-Length (chunked, or HTTP/2 without the header) the body would be
        // buffered up to the route's max_body_bytes before the 4 KiB check: the page's form
        // always sends one, so a solution without it is refused before any byte is read.
        if (ex.request().has_body && ex.request().content_length < 0)
          return reject(ex, 411, "challenge_length_required");
        return Verdict::next();  // decided with the body
      }
      const ClearanceStatus clearance = takeAndVerifyClearance(ex);
      if (!needsChallenge(ex)) return Verdict::next();
      if (clearance == ClearanceStatus::Valid) {
        ex.record().challenge = "passed";
        ex.worker().stats().inc(Counter::challenge_passed_total);
        return Verdict::next();
      }
      const std::string& method = ex.request().method;
      if (method != "GET" && method != "HEAD") {
        // A POST (or an API call) cannot run the page and would lose its body on the way back:
        // refuse it plainly; the client's next page load gets the challenge.
        ex.worker().stats().inc(Counter::challenge_required_total);
        return Verdict::respond(403, "challenge_required");
      }
      return issue(ex);
    } catch (...) {
      return failure(ex);
    }
  }

  Verdict onRequestBody(Exchange& ex, std::span<const std::byte> chunk,
                        bool end) noexcept override {
    if (!solving_ || !end) return Verdict::next();
    try {
      if (chunk.size() > kMaxSolutionBodyBytes) return reject(ex, 413, "challenge_body_too_large");
      return solve(ex, {reinterpret_cast<const char*>(chunk.data()), chunk.size()});
    } catch (...) {
      return failure(ex);
    }
  }

 private:
  bool isSolution(const Exchange& ex) const {
    return ex.request().method == "POST" && pathOf(ex.request().target) == policy_->path;
  }

  bool needsChallenge(const Exchange& ex) const {
    const RouteConfig* route = ex.route();
    if (route == nullptr) return false;  // 404 no_route follows; nothing to protect
    switch (route->challenge.mode) {
      case ChallengeMode::Off:
        return false;
      case ChallengeMode::OnRequest:
        return !ex.record().challenge_requested_by.empty();
      case ChallengeMode::Always:
        return true;
    }
    return false;
  }

  ClientBinding bindingOf(const Exchange& ex) const {
    return {clientIpPrefix(ex.connection().client_ip, policy_->ipv4_prefix, policy_->ipv6_prefix),
            ex.connection().ja4};
  }

  // Every request, whatever the route's mode: the cookie is rampart's and never goes upstream.
  ClearanceStatus takeAndVerifyClearance(Exchange& ex) {
    const std::vector<std::string> values =
        takeCookie(ex.mutableRequest().headers, policy_->cookie_name, kMaxClearanceCookies);
    ClearanceStatus status = ClearanceStatus::Absent;
    if (!values.empty()) {
      const ClientBinding binding = bindingOf(ex);
      const std::int64_t now = policy_->now();
      // A stale cookie from another path may sit beside a fresh one: any valid one counts, else
      // the first one's failure is reported.
      for (const std::string& value : values) {
        const ClearanceStatus checked = verifyClearanceCookie(policy_->keys, value, binding, now);
        if (status == ClearanceStatus::Absent || checked == ClearanceStatus::Valid)
          status = checked;
        if (checked == ClearanceStatus::Valid) break;
      }
      if (status != ClearanceStatus::Valid) {
        ex.worker().stats().inc(Counter::challenge_clearance_refused_total);
        ex.worker().stats().recordDetectorReason("clearance", clearanceStatusName(status));
      }
    }
    ex.record().clearance = clearanceStatusName(status);
    return status;
  }

  Verdict issue(Exchange& ex) {
    const std::string token =
        issueChallengeToken(policy_->keys, bindingOf(ex), policy_->difficulty_bits, policy_->now());
    const auto nonce = randomBytes(kCspNonceBytes);
    if (token.empty() || !nonce) return failure(ex);
    ChallengePage page = renderChallengePage(token, policy_->difficulty_bits, policy_->path,
                                             ex.request().target, base64UrlEncode(*nonce));
    DecisionRecord& record = ex.record();
    record.challenge = "issued";
    record.local_reply_content_type = "text/html; charset=utf-8";
    record.local_reply_body = std::move(page.html);
    record.local_reply_headers.push_back(
        {"content-security-policy", std::move(page.content_security_policy)});
    record.local_reply_headers.push_back({"x-content-type-options", "nosniff"});
    record.local_reply_headers.push_back({"x-frame-options", "DENY"});
    record.local_reply_headers.push_back({"referrer-policy", "same-origin"});
    ex.worker().stats().inc(Counter::challenge_issued_total);
    // 403, as Cloudflare answers its challenges: the resource was not served, and no cache or
    // crawler may take the page for it; 429 would claim a rate limit and invite retries.
    return Verdict::respond(403, "challenge_issued");
  }

  Verdict solve(Exchange& ex, std::string_view body) {
    ChallengeSolution solution;
    if (parseChallengeSolution(body, solution) != SolutionParse::Parsed)
      return reject(ex, 403, "challenge_solution_malformed");
    if (!isSameSiteTarget(solution.return_target))
      return reject(ex, 403, "challenge_bad_return_target");
    const ClientBinding binding = bindingOf(ex);
    const VerifiedToken token = verifyChallengeToken(policy_->keys, solution.token, binding,
                                                     policy_->now(), policy_->token_ttl_s);
    if (token.status != TokenStatus::Valid) return reject(ex, 403, tokenRefusal(token.status));
    switch (checkProofOfWork(solution.token, solution.counter, token.difficulty_bits)) {
      case ProofStatus::Meets:
        break;
      case ProofStatus::Malformed:
        return reject(ex, 403, "challenge_solution_malformed");
      case ProofStatus::TooFewZeroBits:
        return reject(ex, 403, "challenge_bad_proof");
    }
    const std::string cookie = issueClearanceCookie(
        policy_->keys, binding, policy_->now() + static_cast<std::int64_t>(policy_->cookie_ttl_s));
    if (cookie.empty()) return failure(ex);
    std::string set_cookie = policy_->cookie_name + "=" + cookie +
                             "; Max-Age=" + std::to_string(policy_->cookie_ttl_s) +
                             "; Path=/; HttpOnly; SameSite=Lax";
    // Secure only where the client came over TLS: on a plain listener the browser would drop a
    // Secure cookie and the challenge could never be passed.
    if (ex.connection().tls) set_cookie += "; Secure";
    DecisionRecord& record = ex.record();
    record.challenge = "solved";
    record.redirect_location = solution.return_target;
    record.local_reply_headers.push_back({"set-cookie", std::move(set_cookie)});
    ex.worker().stats().inc(Counter::challenge_solved_total);
    return Verdict::respond(303, "challenge_solved");
  }

  Verdict reject(Exchange& ex, std::uint16_t status, std::string_view reason) {
    ex.record().challenge = "rejected";
    ex.worker().stats().inc(Counter::challenge_rejected_total);
    ex.worker().stats().recordDetectorReason("challenge", reason);
    return Verdict::respond(status, reason);
  }

  // No randomness or no memory: fail closed, since letting the request through would turn
  // an outage of the challenge into an open door.
  Verdict failure(Exchange& ex) noexcept {
    ex.worker().stats().inc(Counter::challenge_errors_total);
    ex.record().local_reply_content_type.clear();
    ex.record().local_reply_body.clear();
    return Verdict::respond(503, "challenge_unavailable");
  }

  std::shared_ptr<const ChallengePolicy> policy_;
  bool solving_ = false;  // this request is the solution POST
};

}  // namespace

std::int64_t systemUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<Stage> ChallengeStageFactory::create(WorkerContext&) const {
  return std::make_unique<ChallengeStage>(policy_);
}

std::unique_ptr<ChallengeStageFactory> makeChallengeStageFactory(const ConfigSnapshot& snapshot,
                                                                 UnixClock now) {
  const Config& config = snapshot.config;
  // Built when a route can challenge and something can ask for it: the top-level key, a route in
  // `always` mode, or an earlier stage configured to request challenges (otherwise a request
  // those stages mark would pass unchallenged for want of this stage).
  const bool some_rule_challenges =
      std::any_of(config.rate_limits.rules.begin(), config.rate_limits.rules.end(),
                  [](const RateLimitRuleConfig& r) { return r.action == RateLimitAction::Challenge; });
  bool any_can_challenge = false;
  bool any_always = false;
  bool any_requester = some_rule_challenges;
  for (const RouteConfig& route : config.routes) {
    const bool can = route.challenge.mode != ChallengeMode::Off;
    any_can_challenge = any_can_challenge || can;
    any_always = any_always || route.challenge.mode == ChallengeMode::Always;
    const RouteClientPolicyConfig& policy = route.client_policy;
    const bool intel_challenges =
        policy.mode == ClientPolicyMode::Block &&
        (!policy.challenge_lists.empty() || !policy.challenge_countries.empty() ||
         !policy.challenge_asns.empty() ||
         policy.unknown_country == UnknownCountryAction::Challenge);
    const bool bot_challenges = route.bot.mode == BotMode::Block && route.bot.challenge_below > 0;
    any_requester = any_requester || (can && (intel_challenges || bot_challenges));
  }
  if (!((config.challenge.configured || any_requester) && any_can_challenge) && !any_always)
    return nullptr;
  const ChallengeConfig& c = config.challenge;
  std::vector<ChallengeKey> keys;
  for (const ChallengeKeyConfig& key : c.keys) keys.push_back({key.id, key.secret});
  const bool process_key = keys.empty();
  if (process_key) {
    keys.push_back(processChallengeKey());
    std::fprintf(stderr,
                 "rampart: WARNING: challenge: no challenge.keys configured; clearance cookies are "
                 "signed with a random per-process key and will not verify on other instances or "
                 "after a restart\n");
  }
  auto policy = std::make_shared<ChallengePolicy>(ChallengeKeyRing(std::move(keys)));
  policy->process_key = process_key;
  policy->difficulty_bits = c.difficulty_bits;
  policy->cookie_name = c.cookie_name;
  policy->cookie_ttl_s = c.cookie_ttl_s;
  policy->token_ttl_s = c.token_ttl_s;
  policy->ipv4_prefix = c.ipv4_prefix;
  policy->ipv6_prefix = c.ipv6_prefix;
  policy->path = c.path;
  policy->now = std::move(now);
  return std::make_unique<ChallengeStageFactory>(std::move(policy));
}

}  // namespace rampart::bot
