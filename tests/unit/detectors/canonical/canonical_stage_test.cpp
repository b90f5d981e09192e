// CanonicalStage on a FakeExchange: verdicts, reasons, counters, the forwarded target and body.
#include "detectors/canonical/canonical_stage.h"

#include <catch2/catch.hpp>

#include "detectors/canonical/canonical_request.h"
#include "proxy/stats/stats.h"
#include "tests/unit/fakes/fake_exchange.h"

namespace rampart::canonical {
namespace {

Config canonicalConfig(RouteCanonicalConfig canonical = {}) {
  Config config = test::makeTestConfig();
  canonical.enabled = true;
  config.routes.front().canonical = std::move(canonical);
  config.routes.front().max_body_bytes = 1 << 20;
  // A second route, so a canonical target that leaves the first route can be seen.
  RouteConfig admin;
  admin.name = "admin";
  admin.path_prefix = "/admin/";
  admin.cluster = "echo";
  config.routes.insert(config.routes.begin(), std::move(admin));
  return config;
}

struct Harness {
  explicit Harness(RouteCanonicalConfig canonical = {})
      : snapshot(test::makeTestSnapshot(canonicalConfig(std::move(canonical)))),
        ex(std::make_unique<test::FakeExchange>(snapshot)) {
    auto built = makeCanonicalStageFactory(*snapshot);
    if (!built) FAIL(built.error().detail);
    factory = std::move(built.value());
    REQUIRE(factory != nullptr);
    stage = factory->create(ex->worker());
  }
  Verdict run(RequestHead req, std::string body = {}) {
    ex->setRequest(std::move(req));
    ex->matchRoute();
    Verdict v = stage->onRequestHeaders(*ex);
    if (!v.isContinue()) return v;
    return stage->onRequestBody(*ex, {reinterpret_cast<const std::byte*>(body.data()), body.size()},
                                true);
  }
  std::uint64_t reasonCount(std::string_view reason) const {
    return ex->worker().stats().detectorReason("canonical", reason);
  }
  std::shared_ptr<const ConfigSnapshot> snapshot;
  std::unique_ptr<test::FakeExchange> ex;
  std::unique_ptr<CanonicalStageFactory> factory;
  std::unique_ptr<Stage> stage;
};

// "status reason" of a Respond verdict, "continue"/"pending"/"drop" otherwise.
std::string replyOf(const Verdict& v) {
  if (v.kind == Verdict::Kind::Respond)
    return std::to_string(v.status) + " " + std::string(v.reason);
  return v.kind == Verdict::Kind::Continue ? "continue" : "other";
}

RequestHead post(std::string target, std::string content_type) {
  RequestHead req = test::makeGet(std::move(target));
  req.method = "POST";
  if (!content_type.empty()) req.headers.add("content-type", content_type);
  return req;
}

TEST_CASE("Canonical stage: forwards the canonical target and keeps the view", "[canonical]") {
  Harness h;
  h.ex->setRequest(test::makeGet("/a"));
  h.ex->matchRoute();
  CHECK(h.stage->requestBodyMode(*h.ex) == BodyMode::Buffer);
  const Verdict v = h.run(test::makeGet("/a/./b//c/%7Euser?x=%41&y=1"));
  REQUIRE(v.isContinue());
  CHECK(h.ex->request().target == "/a/b/c/~user?x=A&y=1");
  CHECK(h.ex->record().canonical_target == "/a/b/c/~user?x=A&y=1");
  REQUIRE(h.ex->canonicalRequest() != nullptr);
  CHECK(h.ex->canonicalRequest()->path == "/a/b/c/~user");
  CHECK(h.ex->worker().stats().counter(Counter::canonical_views_total) == 1);
  CHECK(h.ex->record().body_parser.empty());
}

TEST_CASE("Canonical stage: a refusal has the view's status and reason, counted per reason",
          "[canonical]") {
  SECTION("invalid UTF-8 in the path: 400") {
    Harness h;
    const Verdict v = h.run(test::makeGet("/a/%C0%AF../etc"));
    CHECK(replyOf(v) == "400 path_invalid_utf8");
    CHECK(h.reasonCount("path_invalid_utf8") == 1);
    CHECK(h.ex->worker().stats().counter(Counter::canonical_rejections_total) == 1);
    CHECK(h.ex->canonicalRequest() == nullptr);
  }
  SECTION("a content type the contract does not list: 415") {
    Harness h;
    const Verdict v = h.run(post("/upload", "application/x-custom"), "abc");
    CHECK(replyOf(v) == "415 content_type_not_allowed");
  }
  SECTION("JSON sent as text/plain, not allowed by default") {
    Harness h;
    const Verdict v = h.run(post("/api", "text/plain"), R"({"a":1})");
    CHECK(replyOf(v) == "400 body_content_type_mismatch");
  }
  SECTION("JSON sent as text/plain, allowed: parsed") {
    RouteCanonicalConfig c;
    c.structured_text_plain = true;
    Harness h(c);
    REQUIRE(h.run(post("/api", "text/plain"), R"({"a":"b"})").isContinue());
    CHECK(h.ex->record().body_parser == "raw");
  }
  SECTION("a multipart body with a preamble") {
    Harness h;
    const Verdict v = h.run(
        post("/f", "multipart/form-data; boundary=XyZ"),
        "junk\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n");
    CHECK(replyOf(v) == "400 multipart_preamble");
  }
  SECTION("oversize with reject: 413") {
    RouteCanonicalConfig c;
    c.max_body_bytes = 8;
    Harness h(c);
    CHECK(replyOf(h.run(post("/f", "text/plain"), "0123456789")) == "413 body_too_large");
  }
}

TEST_CASE("Canonical stage: method contract answers 405 with Allow", "[canonical]") {
  RouteCanonicalConfig c;
  c.methods = {"GET", "POST"};
  Harness h(c);
  RequestHead req = test::makeGet("/x");
  req.method = "DELETE";
  CHECK(replyOf(h.run(req)) == "405 method_not_allowed");
  REQUIRE(h.ex->record().local_reply_headers.size() == 1);
  CHECK(h.ex->record().local_reply_headers[0].name == "allow");
  CHECK(h.ex->record().local_reply_headers[0].value == "GET, POST");
  CHECK(h.reasonCount("method_not_allowed") == 1);
}

TEST_CASE("Canonical stage: duplicate-parameter policy rewrites the forwarded form body",
          "[canonical]") {
  SECTION("reject") {
    RouteCanonicalConfig c;
    c.duplicate_parameters = "reject";
    Harness h(c);
    CHECK(replyOf(h.run(test::makeGet("/s?id=1&id=2"))) == "400 query_duplicate_parameter");
  }
  SECTION("last: only the last is inspected and forwarded") {
    RouteCanonicalConfig c;
    c.duplicate_parameters = "last";
    Harness h(c);
    REQUIRE(h.run(post("/s?id=1&id=2", "application/x-www-form-urlencoded"), "a=1&a=2&b=3")
                .isContinue());
    CHECK(h.ex->request().target == "/s?id=2");
    CHECK(h.ex->bodyReplaced());
    CHECK(h.ex->body() == "a=2&b=3");
    CHECK(h.ex->record().body_parser == "form");
    CHECK(h.ex->worker().stats().counter(Counter::canonical_body_rewrites_total) == 1);
  }
}

TEST_CASE("Canonical stage: oversize inspect_prefix inspects the first bytes raw", "[canonical]") {
  RouteCanonicalConfig c;
  c.max_body_bytes = 8;
  c.oversize = OversizeAction::InspectPrefix;
  c.inspect_prefix_bytes = 4;
  Harness h(c);
  REQUIRE(h.run(post("/f", "application/json"), R"({"a":"0123456789"})").isContinue());
  CHECK(h.ex->record().body_inspection == "prefix");
  const FieldList& fields = h.ex->canonicalRequest()->fields;
  REQUIRE(!fields.empty());
  CHECK(fields.back().source == FieldSource::RawBody);
  CHECK(fields.back().value == R"({"a")");
  CHECK(h.ex->worker().stats().counter(Counter::canonical_prefix_inspections_total) == 1);
}

TEST_CASE("Canonical stage: a canonical target that leaves the route is refused", "[canonical]") {
  Harness h;
  // Matched by prefix "/" (raw target), but canonically it is /admin/x, another route's.
  RequestHead req = test::makeGet("/public/../admin/x");
  h.ex->setRequest(req);
  h.ex->setRoute(&h.snapshot->config.routes.back());
  REQUIRE(h.stage->onRequestHeaders(*h.ex).isContinue());
  CHECK(replyOf(h.stage->onRequestBody(*h.ex, {}, true)) == "400 canonical_route_mismatch");
}

TEST_CASE("Canonical stage: routes without a contract are left alone", "[canonical]") {
  Config config = test::makeTestConfig();
  auto snapshot = test::makeTestSnapshot(config);
  auto built = makeCanonicalStageFactory(*snapshot);
  REQUIRE(built);
  CHECK(built.value() == nullptr);
}

TEST_CASE("Canonical stage: config values map onto the policy", "[canonical]") {
  RouteConfig route;
  route.name = "r";
  route.canonical.enabled = true;
  route.canonical.content_types = {{"application/json", "json"}, {"+xml", "raw"}};
  route.canonical.unlisted = "raw";
  route.canonical.encoded_slash = "decode";
  route.canonical.backslash = "slash";
  route.canonical.path_parameters = "reject";
  route.canonical.json_duplicate_keys = "allow";
  route.canonical.missing_content_type = "raw";
  auto policy = compileRouteCanonicalPolicy(route, false);
  REQUIRE(policy);
  CHECK(policy->enabled);
  REQUIRE(policy->policy.body.entries.size() == 2);
  CHECK(policy->policy.body.entries[1].parser == BodyParser::Raw);
  CHECK(policy->policy.body.unlisted == BodyParser::Raw);
  CHECK(policy->policy.body.missing_content_type == MissingContentTypePolicy::Raw);
  CHECK(policy->policy.path.encoded_slash == EncodedSlashPolicy::DecodeAsSlash);
  CHECK(policy->policy.path.backslash == BackslashPolicy::TreatAsSlash);
  CHECK(policy->policy.path.parameters == PathParameterPolicy::Reject);
  CHECK(policy->policy.json.duplicate_keys == DuplicateKeyPolicy::Allow);

  route.canonical.encoded_slash = "sometimes";
  CHECK_FALSE(compileRouteCanonicalPolicy(route, false));

  RouteConfig plain;
  plain.name = "p";
  auto off = compileRouteCanonicalPolicy(plain, false);
  REQUIRE(off);
  CHECK_FALSE(off->enabled);
  auto needed = compileRouteCanonicalPolicy(plain, true);
  REQUIRE(needed);
  CHECK(needed->enabled);  // signatures need the view: the default contract
}

}  // namespace
}  // namespace rampart::canonical
