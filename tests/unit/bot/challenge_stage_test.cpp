#include "bot/challenge_stage.h"

#include <catch2/catch.hpp>

#include "bot/challenge_token.h"
#include "bot/clearance_cookie.h"
#include "proxy/stats/stats.h"
#include "tests/unit/fakes/fake_exchange.h"

namespace rampart::bot {
namespace {

constexpr std::int64_t kStart = 1'700'000'000;
const std::string kSecret = "stage-test-secret-with-at-least-32-bytes";

struct Harness {
  explicit Harness(ChallengeMode mode = ChallengeMode::Always, bool configured = true) {
    Config config = test::makeTestConfig();
    config.routes.front().challenge.mode = mode;
    config.challenge.configured = configured;
    config.challenge.keys = {{"k1", kSecret}};
    config.challenge.difficulty_bits = 8;
    config.challenge.cookie_ttl_s = 600;
    snapshot = test::makeTestSnapshot(std::move(config));
    factory = makeChallengeStageFactory(*snapshot, [this] { return now; });
  }

  // A fresh exchange for `req` from `client_ip` (plain listener unless ja4 is given).
  test::FakeExchange& start(RequestHead req, std::string client_ip = "192.0.2.10",
                            std::string ja4 = "") {
    ex = std::make_unique<test::FakeExchange>(snapshot);
    ex->mutableConnection().client_ip = std::move(client_ip);
    ex->mutableConnection().ja4 = std::move(ja4);
    ex->mutableConnection().tls = !ex->connection().ja4.empty();
    ex->setRequest(std::move(req));
    stage = factory->create(ex->worker());
    return *ex;
  }

  Verdict get(const std::string& target = "/page?x=1", const std::string& cookie = "",
              std::string client_ip = "192.0.2.10", std::string ja4 = "") {
    RequestHead req = test::makeGet(target);
    if (!cookie.empty()) req.headers.add("cookie", cookie);
    start(std::move(req), std::move(client_ip), std::move(ja4));
    return stage->onRequestHeaders(*ex);
  }

  // The solution POST: headers, then the buffered body.
  Verdict post(const std::string& body, std::string client_ip = "192.0.2.10",
               std::string ja4 = "", bool with_length = true) {
    RequestHead req = test::makeGet("/.well-known/rampart/challenge");
    req.method = "POST";
    req.content_length = with_length ? static_cast<std::int64_t>(body.size()) : -1;
    req.chunked = !with_length;
    req.has_body = true;
    start(std::move(req), std::move(client_ip), std::move(ja4));
    CHECK(stage->requestBodyMode(*ex) == BodyMode::Buffer);
    const Verdict headers = stage->onRequestHeaders(*ex);
    if (!headers.isContinue()) return headers;
    return stage->onRequestBody(*ex, {reinterpret_cast<const std::byte*>(body.data()), body.size()},
                                true);
  }

  // Fetches a page and returns its token.
  std::string tokenFromPage(std::string client_ip = "192.0.2.10", std::string ja4 = "") {
    const Verdict v = get("/page?x=1", "", std::move(client_ip), std::move(ja4));
    REQUIRE(v.reason == "challenge_issued");
    const std::string& html = ex->record().local_reply_body;
    const std::size_t at = html.find("data-token=\"") + 12;
    return html.substr(at, html.find('"', at) - at);
  }

  static std::string solve(const std::string& token, std::uint32_t bits = 8) {
    for (std::uint64_t c = 0;; ++c)
      if (checkProofOfWork(token, std::to_string(c), bits) == ProofStatus::Meets)
        return std::to_string(c);
  }

  std::string setCookie() const {
    for (const auto& h : ex->record().local_reply_headers)
      if (h.name == "set-cookie") return h.value;
    return {};
  }
  std::uint64_t counter(Counter c) const { return ex->worker().stats().counter(c); }

  std::int64_t now = kStart;
  std::shared_ptr<const ConfigSnapshot> snapshot;
  std::unique_ptr<ChallengeStageFactory> factory;
  std::unique_ptr<test::FakeExchange> ex;
  std::unique_ptr<Stage> stage;
};

// Verdicts have no operator==; their rendering (kind, status, reason) is what tests compare.
std::string describe(const Verdict& v) { return Catch::StringMaker<Verdict>::convert(v); }

// The cookie value out of a Set-Cookie header.
std::string cookieValueOf(const std::string& set_cookie) {
  const std::size_t eq = set_cookie.find('=');
  return set_cookie.substr(eq + 1, set_cookie.find(';') - eq - 1);
}

TEST_CASE("challenge stage: built only when something can be challenged", "[bot][challenge]") {
  auto plain = test::makeTestSnapshot();
  CHECK(makeChallengeStageFactory(*plain) == nullptr);
  CHECK(Harness(ChallengeMode::OnRequest, false).factory == nullptr);
  CHECK(Harness(ChallengeMode::Off, true).factory == nullptr);
  CHECK(Harness(ChallengeMode::OnRequest, true).factory != nullptr);
  CHECK(Harness(ChallengeMode::Always, false).factory != nullptr);
}

TEST_CASE("challenge stage: no clearance -> the page, 403", "[bot][challenge]") {
  Harness h;
  const Verdict v = h.get();
  CHECK(describe(v) == describe(Verdict::respond(403, "challenge_issued")));
  CHECK(h.ex->record().challenge == "issued");
  CHECK(h.ex->record().clearance == "absent");
  CHECK(h.ex->record().local_reply_content_type == "text/html; charset=utf-8");
  CHECK(h.ex->record().local_reply_body.find("data-return=\"/page?x=1\"") != std::string::npos);
  CHECK(h.counter(Counter::challenge_issued_total) == 1);
  bool csp = false;
  for (const auto& field : h.ex->record().local_reply_headers)
    csp = csp || field.name == "content-security-policy";
  CHECK(csp);
}

TEST_CASE("challenge stage: solve, then pass with the cookie", "[bot][challenge]") {
  Harness h;
  const std::string token = h.tokenFromPage();
  const Verdict solved =
      h.post("token=" + token + "&counter=" + Harness::solve(token) + "&return=%2Fpage%3Fx%3D1");
  CHECK(describe(solved) == describe(Verdict::respond(303, "challenge_solved")));
  CHECK(h.ex->record().challenge == "solved");
  CHECK(h.ex->record().redirect_location == "/page?x=1");
  const std::string set_cookie = h.setCookie();
  CHECK(set_cookie.rfind("rampart_clearance=v1.k1.1700000600.", 0) == 0);
  CHECK(set_cookie.find("; Max-Age=600; Path=/; HttpOnly; SameSite=Lax") != std::string::npos);
  CHECK(set_cookie.find("Secure") == std::string::npos);  // plain listener
  CHECK(h.counter(Counter::challenge_solved_total) == 1);

  const std::string cookie = cookieValueOf(set_cookie);
  const Verdict passed = h.get("/page?x=1", "a=1; rampart_clearance=" + cookie + "; b=2");
  CHECK(passed.isContinue());
  CHECK(h.ex->record().challenge == "passed");
  CHECK(h.ex->record().clearance == "valid");
  CHECK(h.counter(Counter::challenge_passed_total) == 1);
  // The upstream never sees the clearance cookie.
  REQUIRE(h.ex->request().headers.find("cookie") != nullptr);
  CHECK(*h.ex->request().headers.find("cookie") == "a=1; b=2");

  SECTION("expired") {
    h.now = kStart + 601;
    CHECK(h.get("/", "rampart_clearance=" + cookie).reason == "challenge_issued");
    CHECK(h.ex->record().clearance == "expired");
    CHECK(h.counter(Counter::challenge_clearance_refused_total) == 1);
    CHECK(h.ex->worker().stats().detectorReason("clearance", "expired") == 1);
  }
  SECTION("replayed from another address prefix") {
    CHECK(h.get("/", "rampart_clearance=" + cookie, "198.51.100.7").reason == "challenge_issued");
    CHECK(h.ex->record().clearance == "wrong_client");
  }
  SECTION("the same /24 still passes by default") {
    CHECK(h.get("/", "rampart_clearance=" + cookie, "192.0.2.200").isContinue());
  }
  SECTION("replayed over TLS (another JA4)") {
    CHECK(h.get("/", "rampart_clearance=" + cookie, "192.0.2.10", "t13d1516h2_a_b").reason ==
          "challenge_issued");
    CHECK(h.ex->record().clearance == "wrong_client");
  }
  SECTION("forged") {
    // A character of the first (issued) tag, right after the last '.'.
    std::string forged = cookie;
    const std::size_t at = forged.rfind('.') + 2;
    forged[at] = forged[at] == 'A' ? 'B' : 'A';
    CHECK(h.get("/", "rampart_clearance=" + forged).reason == "challenge_issued");
    CHECK(h.ex->record().clearance == "bad_signature");
  }
}

TEST_CASE("challenge stage: TLS clearance is Secure and bound to the JA4", "[bot][challenge]") {
  Harness h;
  const std::string ja4 = "t13d1516h2_8daaf6152771_e5627efa2ab1";
  const std::string token = h.tokenFromPage("192.0.2.10", ja4);
  CHECK(h.post("token=" + token + "&counter=" + Harness::solve(token), "192.0.2.10", ja4).reason ==
        "challenge_solved");
  CHECK(h.ex->record().redirect_location == "/");
  CHECK(h.setCookie().find("; Secure") != std::string::npos);
  const std::string cookie = cookieValueOf(h.setCookie());
  CHECK(h.get("/", "rampart_clearance=" + cookie, "192.0.2.10", ja4).isContinue());
}

TEST_CASE("challenge stage: refused solutions", "[bot][challenge]") {
  Harness h;
  const std::string token = h.tokenFromPage();
  const std::string good = Harness::solve(token);
  auto reasonOf = [&](const std::string& body, std::string ip = "192.0.2.10") {
    const Verdict v = h.post(body, std::move(ip));
    CHECK(h.ex->record().challenge == (v.status == 303 ? "solved" : "rejected"));
    return std::string(v.reason);
  };
  // A counter that does not reach 8 bits.
  std::string bad = "0";
  for (std::uint64_t c = 0; checkProofOfWork(token, bad, 8) == ProofStatus::Meets; ++c)
    bad = std::to_string(c);
  CHECK(reasonOf("token=" + token + "&counter=" + bad) == "challenge_bad_proof");
  CHECK(h.counter(Counter::challenge_rejected_total) == 1);
  CHECK(h.ex->worker().stats().detectorReason("challenge", "challenge_bad_proof") == 1);
  CHECK(reasonOf("token=" + token + "&counter=" + good, "198.51.100.7") ==
        "challenge_token_wrong_client");
  CHECK(reasonOf("token=garbage&counter=1") == "challenge_token_malformed");
  CHECK(reasonOf("counter=1") == "challenge_solution_malformed");
  CHECK(reasonOf("token=" + token + "&counter=" + good + "&return=%2F%2Fevil.example") ==
        "challenge_bad_return_target");
  CHECK(reasonOf("token=" + token + "&counter=" + good + "&return=https://evil.example/") ==
        "challenge_bad_return_target");
  h.now = kStart + 301;
  CHECK(reasonOf("token=" + token + "&counter=" + good) == "challenge_token_expired");
  h.now = kStart;
  CHECK(reasonOf("token=" + token + "&counter=" + good) == "challenge_solved");
  // Oversized by Content-Length: refused before the body is read.
  CHECK(reasonOf(std::string(5000, 'a')) == "challenge_body_too_large");
  // No Content-Length (chunked): refused before anything is buffered.
  const Verdict chunked = h.post("token=" + token + "&counter=" + good, "192.0.2.10", "", false);
  CHECK(chunked.status == 411);
  CHECK(chunked.reason == "challenge_length_required");
}

TEST_CASE("challenge stage: on_request acts only when asked", "[bot][challenge]") {
  Harness h(ChallengeMode::OnRequest);
  CHECK(h.get().isContinue());
  CHECK(h.ex->record().challenge.empty());
  CHECK(h.ex->record().clearance == "absent");
  RequestHead req = test::makeGet("/page");
  h.start(std::move(req));
  h.ex->record().challenge_requested_by = "bot_score";
  CHECK(describe(h.stage->onRequestHeaders(*h.ex)) ==
        describe(Verdict::respond(403, "challenge_issued")));
}

TEST_CASE("challenge stage: non-GET requests cannot run the page", "[bot][challenge]") {
  Harness h;
  RequestHead req = test::makeGet("/api");
  req.method = "PUT";
  h.start(std::move(req));
  CHECK(h.stage->requestBodyMode(*h.ex) == BodyMode::Stream);
  CHECK(describe(h.stage->onRequestHeaders(*h.ex)) ==
        describe(Verdict::respond(403, "challenge_required")));
  CHECK(h.ex->record().local_reply_content_type.empty());  // the JSON reply
  CHECK(h.counter(Counter::challenge_required_total) == 1);
}

TEST_CASE("challenge stage: mode off still strips the cookie", "[bot][challenge]") {
  Config config = test::makeTestConfig();
  RouteConfig off = config.routes.front();
  off.name = "off";
  off.path_prefix = "/off/";
  off.challenge.mode = ChallengeMode::Off;
  config.routes.insert(config.routes.begin(), off);
  config.routes.back().challenge.mode = ChallengeMode::Always;
  auto snapshot = test::makeTestSnapshot(std::move(config));
  auto factory = makeChallengeStageFactory(*snapshot);
  REQUIRE(factory != nullptr);
  test::FakeExchange ex(snapshot);
  RequestHead req = test::makeGet("/off/x");
  req.headers.add("cookie", "rampart_clearance=junk");
  ex.setRequest(std::move(req));
  ex.matchRoute();
  auto stage = factory->create(ex.worker());
  CHECK(stage->onRequestHeaders(ex).isContinue());
  CHECK(ex.record().clearance == "malformed");
  CHECK(ex.request().headers.find("cookie") == nullptr);
}

}  // namespace
}  // namespace rampart::bot
